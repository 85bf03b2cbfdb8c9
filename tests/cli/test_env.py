"""`eventctl env list` and `eventctl env show`, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path


def test_list_shows_the_three_environments(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("env", "list")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:] if line and not line.startswith(" ")] == [
        "local", "dev", "prod",
    ]  # fmt: skip
    assert "2 NAT" in result.stdout and "1 NAT" in result.stdout


def test_list_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(run_cli("env", "list", "--json").stdout)
    assert [(row["name"], row["kind"]) for row in rows] == [
        ("local", "local"), ("dev", "aws"), ("prod", "aws"),
    ]  # fmt: skip


def test_show_prod_json_has_the_seed_ha_values(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("env", "show", "prod", "--json")
    assert result.exit_code == 0, result
    view = json.loads(result.stdout)
    assert view["network"]["nat_gateways"] == 2
    assert view["network"]["availability_zones"] == 2
    assert view["autoscaling"]["min_tasks"] == 2 and view["autoscaling"]["max_tasks"] == 10
    postgres = view["data_stores"]["postgres"]
    assert postgres["multi_az"] is True and postgres["backup_retention_days"] == 7
    assert postgres["allocated_storage_gb"] == 100
    assert postgres["max_allocated_storage_gb"] == 1000
    assert view["data_stores"]["documentdb"]["instances"] == 3
    assert view["data_stores"]["redis"]["automatic_failover"] is True
    assert view["manual_approval"] is True
    assert view["names"]["cluster"] == "event-planner-prod-cluster"
    assert [s["port"] for s in view["services"]] == [8081, 8082, 8083, 8084, 8085]
    assert len(view["queues"]) == 8 and len(view["topics"]) == 4
    assert view["hosts"] == {"web": "www.sankofagrid.com", "api": "api.sankofagrid.com"}


def test_show_dev_table(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("env", "show", "dev")
    assert result.exit_code == 0, result
    assert "event-planner-dev-cluster" in result.stdout
    assert "www.dev.sankofagrid.com" in result.stdout
    for name in ("auth", "event", "booking", "payment", "notification"):
        assert name in result.stdout


def test_show_local(run_cli) -> None:  # type: ignore[no-untyped-def]
    view = json.loads(run_cli("env", "show", "local", "--json").stdout)
    assert view["kind"] == "local" and view["local"]["gateway_port"] == 8080
    assert "names" not in view


def test_unknown_environment_lists_the_known_ones(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("env", "show", "nosuch")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: unknown environment 'nosuch'\nhint: known environments: local, dev, prod\n"
    )


def test_usage_error_exits_2(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("env", "show")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_settings_flow_into_the_view(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "eventctl.toml").write_text('domain = "example.org"\n[environments.prod]\n'
                                            "desired_count = 4\n")  # fmt: skip
    view = json.loads(run_cli("--region", "eu-west-2", "env", "show", "prod", "--json").stdout)
    assert view["region"] == "eu-west-2"
    assert view["desired_count"] == 4
    assert view["hosts"]["api"] == "api.example.org"


def test_bad_setting_changes_nothing_and_names_the_line(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path
) -> None:
    (tmp_path / "eventctl.toml").write_text("[environments.prod]\ndesired_count = 0\n")
    result = run_cli("env", "show", "prod")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "eventctl.toml:2 (environments.prod.desired_count)" in result.stderr
    assert "hint:" in result.stderr


def test_version(run_cli) -> None:  # type: ignore[no-untyped-def]
    from eventctl import __version__

    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"eventctl {__version__}\n"
