"""What a local run is made of, derived from the platform model: a pure function.

`build_spec` turns (platform, options) into a `RuntimeSpec`: the processes to start (the AWS
emulator, the services, the gateway) with their ports, command lines and environments, and the
emulator resources to create (`ProvisionPlan`). The supervisor executes it; tests read it.
Secrets are not in the spec: it only names the files that hold them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eventctl.core.local.files import RuntimePaths
from platform_model import Platform, Service
from platform_model.catalog import JWT_SIGNING_KEY_SECRET

ComponentKind = Literal["emulator", "service", "gateway"]
EMULATOR = "aws-emulator"
GATEWAY = "gateway"

# The emulator accepts any key; these keep the services away from real credentials.
EMULATOR_CREDENTIALS = ("local", "local")
# As the Terraform sets it: the longest SQS retention, so nothing dead-lettered expires early.
DEAD_LETTER_RETENTION_SECONDS = 14 * 86400

# Variables a child process keeps from the caller's environment (no credentials, no config).
INHERITED = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SYSTEMROOT")
INHERITED_PREFIXES = ("LC_",)


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QueuePlan(Model):
    name: str
    dead_letter_name: str
    visibility_timeout_seconds: int
    retention_seconds: int
    max_receive_count: int
    dead_letter_retention_seconds: int = DEAD_LETTER_RETENTION_SECONDS


class TopicPlan(Model):
    name: str
    subscribed_queues: tuple[str, ...]
    """resource names of the queues subscribed to it"""


class ProvisionPlan(Model):
    """The emulator resources of one environment, the same set the Terraform declares."""

    region: str
    queues: tuple[QueuePlan, ...]
    topics: tuple[TopicPlan, ...]
    raw_message_delivery: bool
    assets_bucket: str
    log_groups: tuple[str, ...]
    log_retention_days: int
    email_domain: str
    secrets: dict[str, str]
    """secret name in Secrets Manager -> file (under the secrets directory) with its value"""


class ComponentSpec(Model):
    """One process of the run."""

    name: str
    kind: ComponentKind
    argv: tuple[str, ...]
    port: int
    health_path: str | None
    """HTTP path that answers 200 when it is ready; None = the port accepting connections"""
    environ: dict[str, str]
    secrets_file: str | None = None
    """file (under the secrets directory) of JSON variables added to `environ`"""
    log_group: str | None = None
    """CloudWatch log group its output is shipped to"""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class RuntimeSpec(Model):
    env: str
    data_dir: str
    region: str
    emulator_url: str
    gateway_url: str
    components: tuple[ComponentSpec, ...]
    provision: ProvisionPlan
    start_timeout: float
    stop_timeout: float

    @property
    def paths(self) -> RuntimePaths:
        return RuntimePaths(Path(self.data_dir))

    def component(self, name: str) -> ComponentSpec:
        return next(c for c in self.components if c.name == name)


@dataclass(frozen=True)
class DataStores:
    """Where the services keep data: SQLite files unless PostgreSQL/Redis URLs are given."""

    postgres_url: str | None = None
    database_prefix: str | None = None
    redis_url: str | None = None
    redis_prefix: str | None = None


@dataclass(frozen=True)
class SpecInputs:
    """Everything `build_spec` needs besides the model."""

    env: str
    paths: RuntimePaths
    services: tuple[str, ...]
    ports: Mapping[str, int]
    python: str
    stores: DataStores = DataStores()
    environ: Mapping[str, str] = field(default_factory=dict)
    service_environ: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    log_level: str = "INFO"
    start_timeout: float = 90.0
    stop_timeout: float = 15.0


def inherited_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's variables every child keeps: locale, PATH, HOME; never credentials."""
    return {
        key: value
        for key, value in environ.items()
        if key in INHERITED or key.startswith(INHERITED_PREFIXES)
    }


def database_name(platform: Platform, stores: DataStores, service: Service) -> str | None:
    """The PostgreSQL database of `service` on the configured server."""
    if service.database is None:
        return None
    db = next(d for d in platform.databases if d.name == service.database)
    prefix = stores.database_prefix
    if prefix is None:
        prefix = platform.project.replace("-", "_") + "_local_"
    return f"{prefix}{db.db_name}"


