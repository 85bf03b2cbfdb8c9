"""A local run derived from the model: the same resources as the Terraform, documented
variables for the services, ports from the model with overrides."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eventctl.config import load_settings
from eventctl.core.local.files import RuntimePaths
from eventctl.core.local.spec import (
    EMULATOR,
    GATEWAY,
    DataStores,
    SpecInputs,
    build_spec,
    database_name,
    provision_plan,
)
from eventctl.core.tfvars import terraform_variables
from eventctl.errors import ConfigError
from eventctl.paths import templates_dir
from platform_model import InvalidSetting, build_platform
from services.auth.settings import AuthSettings
from services.event.settings import EventSettings
from services.kit.settings import ServiceSettings

PLATFORM = build_platform()
SETTINGS: dict[str, type[ServiceSettings]] = {"auth": AuthSettings, "event": EventSettings}


def local_names(value: Any) -> Any:
    """A Terraform variable of dev with every name moved to the local environment."""
    return json.loads(json.dumps(value).replace("-dev-", "-local-").replace("/dev/", "/local/"))


def spec_for(tmp_path: Path, **changes: Any) -> Any:
    ports = PLATFORM.environment("local").local.ports(PLATFORM.services)  # type: ignore[union-attr]
    inputs = SpecInputs(
        env="local",
        paths=RuntimePaths(tmp_path),
        services=("auth", "event"),
        ports=ports,
        python="/venv/bin/python",
        environ={"PATH": "/bin", "HOME": "/root", "LC_ALL": "C", "AWS_SECRET_ACCESS_KEY": "real"},
        **changes,
    )
    return build_spec(PLATFORM, inputs)


def test_the_emulator_gets_the_queues_topics_and_log_groups_the_terraform_declares() -> None:
    dev = terraform_variables(PLATFORM, "dev")
    plan = provision_plan(PLATFORM, "local")
    assert [q.model_dump(exclude={"dead_letter_retention_seconds"}) for q in plan.queues] == [
        {k: v for k, v in q.items()} for q in local_names(list(dev["queues"].values()))
    ]
    declared_topics = local_names(dev["topics"])
    assert [(t.name, t.subscribed_queues) for t in plan.topics] == [
        (t["name"], tuple(f"event-planner-local-{q}" for q in t["subscribed_queues"]))
        for t in declared_topics.values()
    ]
    assert list(plan.log_groups) == [
        s["log_group"] for s in local_names(list(dev["services"].values()))
    ]
    assert plan.assets_bucket == local_names(dev["frontend"]["bucket"])
    assert list(plan.secrets) == [local_names(dev["secrets"]["jwt_signing_key"])]
    assert plan.email_domain == PLATFORM.domain


def test_subscriptions_and_dead_letter_queues_are_set_up_as_in_the_terraform() -> None:
    messaging = (templates_dir() / "terraform/modules/messaging/main.tf").read_text()
    raw = re.search(r"raw_message_delivery = (true|false)", messaging)
    retention = re.search(
        r'resource "aws_sqs_queue" "dead_letter".*?message_retention_seconds\s+= (\d+)',
        messaging,
        re.DOTALL,
    )
    assert raw and retention
    plan = provision_plan(PLATFORM, "local")
    assert plan.raw_message_delivery is (raw.group(1) == "true")
    assert {q.dead_letter_retention_seconds for q in plan.queues} == {int(retention.group(1))}


def test_children_keep_only_path_home_and_locale_from_the_caller(tmp_path: Path) -> None:
    spec = spec_for(tmp_path)
    for component in spec.components:
        assert component.environ["PATH"] == "/bin" and component.environ["LC_ALL"] == "C"
    auth = spec.component("auth")
    # never the caller's credentials: the emulator's dummy ones
    assert auth.environ["AWS_SECRET_ACCESS_KEY"] == "local"
    assert spec.component(EMULATOR).environ.get("AWS_SECRET_ACCESS_KEY") is None


def test_every_service_variable_is_a_documented_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No variable is silently ignored: each names a field of the service's settings."""
    spec = spec_for(tmp_path, stores=DataStores(redis_url="redis://127.0.0.1:6379/0"))
    process_level = {"HOST", "PORT", "PYTHONUNBUFFERED", "PATH", "HOME", "LC_ALL"}
    boto = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
    boto.add("AWS_EC2_METADATA_DISABLED")
    for name, settings in SETTINGS.items():
        environ = spec.component(name).environ
        unknown = {
            key
            for key in environ
            if key.lower() not in settings.model_fields and key not in process_level | boto
        }
        assert unknown == set(), name
        with monkeypatch.context() as patch:
            for key, value in environ.items():
                patch.setenv(key, value)
            parsed = settings()  # read from the environment, as the process will
        platform = parsed.platform()
        assert parsed.service_url(platform, "event") == spec.component("event").url
        assert parsed.jwks_url(platform) == (
            f"{spec.component('auth').url}/api/auth/.well-known/jwks.json"
        )
        assert parsed.allowed_origins(platform)[0] == spec.gateway_url
        assert parsed.resolved_redis_prefix(platform) == f"event-planner:local:{name}:"
        assert parsed.trusted_proxy_hops == 1


