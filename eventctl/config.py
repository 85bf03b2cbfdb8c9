"""Settings: `eventctl.toml`, then `EVENTCTL_*` variables, then command-line flags.

Read once by the CLI and passed down as values. A bad file or value becomes a ConfigError that
names where it came from (file and line, or the variable) before anything is changed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from eventctl.errors import ConfigError
from platform_model import InvalidSetting, Platform, build_platform

CONFIG_FILE = "eventctl.toml"
ENV_PREFIX = "EVENTCTL_"


class LocalSettings(BaseModel):
    """Where the local environment's services keep their data (`[local]` in eventctl.toml).

    Unset: SQLite files and an in-process store. The URLs may hold passwords, so they are
    secrets: never printed, and handed to the services only through their environment.
    """

    model_config = ConfigDict(extra="forbid")

    postgres_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL server (postgresql://user:password@host:port, no database): "
        "each service gets its own database there, created when missing",
    )
    database_prefix: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]{0,40}$",
        description="prefix of those database names; default '<project>_local_' "
        "(event_planner_local_auth, ...)",
    )
    redis_url: SecretStr | None = Field(
        default=None, description="Redis for sessions and caches (redis://host:port/db)"
    )
    redis_prefix: str | None = Field(
        default=None,
        description="key prefix in Redis; each service appends '<service>:'; "
        "default '<project>:local:'",
    )


class Settings(BaseSettings):
    """Installation settings. Every key can sit in eventctl.toml or an EVENTCTL_ variable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    project: str = Field(default="event-planner", description="prefix of every resource name")
    region: str = Field(default="eu-west-1", description="AWS region")
    domain: str = Field(default="sankofagrid.com", description="public DNS domain")
    account_id: str | None = Field(
        default=None, description="AWS account id; looked up through STS when needed"
    )
    state_locking: Literal["dynamodb", "lockfile"] = Field(
        default="dynamodb",
        description="Terraform state locking: the DynamoDB lock table, or S3 lock files",
    )
    alert_email: str | None = Field(
        default=None, description="e-mail address subscribed to the alerts topic"
    )
    github_repository: str | None = Field(
        default=None,
        description="GitHub repository (owner/name) whose workflows assume the CI roles",
    )
    environments: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per-environment overrides of the built-in profiles"
    )
    local: LocalSettings = Field(
        default_factory=LocalSettings,
        description="data stores of the local environment's services (default: SQLite)",
    )


@dataclass(frozen=True)
class Origin:
    """Where settings came from, so an error can point at the file line or the variable."""

    file: Path | None = None
    text: str = ""
    environ_keys: frozenset[str] = field(default_factory=frozenset)

    def locate(self, dotted_key: str) -> str:
        """'eventctl.toml:12 (environments.prod.desired_count)' or the variable's name."""
        variable = ENV_PREFIX + dotted_key.upper().replace(".", "__")
        if variable in self.environ_keys:
            return variable
        line = _find_line(self.text, dotted_key) if self.file else None
        if self.file and line:
            return f"{self.file}:{line} ({dotted_key})"
        if self.file:
            return f"{self.file} ({dotted_key})"
        return dotted_key


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    origin: Origin

    def platform(self) -> Platform:
        """The platform model with these settings applied."""
        s = self.settings
        try:
            return build_platform(
                project=s.project,
                domain=s.domain,
                region=s.region,
                account_id=s.account_id,
                alert_email=s.alert_email,
                github_repository=s.github_repository,
                overrides=s.environments,
            )
        except InvalidSetting as exc:
            raise ConfigError(
                f"{self.origin.locate(exc.key)}: {exc.message}",
                hint=_hint_for(self.origin),
            ) from None


def load_settings(
    config_path: Path | None,
    environ: Mapping[str, str],
    flags: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """Read eventctl.toml (`config_path`, else ./eventctl.toml if present), then `environ`.

    `flags` (None values ignored) override both. Raises ConfigError on a missing explicit
    file, malformed TOML, an unknown key or a value of the wrong type.
    """
    path = config_path or (Path(CONFIG_FILE) if Path(CONFIG_FILE).is_file() else None)
    text, data = _read_toml(path, explicit=config_path is not None)
    origin = Origin(
        file=path,
        text=text,
        environ_keys=frozenset(k for k in environ if k.startswith(ENV_PREFIX)),
    )
    init = {key: value for key, value in (flags or {}).items() if value is not None}
    try:
        settings = _settings_class(data, environ)(**init)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(map(str, error["loc"]))
        message = str(error["msg"])
        if error["type"] == "extra_forbidden":
            message = f"unknown key (known: {', '.join(Settings.model_fields)})"
        raise ConfigError(f"{origin.locate(key)}: {message}", hint=_hint_for(origin)) from None
    return LoadedSettings(settings=settings, origin=origin)


def _settings_class(data: dict[str, Any], environ: Mapping[str, str]) -> type[Settings]:
    """Settings whose sources are: flags, the given environ, the TOML data (in that order)."""

    class _Configured(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                _EnvironSource(settings_cls, environ),
                _DictSource(settings_cls, data),
            )

    return _Configured


class _DictSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


class _EnvironSource(PydanticBaseSettingsSource):
    """EVENTCTL_* variables from an explicit mapping; `__` nests (A__B=1 -> {a: {b: 1}})."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in self.environ.items():
            if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}DEBUG":
                continue
            parts = name.removeprefix(ENV_PREFIX).lower().split("__")
            target = result
            for part in parts[:-1]:
                target = target.setdefault(part, {})
            target[parts[-1]] = value
        return result


def _read_toml(path: Path | None, *, explicit: bool) -> tuple[str, dict[str, Any]]:
    if path is None:
        return "", {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist",
            hint="check the --config path, or drop --config to use ./eventctl.toml",
        ) from None
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: malformed TOML: {exc}",
            hint="fix the line shown; see docs/configuration.md for the format",
        ) from None


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> ConfigError:
    """TOML is UTF-8: say where the first other byte is, and how to convert the file."""
    raw = bytes(exc.object)
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    return ConfigError(
        f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column})",
        hint=f"TOML files are UTF-8: save {path.name} as UTF-8 (from Latin-1: "
        f"iconv -f latin1 -t utf-8 {path.name} > {path.name}.new, then rename it)",
    )


def _find_line(text: str, dotted_key: str) -> int | None:
    """The line where `dotted_key` is set in TOML `text`, as well as a plain scan can tell."""
    parts = dotted_key.split(".")
    section: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line)
        if header:
            section = [p.strip().strip('"') for p in header.group(1).split(".")]
            if section == parts:
                return number
            continue
        match = re.match(r"([A-Za-z0-9_.\"-]+)\s*=", line)
        if match:
            key = [p.strip().strip('"') for p in match.group(1).split(".")]
            full = section + key
            if full == parts or (full and parts[: len(full)] == full):
                return number
    return None


def _hint_for(origin: Origin) -> str:
    if origin.file:
        return f"fix the value in {origin.file} (see docs/configuration.md)"
    return "see docs/configuration.md for the settings and their types"
