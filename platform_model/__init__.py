"""The platform model: build it once, derive everything from it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from platform_model.catalog import ALARMS, DATABASES, QUEUES, SECRETS, SERVICES, TOPICS
from platform_model.environments import PROFILES
from platform_model.errors import ModelError
from platform_model.model import (
    AwsProfile,
    EnvironmentProfile,
    LocalProfile,
    LocalRuntime,
    Platform,
    Service,
)
from platform_model.names import Names

__all__ = [
    "AwsProfile",
    "EnvironmentProfile",
    "InvalidSetting",
    "LocalProfile",
    "Names",
    "Platform",
    "Service",
    "build_platform",
]

USER_SETTINGS = (
    "project",
    "domain",
    "region",
    "account_id",
    "alert_email",
    "github_repository",
)


class InvalidSetting(ValueError):
    """A user-supplied setting (dotted `key`) was refused by the model."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def build_platform(
    *,
    project: str = "event-planner",
    domain: str = "sankofagrid.com",
    region: str = "eu-west-1",
    account_id: str | None = None,
    alert_email: str | None = None,
    github_repository: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Platform:
    """The platform with per-environment `overrides` merged into the built-in profiles.

    Raises InvalidSetting (naming the dotted key) for a bad user value, and ModelError when
    the built-in catalog itself is inconsistent.
    """
    overrides = overrides or {}
    known = [profile.name for profile in PROFILES]
    for name in overrides:
        if name not in known:
            raise InvalidSetting(
                f"environments.{name}", f"unknown environment (known: {', '.join(known)})"
            )
    environments = {
        profile.name: _apply(profile, overrides.get(profile.name, {})) for profile in PROFILES
    }
    try:
        return Platform(
            project=project,
            domain=domain,
            region=region,
            account_id=account_id,
            alert_email=alert_email,
            github_repository=github_repository,
            services=SERVICES,
            queues=QUEUES,
            topics=TOPICS,
            databases=DATABASES,
            alarms=ALARMS,
            secrets=SECRETS,
            environments=environments,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        if loc and loc[0] in USER_SETTINGS:
            raise InvalidSetting(str(loc[0]), _message(error)) from None
        raise ModelError(f"the platform model is inconsistent: {_message(error)}") from None


def _apply(profile: EnvironmentProfile, override: Mapping[str, Any]) -> EnvironmentProfile:
    if not override:
        return profile
    services = {s.name for s in SERVICES}
    for name in override.get("services", {}) or {}:
        if name not in services:
            raise InvalidSetting(
                f"environments.{profile.name}.services.{name}",
                f"unknown service (known: {', '.join(sorted(services))})",
            )
    merged = _deep_merge(profile.model_dump(), override)
    try:
        result = type(profile).model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(["environments", profile.name, *map(str, error["loc"])])
        raise InvalidSetting(key, _message(error)) from None
    if isinstance(result, LocalProfile):
        _check_local_ports(profile.name, result.local)
    return result


def _check_local_ports(env: str, local: LocalRuntime) -> None:
    """Port overrides name known services, and no two local components share a port."""
    services = {s.name for s in SERVICES}
    for name in local.service_ports:
        if name not in services:
            raise InvalidSetting(
                f"environments.{env}.local.service_ports.{name}",
                f"unknown service (known: {', '.join(sorted(services))})",
            )
    seen: dict[int, str] = {}
    for component, port in local.ports(SERVICES).items():
        if port in seen:
            raise InvalidSetting(
                f"environments.{env}.local",
                f"port {port} is given to both {seen[port]} and {component}",
            )
        seen[port] = component


def _message(error: Any) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _deep_merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in update.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            result[key] = _deep_merge(current, value)
        else:
            result[key] = value
    return result