def test_ports_come_from_the_model_and_overrides(tmp_path: Path) -> None:
    spec = spec_for(tmp_path)
    assert {c.name: c.port for c in spec.components} == {
        EMULATOR: 5005,
        "auth": 8081,
        "event": 8082,
        GATEWAY: 8080,
    }
    assert spec.component(EMULATOR).argv[-4:] == ("-H", "127.0.0.1", "-p", "5005")
    assert spec.component("auth").argv == ("/venv/bin/python", "-m", "services.auth")
    assert spec.component("auth").environ["HOST"] == "127.0.0.1"


def test_database_names_are_per_service_with_a_prefix() -> None:
    auth, event = PLATFORM.service("auth"), PLATFORM.service("event")
    assert database_name(PLATFORM, DataStores(), auth) == "event_planner_local_auth"
    assert database_name(PLATFORM, DataStores(database_prefix="t1_"), event) == "t1_events"
    notification = PLATFORM.service("notification")
    assert database_name(PLATFORM, DataStores(), notification) == (
        "event_planner_local_notifications"
    )
    without = notification.model_copy(update={"database": None})
    assert database_name(PLATFORM, DataStores(), without) is None


def test_local_port_overrides_are_checked() -> None:
    moved = build_platform(overrides={"local": {"local": {"service_ports": {"auth": 18081}}}})
    ports = moved.environment("local").local.ports(moved.services)  # type: ignore[union-attr]
    assert ports["auth"] == 18081 and ports["event"] == 8082
    with pytest.raises(InvalidSetting, match=r"service_ports\.nope: unknown service"):
        build_platform(overrides={"local": {"local": {"service_ports": {"nope": 18081}}}})
    with pytest.raises(InvalidSetting, match="port 8082 is given to both event and gateway"):
        build_platform(overrides={"local": {"local": {"gateway_port": 8082}}})
    with pytest.raises(InvalidSetting, match="less than or equal to 65535"):
        build_platform(overrides={"local": {"local": {"service_ports": {"auth": 70000}}}})


def test_local_data_store_settings(tmp_path: Path) -> None:
    loaded = load_settings(
        None,
        {
            "EVENTCTL_LOCAL__POSTGRES_URL": "postgresql://app:pw@db:5432",
            "EVENTCTL_LOCAL__REDIS_URL": "redis://cache:6379/2",
        },
    )
    local = loaded.settings.local
    assert local.postgres_url is not None
    assert local.postgres_url.get_secret_value() == "postgresql://app:pw@db:5432"
    assert "pw" not in repr(local)
    with pytest.raises(ConfigError, match="EVENTCTL_LOCAL__DATABASE_PREFIX"):
        load_settings(None, {"EVENTCTL_LOCAL__DATABASE_PREFIX": "Bad-Prefix"})
    config = tmp_path / "eventctl.toml"
    config.write_text('[local]\nredis_prefix = "mine:"\n')
    assert load_settings(config, {}).settings.local.redis_prefix == "mine:"
