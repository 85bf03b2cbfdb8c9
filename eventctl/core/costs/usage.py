"""Usage assumptions: the quantities the model cannot know (traffic, log volume, data size).

Every usage-driven line reads one of these keys. Each key has a documented default per
environment; a TOML usage file and `--set key=value` flags override them:

    [defaults]                 # every environment
    internet_egress_gb = 20

    [env.prod]                 # one environment
    nat_processed_gb = 150
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventctl.errors import EventctlError


class UsageError(EventctlError):
    """A usage file or `--set` value is malformed, unknown or out of range."""


@dataclass(frozen=True)
class UsageKey:
    """One usage assumption: its unit, meaning and default per environment."""

    name: str
    unit: str
    description: str
    dev: float
    prod: float
    maximum: float | None = None


USAGE_KEYS: tuple[UsageKey, ...] = (
    UsageKey(
        "nat_processed_gb",
        "GB/month",
        "data through the NAT gateways (SES, SNS, SQS, "
        "payment provider calls: the AWS APIs without an interface endpoint)",
        5,
        40,
    ),
    UsageKey(
        "endpoint_processed_gb",
        "GB/month",
        "data through the interface endpoints (image pulls, logs, secrets, SSM)",
        10,
        60,
    ),
    UsageKey(
        "alb_lcu",
        "LCU (average)",
        "load balancer capacity units used on average "
        "(1 LCU = 25 new connections/s, 3,000 active/min, 1 GB/h or 1,000 rules/s)",
        0.2,
        1.0,
    ),
    UsageKey(
        "app_log_gb_per_task",
        "GB/month per task",
        "application logs one running task writes",
        0.5,
        1.0,
    ),
    UsageKey("flow_log_gb", "GB/month", "VPC flow log records (traffic type ALL)", 2, 15),
    UsageKey(
        "internet_egress_gb",
        "GB/month",
        "API responses and other data sent to the internet from the ALB and NAT",
        10,
        100,
    ),
    UsageKey("cloudfront_gb", "GB/month", "web app bytes served by CloudFront", 5, 100),
    UsageKey(
        "cloudfront_requests_million",
        "million requests/month",
        "HTTPS requests to CloudFront",
        0.2,
        5,
    ),
    UsageKey("s3_storage_gb", "GB", "web assets in the assets bucket", 1, 2),
    UsageKey("s3_put_thousand", "thousand PUT/month", "uploads (deploys) to the bucket", 2, 2),
    UsageKey("s3_get_thousand", "thousand GET/month", "CloudFront origin fetches", 20, 200),
    UsageKey(
        "route53_queries_million",
        "million queries/month",
        "non-alias DNS queries (alias records to CloudFront and the ALB are free)",
        0.1,
        2,
    ),
    UsageKey(
        "messages_million",
        "million messages/month",
        "business messages through SQS (each is a send, a receive and a delete)",
        0.05,
        2,
    ),
    UsageKey("sns_publishes_million", "million publishes/month", "SNS publishes", 0.02, 1),
    UsageKey("emails_thousand", "thousand emails/month", "emails sent through SES", 1, 50),
    UsageKey("docdb_storage_gb", "GB", "audit log data in DocumentDB", 1, 20),
    UsageKey("docdb_io_million", "million I/Os/month", "DocumentDB storage I/O", 1, 30),
    UsageKey(
        "rds_used_gb",
        "GB per database",
        "data in each PostgreSQL database (drives backup storage)",
        1,
        20,
    ),
    UsageKey(
        "rds_daily_change",
        "fraction/day",
        "share of a database that changes per day (incremental backups)",
        0.05,
        0.05,
        maximum=1,
    ),
    UsageKey(
        "ecr_gb_per_repository", "GB", "images kept per repository (lifecycle keeps 30)", 0.5, 0.5
    ),
    UsageKey(
        "secrets_api_10k", "10k calls/month", "Secrets Manager reads (task starts, rotation)", 1, 3
    ),
    UsageKey(
        "kms_requests_10k",
        "10k requests/month",
        "KMS requests (SQS/SNS/Secrets encryption with data-key reuse)",
        5,
        30,
    ),
    UsageKey(
        "working_hours_per_week",
        "hours/week",
        "hours a week the environment must be up (for the stop-outside-working-hours saving)",
        60,
        60,
        maximum=168,
    ),
)

KEYS = {key.name: key for key in USAGE_KEYS}
ENVIRONMENTS_WITH_DEFAULTS = ("dev", "prod")


@dataclass(frozen=True)
class Usage:
    """The resolved usage of one environment, and which keys were overridden (and where)."""

    env: str
    values: dict[str, float]
    overridden: dict[str, str]

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "key": key.name,
                "value": self.values[key.name],
                "unit": key.unit,
                "description": key.description,
                "source": self.overridden.get(key.name, "default"),
            }
            for key in USAGE_KEYS
        ]


@dataclass(frozen=True)
class UsageOverrides:
    """Overrides read from a usage file and `--set` flags, not yet applied to an environment."""

    defaults: dict[str, tuple[float, str]]
    per_env: dict[str, dict[str, tuple[float, str]]]

    def resolve(self, env: str) -> Usage:
        """The usage of `env`: built-in defaults < file [defaults] < file [env.X] < flags."""
        column = env if env in ENVIRONMENTS_WITH_DEFAULTS else "dev"
        values = {key.name: float(getattr(key, column)) for key in USAGE_KEYS}
        overridden: dict[str, str] = {}
        for layer in (self.defaults, self.per_env.get(env, {})):
            for name, (value, origin) in layer.items():
                values[name] = value
                overridden[name] = origin
        return Usage(env=env, values=values, overridden=overridden)


def no_overrides() -> UsageOverrides:
    return UsageOverrides(defaults={}, per_env={})


def load_usage(
    path: Path | None, assignments: Iterable[str] = (), known_envs: Iterable[str] = ()
) -> UsageOverrides:
    """Read a TOML usage file (optional) and `key=value` assignments (flags, applied last).

    Raises UsageError naming the file, the dotted key and what is wrong: malformed TOML,
    unknown section or key, a value that is not a number, a negative or too large value.
    """
    envs = set(known_envs) or set(ENVIRONMENTS_WITH_DEFAULTS)
    defaults: dict[str, tuple[float, str]] = {}
    per_env: dict[str, dict[str, tuple[float, str]]] = {}
    if path is not None:
        data = _read_toml(path)
        for section, body in data.items():
            if section == "defaults":
                defaults.update(_section(body, f"{path}", "defaults"))
            elif section == "env":
                if not isinstance(body, dict):
                    raise _error(path, "env", "must be a table of environments ([env.dev])")
                for env, values in body.items():
                    if env not in envs:
                        raise _error(
                            path,
                            f"env.{env}",
                            f"unknown environment (known: {', '.join(sorted(envs))})",
                        )
                    per_env.setdefault(env, {}).update(_section(values, f"{path}", f"env.{env}"))
            else:
                raise _error(path, section, "unknown section (known: defaults, env.<name>)")
    for assignment in assignments:
        name, value = _assignment(assignment)
        defaults[name] = (value, f"--set {name}")
        for env_values in per_env.values():
            env_values.pop(name, None)
    return UsageOverrides(defaults=defaults, per_env=per_env)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"usage file {path} does not exist", hint="check the --usage path"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read usage file {path}: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"usage file {path}: malformed TOML: {exc}",
            hint="fix the line shown; see docs/costs.md for the usage file format",
        ) from None


def _section(body: Any, where: str, section: str) -> dict[str, tuple[float, str]]:
    if not isinstance(body, dict):
        raise UsageError(
            f"usage file {where}: {section} must be a table of key = number",
            hint="see docs/costs.md for the usage file format",
        )
    return {
        name: (_value(name, raw, f"usage file {where}: {section}.{name}"), f"{where} [{section}]")
        for name, raw in body.items()
    }


def _assignment(text: str) -> tuple[str, float]:
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(
            f"--set {text!r}: expected KEY=NUMBER", hint="for example: --set nat_processed_gb=50"
        )
    try:
        number: Any = float(raw.strip())
    except ValueError:
        number = raw.strip()
    return name, _value(name, number, f"--set {name}")


def _value(name: str, raw: Any, where: str) -> float:
    key = KEYS.get(name)
    if key is None:
        raise UsageError(
            f"{where}: unknown usage key {name!r}",
            hint=f"known keys: {', '.join(KEYS)} (see docs/costs.md)",
        )
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise UsageError(
            f"{where}: must be a number ({key.unit}), got {raw!r}",
            hint="see docs/costs.md for each key's unit",
        )
    value = float(raw)
    if not math.isfinite(value) or value < 0:
        raise UsageError(
            f"{where}: must be a finite number >= 0, got {value:g}",
            hint="usage quantities cannot be negative",
        )
    if key.maximum is not None and value > key.maximum:
        raise UsageError(
            f"{where}: must be at most {key.maximum:g} ({key.unit}), got {value:g}",
            hint=f"{key.name} is {key.description}",
        )
    return value


def _error(path: Path, key: str, message: str) -> UsageError:
    return UsageError(
        f"usage file {path}: {key}: {message}", hint="see docs/costs.md for the usage file format"
    )


def usage_defaults_table() -> list[dict[str, Any]]:
    """The documented defaults, for docs and `cost usage`."""
    return [
        {"key": k.name, "unit": k.unit, "dev": k.dev, "prod": k.prod, "description": k.description}
        for k in USAGE_KEYS
    ]
