"""Model fields the Terraform needs: validated like the rest of the model."""

from __future__ import annotations

import pytest

from platform_model import InvalidSetting, build_platform


def test_profiles_differ_where_the_seed_says() -> None:
    platform = build_platform()
    dev, prod = platform.environment("dev"), platform.environment("prod")
    assert (dev.assets_versioning, prod.assets_versioning) == (False, True)
    assert (dev.alb_deletion_protection, prod.alb_deletion_protection) == (False, True)
    assert (dev.secret_recovery_days, prod.secret_recovery_days) == (0, 30)
    assert platform.ecr_keep_images == 30
    assert platform.frontend_prefix == "event-planner/browser"
    assert platform.alert_email is None


def test_alert_email_is_checked() -> None:
    assert build_platform(alert_email="ops@example.org").alert_email == "ops@example.org"
    with pytest.raises(InvalidSetting) as error:
        build_platform(alert_email="not-an-address")
    assert error.value.key == "alert_email"


@pytest.mark.parametrize("days", [1, 6, 31])
def test_secret_recovery_window_is_0_or_7_to_30(days: int) -> None:
    with pytest.raises(InvalidSetting) as error:
        build_platform(overrides={"prod": {"secret_recovery_days": days}})
    assert error.value.key == "environments.prod.secret_recovery_days"
    assert "0 or 7 to 30" in error.value.message


def test_secret_recovery_window_accepts_its_range() -> None:
    for days in (0, 7, 30):
        platform = build_platform(overrides={"dev": {"secret_recovery_days": days}})
        assert platform.environment("dev").secret_recovery_days == days


def test_names_for_the_terraform() -> None:
    platform = build_platform()
    names = platform.names("prod")
    auth = platform.service("auth")
    assert names.load_balancer == "event-planner-prod-alb"
    assert names.target_group(auth) == "event-planner-prod-auth"
    assert names.task_role(auth) == "event-planner-prod-auth-task"
    assert names.execution_role == "event-planner-prod-ecs-execution"
    assert names.flow_log_group == "/aws/vpc/flowlogs/event-planner-prod"
    assert names.rds_instance(platform.databases[0]) == "event-planner-prod-auth-db"
    assert names.docdb_cluster == "event-planner-prod-docdb"
    assert names.redis_group == "event-planner-prod-redis"
    assert names.redis_nodes(2) == ["event-planner-prod-redis-001", "event-planner-prod-redis-002"]
    assert names.secret("jwt-signing-key") == "event-planner/prod/jwt-signing-key"
    assert names.uploads_prefix(auth) == "uploads/auth/"
    assert names.alarm("alb-5xx", "alb") == "event-planner-prod-alb-5xx-alb"