def build_spec(platform: Platform, inputs: SpecInputs) -> RuntimeSpec:
    """The run of `inputs.services` in local environment `inputs.env`."""
    names = platform.names(inputs.env)
    ports = inputs.ports
    port = ports[EMULATOR]
    emulator_url = f"http://127.0.0.1:{port}"
    gateway_url = f"http://127.0.0.1:{ports[GATEWAY]}"
    base = {**inherited_environ(inputs.environ), "PYTHONUNBUFFERED": "1"}
    aws = {
        "AWS_ENDPOINT_URL": emulator_url,
        "AWS_REGION": platform.region,
        "AWS_DEFAULT_REGION": platform.region,
        "AWS_ACCESS_KEY_ID": EMULATOR_CREDENTIALS[0],
        "AWS_SECRET_ACCESS_KEY": EMULATOR_CREDENTIALS[1],
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    components = [
        ComponentSpec(
            name=EMULATOR,
            kind="emulator",
            argv=(
                inputs.python,
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                str(ports[EMULATOR]),
            ),
            port=ports[EMULATOR],
            health_path=None,
            environ=base,
        )
    ]
    service_urls = {
        s.name: f"http://127.0.0.1:{ports.get(s.name, s.port)}" for s in platform.services
    }
    for name in inputs.services:
        service = platform.service(name)
        components.append(
            ComponentSpec(
                name=service.name,
                kind="service",
                argv=(inputs.python, "-m", f"services.{service.name}"),
                port=ports[service.name],
                health_path=service.ready_path,
                environ={
                    **base,
                    **aws,
                    **_service_environ(platform, inputs, service, service_urls, gateway_url),
                    **inputs.service_environ.get(service.name, {}),
                },
                secrets_file=f"{service.name}.json",
                log_group=names.log_group(service),
            )
        )
    components.append(
        ComponentSpec(
            name=GATEWAY,
            kind="gateway",
            argv=(
                inputs.python,
                "-m",
                "eventctl.core.local.gateway",
                str(inputs.paths.gateway_config),
            ),
            port=ports[GATEWAY],
            health_path="/",
            environ=base,
        )
    )
    return RuntimeSpec(
        env=inputs.env,
        data_dir=str(inputs.paths.root),
        region=platform.region,
        emulator_url=emulator_url,
        gateway_url=gateway_url,
        components=tuple(components),
        provision=provision_plan(platform, inputs.env),
        start_timeout=inputs.start_timeout,
        stop_timeout=inputs.stop_timeout,
    )


def _service_environ(
    platform: Platform,
    inputs: SpecInputs,
    service: Service,
    service_urls: Mapping[str, str],
    gateway_url: str,
) -> dict[str, str]:
    """The documented variables of `services.kit.settings` (docs/services.md), no secrets."""
    gateway_port = inputs.ports[GATEWAY]
    environ = {
        "ENVIRONMENT": inputs.env,
        "PLATFORM_PROJECT": platform.project,
        "PLATFORM_DOMAIN": platform.domain,
        "HOST": "127.0.0.1",
        "PORT": str(inputs.ports[service.name]),
        "DATA_DIR": str(inputs.paths.data),
        "LOG_LEVEL": inputs.log_level,
        "TRUSTED_PROXY_HOPS": "1",  # the gateway appends the caller to X-Forwarded-For
        "CORS_ORIGINS": json.dumps(
            [gateway_url, f"http://localhost:{gateway_port}"], separators=(",", ":")
        ),
        "SERVICE_URLS": json.dumps(dict(service_urls), separators=(",", ":")),
    }
    auth = next((s for s in platform.services if s.name == "auth"), None)
    if auth is not None:
        environ["AUTH_JWKS_URL"] = (
            f"{service_urls[auth.name]}{auth.path_prefix}/.well-known/jwks.json"
        )
    if inputs.stores.redis_url is not None:
        prefix = inputs.stores.redis_prefix or f"{platform.project}:{inputs.env}:"
        environ["REDIS_PREFIX"] = f"{prefix}{service.name}:"
    return environ


def provision_plan(platform: Platform, env: str) -> ProvisionPlan:
    """The queues, topics, subscriptions, bucket, log groups, e-mail identity and secrets."""
    names = platform.names(env)
    profile = platform.environment(env)
    return ProvisionPlan(
        region=platform.region,
        queues=tuple(
            QueuePlan(
                name=names.queue(q.name),
                dead_letter_name=names.dead_letter_queue(q.name),
                visibility_timeout_seconds=q.visibility_timeout_seconds,
                retention_seconds=q.retention_seconds,
                max_receive_count=q.max_receive_count,
            )
            for q in platform.queues
        ),
        topics=tuple(
            TopicPlan(
                name=names.topic(t.name),
                subscribed_queues=tuple(names.queue(q) for q in t.subscribed_queues),
            )
            for t in platform.topics
        ),
        # As the Terraform subscribes them: consumers read the message itself, not an envelope.
        raw_message_delivery=True,
        assets_bucket=names.assets_bucket,
        log_groups=tuple(names.log_group(s) for s in platform.services),
        log_retention_days=profile.log_retention_days,
        email_domain=names.zone,
        secrets={names.secret(JWT_SIGNING_KEY_SECRET): JWT_KEY_FILE},
    )


JWT_KEY_FILE = "jwt-private-key.pem"
