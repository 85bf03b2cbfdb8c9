"""`eventctl env render` through the CLI: output, refusals, bad settings, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def test_render_writes_the_default_directory_and_lists_the_files(run_cli: Any) -> None:
    result = run_cli("env", "render", "dev")
    assert result.exit_code == 0, result.stderr
    root = Path(".eventctl/dev/terraform")
    listed = result.stdout.splitlines()
    assert "main.tf" in listed and "terraform.tfvars.json" in listed
    assert "modules/ecs/main.tf" in listed
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == listed
    assert "rendered dev into .eventctl/dev/terraform" in result.stderr
    assert f"{len(listed)} files" in result.stderr


def test_render_json_and_out(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("env", "render", "prod", "--out", "build/prod", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["environment"] == "prod"
    assert report["root"] == "build/prod"
    assert "versions.tf" in report["files"]
    assert isinstance(report["formatted"], bool)
    tfvars = json.loads((tmp_path / "build/prod/terraform.tfvars.json").read_text())
    assert tfvars["environment"] == "prod"


def test_settings_reach_the_rendered_variables(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "eventctl.toml").write_text(
        'domain = "example.org"\nalert_email = "ops@example.org"\n\n'
        "[environments.prod]\ndesired_count = 3\n"
    )
    result = run_cli("--region", "eu-central-1", "env", "render", "prod", "--json")
    assert result.exit_code == 0, result.stderr
    tfvars = json.loads((tmp_path / ".eventctl/prod/terraform/terraform.tfvars.json").read_text())
    assert tfvars["region"] == "eu-central-1"
    assert tfvars["dns"]["zone"] == "example.org"
    assert tfvars["desired_count"] == 3
    assert tfvars["observability"]["alert_email"] == "ops@example.org"


def test_local_is_refused(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("env", "render", "local")
    assert result.exit_code == 1
    assert "error: environment 'local' runs on this machine without Terraform" in result.stderr
    assert "hint: start it with `eventctl env up local`" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / ".eventctl").exists()


def test_unknown_environment_is_refused(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("env", "render", "staging")
    assert result.exit_code == 1
    assert "unknown environment 'staging'" in result.stderr
    assert "known environments: local, dev, prod" in result.stderr
    assert not (tmp_path / ".eventctl").exists()


def test_a_cidr_that_does_not_parse_names_the_key_and_writes_nothing(
    run_cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "eventctl.toml").write_text(
        '[environments.dev.network]\nvpc_cidr = "10.0.0.0/33"\n'
    )
    result = run_cli("env", "render", "dev")
    assert result.exit_code == 1
    assert "eventctl.toml:2 (environments.dev.network.vpc_cidr)" in result.stderr
    assert "not a valid CIDR block" in result.stderr
    assert not (tmp_path / ".eventctl").exists()


def test_zero_tasks_in_prod_names_the_key_and_writes_nothing(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("untouched")
    (tmp_path / "eventctl.toml").write_text("[environments.prod]\ndesired_count = 0\n")
    result = run_cli("env", "render", "prod", "--out", "out")
    assert result.exit_code == 1
    assert "environments.prod.desired_count" in result.stderr
    assert "at least 1 task" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_bad_variable_is_named(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli(
        "env", "render", "dev", env={"EVENTCTL_ENVIRONMENTS__DEV__NETWORK__NAT_GATEWAYS": "5"}
    )
    assert result.exit_code == 1
    assert "environments.dev.network: nat_gateways (5) exceeds availability_zones" in (
        result.stderr
    )
    assert not (tmp_path / ".eventctl").exists()


def test_help_has_an_example(run_cli: Any) -> None:
    result = run_cli("env", "render", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "eventctl env render dev --out" in result.stdout
    assert "--out" in result.stdout and "--json" in result.stdout


def test_cli_import_leaves_jinja_and_boto3_alone() -> None:
    code = (
        "import sys, eventctl.cli.main\n"
        "print(','.join(m for m in ('jinja2', 'boto3', 'botocore') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
