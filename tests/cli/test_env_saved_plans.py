"""Saved plans in CI: `env plan --out --format markdown`, `env up --plan` refusing a plan of
another environment or a stale one, and no prompt when `CI` is set.

The real terraform binary against a moto server; only the root module is the builtin-only
TestRoot (tests/helpers/lifecycle.py).
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eventctl.cli.env import _root
from eventctl.core.signing_key import signing_key_secret
from platform_model import build_platform
from tests.helpers.lifecycle import TestRoot, aws_environ, state_document, state_versions

Run = Callable[..., Any]


class Lab:
    def __init__(self, run_cli: Run, moto: Any, root: TestRoot) -> None:
        self.run_cli = run_cli
        self.moto = moto
        self.root = root

    def run(self, *args: str, input: str | None = None, **extra: str) -> Any:
        return self.run_cli(*args, env=aws_environ(self.moto, **extra), input=input)

    def label(self, env: str = "dev") -> str:
        for resource in state_document(self.moto, env)["resources"]:
            if resource["name"] == "slow":
                return str(resource["instances"][0]["attributes"]["output"]["value"])
        raise AssertionError("no terraform_data.slow in the state")


@pytest.fixture
def lab(run_cli: Run, moto_server: Any, terraform_bin: str, monkeypatch: pytest.MonkeyPatch) -> Lab:
    root = TestRoot()
    monkeypatch.setattr(_root, "root_factory", root)
    for env in ("dev", "prod"):
        assert (
            run_cli("env", "bootstrap", env, "--yes", env=aws_environ(moto_server)).exit_code == 0
        )
        moto_server.client("secretsmanager").create_secret(
            Name=signing_key_secret(build_platform(), env)
        )
    return Lab(run_cli, moto_server, root)


def test_markdown_summary_names_no_secret_and_the_full_plan(lab: Lab, tmp_path: Path) -> None:
    text = tmp_path / "dev.tfplan.txt"
    result = lab.run(
        "env",
        "plan",
        "dev",
        "--out",
        str(tmp_path / "dev.tfplan"),
        "--format",
        "markdown",
        "--full-plan",
        "the artifact plan-dev",
        "--text-out",
        str(text),
    )
    assert result.exit_code == 2, result
    lines = result.stdout.splitlines()
    assert lines[0] == "### Plan for `dev`: 2 to create, 0 to change, 0 to replace, 0 to destroy"
    assert "| `(root)` | 2 | - | - | - |" in lines
    assert "**Outputs**: `label` (create), `token` (create)" in lines
    assert lines[-1] == "The full plan: the artifact plan-dev."
    assert "s3cr3t" not in result.stdout
    shown = text.read_text()
    assert "terraform_data.slow will be created" in shown
    assert "s3cr3t" not in shown, "terraform show masks sensitive values"


def test_a_stale_plan_is_refused_before_anything_is_applied(lab: Lab, tmp_path: Path) -> None:
    saved = tmp_path / "dev.tfplan"
    assert lab.run("env", "plan", "dev", "--out", str(saved)).exit_code == 2
    lab.root.label = "applied-meanwhile"
    assert lab.run("env", "up", "dev", "--yes").exit_code == 0
    versions = state_versions(lab.moto)

    refused = lab.run("env", "up", "dev", "--plan", str(saved), "--yes")
    assert refused.exit_code == 1
    assert f"{saved} is stale: it was made against no state yet" in refused.stderr
    assert "plan again: eventctl env plan dev --out dev.tfplan" in refused.stderr
    assert state_versions(lab.moto) == versions, "nothing was written"
    assert lab.label() == "applied-meanwhile"

    # A plan made against the current state applies; after that it is stale too.
    lab.root.label = "next"
    assert lab.run("env", "plan", "dev", "--out", str(saved)).exit_code == 2
    assert lab.run("env", "up", "dev", "--plan", str(saved), "--yes").exit_code == 0
    assert lab.label() == "next"
    again = lab.run("env", "up", "dev", "--plan", str(saved), "--yes")
    assert again.exit_code == 1
    assert "is stale: it was made against serial" in again.stderr


def test_a_plan_of_another_environment_is_refused(lab: Lab, tmp_path: Path) -> None:
    saved = tmp_path / "dev.tfplan"
    assert lab.run("env", "plan", "dev", "--out", str(saved)).exit_code == 2
    refused = lab.run("env", "up", "prod", "--plan", str(saved), "--yes", "--confirm", "prod")
    assert refused.exit_code == 1
    assert f"{saved} is a plan of dev" in refused.stderr
    assert "not of prod" in refused.stderr
    assert state_versions(lab.moto, "prod") == []
    assert state_versions(lab.moto, "dev") == []


def test_a_plan_not_made_by_eventctl_is_refused(lab: Lab, tmp_path: Path) -> None:
    saved = tmp_path / "dev.tfplan"
    assert lab.run("env", "plan", "dev", "--out", str(saved)).exit_code == 2
    # The same plan without eventctl's record of where it belongs.
    bare = tmp_path / "bare.tfplan"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(bare, "w") as target:
        for name in source.namelist():
            if name != "eventctl.json":
                target.writestr(name, source.read(name))
    refused = lab.run("env", "up", "dev", "--plan", str(bare), "--yes")
    assert refused.exit_code == 1
    assert "was not made by `eventctl env plan`" in refused.stderr
    assert state_versions(lab.moto) == []


def test_terraform_applies_a_plan_with_eventctls_record(
    lab: Lab, tmp_path: Path, terraform_bin: str
) -> None:
    """The extra zip entry does not disturb terraform itself (the plan file stays usable)."""
    saved = tmp_path / "dev.tfplan"
    assert lab.run("env", "plan", "dev", "--out", str(saved)).exit_code == 2
    assert "eventctl.json" in zipfile.ZipFile(saved).namelist()
    shown = subprocess.run(
        [terraform_bin, "show", "-json", str(saved)],
        cwd=Path(".eventctl/dev/terraform"),
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", **aws_environ(lab.moto)},
    )
    assert shown.returncode == 0, shown.stderr
    assert '"terraform_data.slow"' in shown.stdout


def test_ci_never_prompts(lab: Lab, tmp_path: Path) -> None:
    asked = lab.run("env", "up", "dev", CI="true")
    assert asked.exit_code == 1
    assert "CI is set, so eventctl asks nothing ('Apply this plan to dev?')" in asked.stderr
    assert "pass --yes" in asked.stderr
    assert state_versions(lab.moto) == []

    prod = lab.run("env", "up", "prod", "--yes", CI="true")
    assert prod.exit_code == 1
    assert "--yes alone is not enough" in prod.stderr
    saved = tmp_path / "prod.tfplan"
    assert lab.run("env", "plan", "prod", "--out", str(saved), CI="true").exit_code == 2
    gated = lab.run("env", "up", "prod", "--plan", str(saved), "--yes", "--confirm", "prod", CI="1")
    assert gated.exit_code == 0, gated
    assert "\x1b[" not in gated.stdout + gated.stderr, "no colour in CI"
    assert lab.label("prod") == "one"


def test_an_unchanged_workspace_is_not_initialised_again(lab: Lab) -> None:
    first = lab.run("env", "plan", "dev")
    assert first.exit_code == 2, first
    assert "terraform init in" in first.stderr
    again = lab.run("env", "plan", "dev")
    assert again.exit_code == 2, again
    assert "terraform init in" not in again.stderr, "nothing changed: no init"
    assert again.stdout == first.stdout

    lab.root.text += '\nresource "terraform_data" "extra" {\n  input = "x"\n}\n'
    changed = lab.run("env", "plan", "dev")
    assert "terraform init in" in changed.stderr, "the configuration changed: init"
    assert "3 to create" in changed.stdout

    shutil.rmtree(Path(".eventctl/dev/terraform/.terraform"))
    removed = lab.run("env", "plan", "dev")
    assert removed.exit_code == 2, removed
    assert "terraform init in" in removed.stderr, "the initialised state is gone: init"
