"""`eventctl status` end to end: exit codes, table and JSON, against moto (+ a stubbed ECS
where moto cannot run tasks)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from platform_model import build_platform
from tests.helpers.status import create_target_groups, deploy_to_moto, stubbed_ecs


def test_a_rollout_in_progress_exits_1(run_cli: Any, moto_server: Any) -> None:
    deploy_to_moto(moto_server, build_platform())

    result = run_cli("status", "--env", "dev", env=moto_server.environ)

    assert result.exit_code == 1, result
    assert "event-planner-dev-cluster" in result.stdout
    assert "auth: running 0 of 1 desired tasks" in result.stdout
    assert "dev: NOT healthy" in result.stdout


def test_json_reports_every_service(run_cli: Any, moto_server: Any) -> None:
    deploy_to_moto(moto_server, build_platform(), skip=("notification",))

    result = run_cli("status", "--json", env=moto_server.environ)

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["env"] == "dev" and report["healthy"] is False
    by_name = {s["service"]: s for s in report["services"]}
    assert list(by_name) == ["auth", "event", "booking", "payment", "notification"]
    assert by_name["notification"]["exists"] is False
    assert by_name["event"]["image_tag"] == "v7"
    assert by_name["event"]["rollout"] == "IN_PROGRESS"


def test_all_healthy_exits_0(run_cli: Any, moto_server: Any, monkeypatch: Any) -> None:
    """moto never runs tasks, so ECS answers come from a stub; ELBv2 and alarms are moto's."""
    from eventctl.adapters.aws import clients

    platform = build_platform()
    groups = create_target_groups(moto_server, platform)
    ecs_client, stubber = stubbed_ecs(
        platform, **{name: {"target_group_arns": (arn,)} for name, arn in groups.items()}
    )
    real_make_client = clients.make_client

    def make_client(service: str, target: Any) -> Any:
        return ecs_client if service == "ecs" else real_make_client(service, target)

    monkeypatch.setattr(clients, "make_client", make_client)
    with stubber:
        result = run_cli("status", "--env", "dev", env=moto_server.environ)

    assert result.exit_code == 0, result
    assert "no alarm in ALARM" in result.stdout
    assert "dev: healthy" in result.stdout
    assert "NOT ok" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "staging"], "unknown environment 'staging'"),
        (["--env", "local"], "the local environment runs on this machine"),
    ],
)
def test_bad_environments_fail_with_a_hint(
    run_cli: Any, moto_server: Any, args: list[str], message: str
) -> None:
    result = run_cli("status", *args, env=moto_server.environ)

    assert result.exit_code == 1
    assert message in result.stderr
    assert "hint:" in result.stderr


def test_no_cluster_is_an_error_not_a_report(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("status", env=moto_server.environ)

    assert result.exit_code == 1
    assert "ECS cluster event-planner-dev-cluster does not exist" in result.stderr
