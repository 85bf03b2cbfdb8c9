"""The platform model: the seed's facts, and one failing case for every validation rule."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from eventctl.errors import UnknownNameError
from platform_model import build_platform, catalog, environments
from platform_model.model import (
    Autoscaling,
    AwsProfile,
    Database,
    LocalProfile,
    Network,
    Platform,
    Queue,
    RdsProfile,
    RedisProfile,
    Service,
    Topic,
)


def platform_with(**changes: Any) -> Platform:
    """The built-in platform with some top-level entries replaced."""
    base: dict[str, Any] = {
        "services": catalog.SERVICES,
        "queues": catalog.QUEUES,
        "topics": catalog.TOPICS,
        "databases": catalog.DATABASES,
        "alarms": catalog.ALARMS,
        "environments": {p.name: p for p in environments.PROFILES},
    }
    return Platform(**(base | changes))


def replace_service(name: str, **changes: Any) -> tuple[Service, ...]:
    return tuple(s.model_copy(update=changes) if s.name == name else s for s in catalog.SERVICES)


def service(**changes: Any) -> Service:
    fields: dict[str, Any] = {
        "name": "extra",
        "title": "Extra",
        "port": 8090,
        "path_prefix": "/api/extra",
        "image_name": "extra-svc",
        "permissions": ("sqs",),
    }
    return Service(**(fields | changes))


def expect_error(match: str, build: Any) -> None:
    with pytest.raises(ValidationError, match=match):
        build()


# -- the seed's facts ----------------------------------------------------------------------


def test_seed_services_ports_paths_and_sizes() -> None:
    platform = build_platform()
    seen = {s.name: (s.port, s.path_pattern, s.cpu, s.memory) for s in platform.services}
    assert seen == {
        "auth": (8081, "/api/auth/*", 256, 512),
        "event": (8082, "/api/events/*", 256, 512),
        "booking": (8083, "/api/bookings/*", 256, 512),
        "payment": (8084, "/api/payments/*", 256, 512),
        "notification": (8085, "/api/notifications/*", 256, 512),
    }


def test_seed_task_role_permissions() -> None:
    platform = build_platform()
    grants = {s.name: set(s.permissions) for s in platform.services}
    assert grants == {
        "auth": {"ses", "s3", "sqs"},
        "event": {"sns", "s3", "sqs"},
        "booking": {"sns", "sqs"},
        "payment": {"sns", "sqs"},
        "notification": {"ses", "sns", "sqs"},
    }


def test_seed_messaging_and_data() -> None:
    platform = build_platform()
    assert [q.name for q in platform.queues] == [
        "user-registration", "user-login", "event-created", "event-updated",
        "booking-created", "booking-cancelled", "payment-processed", "email-notifications",
    ]  # fmt: skip
    assert [t.name for t in platform.topics] == [
        "event-created", "booking-confirmed", "payment-processed", "notification-trigger",
    ]  # fmt: skip
    # the seed's four, and the notification service's inbox and history
    assert [d.name for d in platform.databases] == ["auth-db", "event-db", "booking-db",
                                                    "payment-db", "notification-db"]  # fmt: skip
    assert {s.name: s.database for s in platform.services} == {
        "auth": "auth-db", "event": "event-db", "booking": "booking-db",
        "payment": "payment-db", "notification": "notification-db",
    }  # fmt: skip
    assert platform.document_store.port == 27017 and platform.document_store.tls_required
    assert platform.cache.port == 6379


def test_seed_names_for_dev() -> None:
    platform = build_platform()
    names = platform.names("dev")
    auth = platform.service("auth")
    notification = platform.service("notification")
    assert names.cluster == "event-planner-dev-cluster"
    assert names.assets_bucket == "event-planner-dev-assets"
    assert names.ecr_repository(auth) == "event-planner-dev-auth-svc"
    assert names.ecr_repository(notification) == "event-planner-dev-notif-svc"
    assert names.log_group(auth) == "/ecs/event-planner/dev/auth-service"
    assert names.cloud_map_host(auth) == "auth-service.eventplanner.local"
    assert names.dashboard == "event-planner-dev-dashboard"
    assert names.alerts_topic == "event-planner-dev-alerts"
    assert names.lock_table == "event-planner-terraform-locks"
    assert names.state_key == "dev/terraform.tfstate"
    assert (
        names.state_bucket("904570587823") == "event-planner-terraform-state-eu-west-1-904570587823"
    )


def test_prod_profile_is_the_seed_ha_section() -> None:
    prod = build_platform().environment("prod")
    assert prod.network is not None and prod.rds and prod.docdb and prod.redis
    assert prod.network.availability_zones == 2 and prod.network.nat_gateways == 2
    assert prod.rds.multi_az and prod.rds.backup_retention_days == 7
    assert (prod.rds.allocated_storage_gb, prod.rds.max_allocated_storage_gb) == (100, 1000)
    assert prod.docdb.instances == 3 and prod.docdb.backup_retention_days == 7
    assert prod.redis.automatic_failover and prod.redis.nodes >= 2
    assert prod.autoscaling == Autoscaling(min_tasks=2, max_tasks=10)
    assert prod.manual_approval


def test_dev_profile_is_the_seed_dev_column() -> None:
    dev = build_platform().environment("dev")
    assert dev.network is not None and dev.rds and dev.docdb and dev.redis
    assert dev.network.nat_gateways == 1 and not dev.rds.multi_az
    assert dev.rds.instance_class == "db.t3.medium" and dev.rds.allocated_storage_gb == 20
    assert dev.docdb.instances == 1 and dev.docdb.instance_class == "db.t3.medium"
    assert dev.redis.node_type == "cache.t3.micro" and not dev.redis.automatic_failover
    assert dev.autoscaling is None and not dev.manual_approval


def test_lookups_accept_short_and_full_names_and_list_known_ones() -> None:
    platform = build_platform()
    assert platform.service("auth-service") is platform.service("auth")
    with pytest.raises(UnknownNameError) as caught:
        platform.service("billing")
    assert "auth, event, booking, payment, notification" in str(caught.value)
    with pytest.raises(UnknownNameError, match="local, dev, prod"):
        platform.environment("staging")


# -- field rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": "Auth"}, "lower-case letters"),
        ({"port": 80}, "greater than or equal to 1024"),
        ({"path_prefix": "/auth"}, "must look like '/api/<word>'"),
        ({"image_name": "x_"}, "lower-case letters"),
    ],
)
def test_service_field_rules(changes: dict[str, Any], match: str) -> None:
    expect_error(match, lambda: service(**changes))


def test_database_name_must_be_a_postgres_identifier() -> None:
    expect_error("not a PostgreSQL identifier", lambda: Database(name="x-db", db_name="x-db"))


def test_autoscaling_bounds_ordered() -> None:
    expect_error(r"max_tasks \(1\) < min_tasks \(2\)",
                 lambda: Autoscaling(min_tasks=2, max_tasks=1))  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"vpc_cidr": "10.0.0.0/33"}, "not a valid CIDR block"),
        ({"public_subnets": ("10.0.1.0/24",)}, "public_subnets has 1 entries"),
        ({"app_subnets": ("10.0.11.0/24", "10.1.0.0/24")}, "outside the VPC"),
        ({"data_subnets": ("10.0.1.0/24", "10.0.22.0/24")}, "overlaps 10.0.1.0/24"),
        ({"nat_gateways": 3}, r"nat_gateways \(3\) exceeds availability_zones \(2\)"),
    ],
)
def test_network_rules(changes: dict[str, Any], match: str) -> None:
    expect_error(match, lambda: Network(**changes))


def test_rds_storage_ceiling_above_allocation() -> None:
    expect_error(
        r"max_allocated_storage_gb \(50\) < allocated_storage_gb \(100\)",
        lambda: RdsProfile(allocated_storage_gb=100, max_allocated_storage_gb=50),
    )


def test_redis_failover_needs_a_replica() -> None:
    expect_error("automatic_failover needs nodes >= 2",
                 lambda: RedisProfile(nodes=1, automatic_failover=True))  # fmt: skip


def test_aws_environment_needs_its_parts() -> None:
    expect_error(
        "an AWS environment needs network, rds, docdb, redis",
        lambda: AwsProfile(name="qa", description="q", kind="aws"),
    )


def test_local_environment_needs_runtime_settings() -> None:
    expect_error(
        "a local environment needs its 'local' runtime settings",
        lambda: LocalProfile(name="lab", description="l", kind="local"),
    )


def test_production_needs_tasks() -> None:
    fields = environments.PROD.model_dump() | {"desired_count": 0, "autoscaling": None}
    expect_error("production environment needs at least 1 task",
                 lambda: AwsProfile.model_validate(fields))  # fmt: skip


def test_desired_count_within_autoscaling_bounds() -> None:
    fields = environments.PROD.model_dump() | {"desired_count": 11}
    expect_error("2-10 tasks does not include desired_count 11",
                 lambda: AwsProfile.model_validate(fields))  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"domain": "not a domain"}, "not a DNS domain name"),
        ({"region": "moon-base"}, "not an AWS region name"),
        ({"account_id": "1234"}, "not a 12-digit AWS account id"),
        ({"alert_email": "ops.example.com"}, "is not an e-mail address"),
        ({"frontend_prefix": "/app"}, "must be a relative S3 key prefix"),
        ({"frontend_prefix": "app/"}, "must be a relative S3 key prefix"),
    ],
)
def test_platform_setting_rules(changes: dict[str, Any], match: str) -> None:
    expect_error(match, lambda: platform_with(**changes))


# -- cross-entry rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"services": (*catalog.SERVICES, service(name="auth"))}, "duplicate service name: 'auth'"),
        ({"services": (*catalog.SERVICES, service(port=8081))}, "duplicate service port: 8081"),
        (
            {"services": (*catalog.SERVICES, service(path_prefix="/api/events"))},
            "duplicate service path prefix: '/api/events'",
        ),
        (
            {"services": (*catalog.SERVICES, service(image_name="notif-svc"))},
            "duplicate service image name: 'notif-svc'",
        ),
        (
            {
                "queues": (
                    *catalog.QUEUES,
                    Queue(name="user-login", purpose="again", unconsumed_reason="x"),
                )
            },
            "duplicate queue name: 'user-login'",
        ),
        (
            {"topics": (*catalog.TOPICS, Topic(name="event-created", purpose="again"))},
            "duplicate topic name: 'event-created'",
        ),
        (
            {"databases": (*catalog.DATABASES, Database(name="auth-db", db_name="auth2"))},
            "duplicate database name: 'auth-db'",
        ),
        (
            {"services": replace_service("event", database="auth-db")},
            "duplicate database: 'auth-db' is used more than once",
        ),
        (
            {"services": replace_service("payment", database="ledger-db")},
            "service 'payment': unknown database 'ledger-db'",
        ),
    ],
)
def test_uniqueness_and_references(changes: dict[str, Any], match: str) -> None:
    expect_error(match, lambda: platform_with(**changes))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        (
            {
                "topics": (
                    *catalog.TOPICS,
                    Topic(name="audit", purpose="a", subscribed_queues=("audit-q",)),
                )
            },
            "topic 'audit': subscription to unknown queue 'audit-q'",
        ),
        (
            {"services": replace_service("auth", publishes_queues=("user-logout",))},
            "service 'auth': publishes to unknown queue 'user-logout'",
        ),
        (
            {"services": replace_service("event", publishes_topics=("event-deleted",))},
            "service 'event': publishes to unknown topic 'event-deleted'",
        ),
        (
            {"services": replace_service("booking", consumes=("refunds",))},
            "service 'booking': consumes unknown queue 'refunds'",
        ),
        (
            {"services": replace_service("booking", consumes=("event-updated", "booking-created"))},
            "queue 'booking-created': consumed by booking and notification",
        ),
        (
            {"services": replace_service("booking", consumes=())},
            "queue 'event-updated': no service consumes it",
        ),
        (
            {"services": replace_service("booking", consumes=("event-updated", "user-login"))},
            "queue 'user-login': consumed by booking but also has an unconsumed_reason",
        ),
    ],
)
def test_messaging_rules(changes: dict[str, Any], match: str) -> None:
    expect_error(match, lambda: platform_with(**changes))


def test_queue_use_needs_sqs_permission() -> None:
    expect_error(
        "service 'auth': uses SQS but its task role permissions are ses, s3",
        lambda: platform_with(services=replace_service("auth", permissions=("ses", "s3"))),
    )


def test_topic_publishing_needs_sns_permission() -> None:
    expect_error(
        "service 'payment': uses SNS but its task role permissions are sqs",
        lambda: platform_with(services=replace_service("payment", permissions=("sqs",))),
    )


def test_environment_key_matches_profile_name() -> None:
    envs = {"dev": environments.DEV, "staging": environments.PROD}
    expect_error("environment 'staging': its profile is named 'prod'",
                 lambda: platform_with(environments=envs))  # fmt: skip


def test_size_override_must_name_a_service() -> None:
    odd = environments.DEV.model_copy(update={"services": {"billing": {"cpu": 512}}})
    expect_error(
        "environment 'dev': size override for unknown service 'billing'",
        lambda: platform_with(environments={"dev": odd}),
    )


def test_internal_calls_and_the_token_issuer() -> None:
    platform = build_platform()
    assert {s.name: s.calls for s in platform.services if s.calls} == {
        "booking": ("event", "payment")
    }
    assert [c.name for c in platform.callers_of(platform.service("payment"))] == ["booking"]
    assert platform.token_issuer.name == "auth"
    assert platform.service("booking").credentials_secret == "booking-service-credentials"
    assert platform.names("dev").secret("booking-service-credentials") == (
        "event-planner/dev/booking-service-credentials"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"booking": {"calls": ("booking",)}}, "service 'booking': calls 'booking'"),
        ({"booking": {"calls": ("billing",)}}, "calls 'billing', which is not another service"),
        ({"event": {"issues_tokens": True}}, "found auth, event"),
        ({"auth": {"issues_tokens": False}}, "found none"),
    ],
)
def test_calls_and_token_issuer_are_validated(
    change: dict[str, dict[str, object]], message: str
) -> None:
    platform = build_platform()
    services = tuple(s.model_copy(update=change.get(s.name, {})) for s in platform.services)
    fields = {**platform.model_dump(), "services": [s.model_dump() for s in services]}
    with pytest.raises(ValueError, match=re.escape(message)):
        Platform.model_validate(fields)


def test_profiles_are_a_union_told_apart_by_kind() -> None:
    platform = build_platform()
    local, dev = platform.environment("local"), platform.environment("dev")
    assert isinstance(local, LocalProfile) and isinstance(dev, AwsProfile)
    assert local.local.gateway_port and dev.local is None
    assert not hasattr(local, "rds")
    with_rds = environments.LOCAL.model_dump() | {"rds": {}}
    expect_error("Extra inputs are not permitted", lambda: LocalProfile.model_validate(with_rds))
    moved = environments.DEV.model_dump() | {"kind": "local"}
    expect_error("Input should be 'aws'", lambda: AwsProfile.model_validate(moved))
