"""`env plan | up | down | outputs | unlock`: the real terraform binary against a moto server.

Only the root module is a stand-in (see TestRoot in tests/helpers/lifecycle.py); init with the
S3 backend config, plan -out, show -json, apply of the saved plan, destroy, output and
force-unlock all run for real, and every claim is checked in the emulated S3 and DynamoDB.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eventctl.adapters.aws.clients import AwsTarget
from eventctl.adapters.terraform import Interrupted
from eventctl.cli.env import _root as env_lifecycle
from eventctl.core import lifecycle
from eventctl.core.signing_key import signing_key_secret
from eventctl.core.state_backend import connect
from platform_model import build_platform
from tests.helpers import artifacts
from tests.helpers.lifecycle import (
    BUCKET,
    REGION,
    TestRoot,
    aws_environ,
    kill_tree,
    lock_item,
    sigint_raises_keyboard_interrupt,
    state_document,
    state_versions,
)

Run = Callable[..., Any]
SIGNING_KEY_SECRET = signing_key_secret(build_platform(), "dev")


class Lab:
    """A bootstrapped backend on moto, the test root installed, and a CLI runner."""

    def __init__(self, run_cli: Run, moto: Any, root: TestRoot, tmp_path: Path, logs: Path) -> None:
        self.run_cli = run_cli
        self.moto = moto
        self.root = root
        self.tmp_path = tmp_path
        self.logs = logs

    def run(self, *args: str, input: str | None = None, **extra: str) -> Any:
        return self.run_cli(*args, env=aws_environ(self.moto, **extra), input=input)

    def resources(self, env: str = "dev") -> dict[str, Any]:
        """address -> attributes of the resources recorded in the state in S3."""
        found: dict[str, Any] = {}
        for resource in state_document(self.moto, env).get("resources", []):
            for instance in resource["instances"]:
                found[f"{resource['type']}.{resource['name']}"] = instance["attributes"]
        return found

    def workspace(self, env: str, root: TestRoot, name: str) -> lifecycle.Workspace:
        """An initialised workspace of another run (a teammate, a CI job), via the core API.

        Its terraform logs to a file of its own (`<name>-terraform.log`)."""
        environ = {**os.environ, **aws_environ(self.moto)}
        if "TF_LOG_PATH" in environ:
            environ["TF_LOG_PATH"] = str(self.logs / f"{name}-terraform.log")
        target = AwsTarget(region=REGION, endpoint_url=self.moto.endpoint_url)
        connection = connect(build_platform(), env, target)
        terraform = lifecycle.find_terraform(None, environ)
        directory = root(build_platform(), env, self.tmp_path / name, terraform.binary)
        return lifecycle.open_workspace(env, directory, terraform, connection.backend)


@pytest.fixture
def lab(
    run_cli: Run,
    moto_server: Any,
    terraform_bin: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    component_logs: Path,
) -> Lab:
    root = TestRoot()
    monkeypatch.setattr(env_lifecycle, "root_factory", root)
    artifacts.log_terraform(monkeypatch, request.node, component_logs)
    # The core API (used here to play a second operator) gets credentials the boto3 way.
    for name, value in moto_server.environ.items():
        monkeypatch.setenv(name, value)
    result = run_cli("env", "bootstrap", "dev", "--yes", env=aws_environ(moto_server))
    assert result.exit_code == 0, result
    # What the real root's security module creates: the signing key's secret, without a value.
    for env in ("dev", "prod"):
        moto_server.client("secretsmanager").create_secret(
            Name=signing_key_secret(build_platform(), env)
        )
    return Lab(run_cli, moto_server, root, tmp_path, component_logs)


#: Bounds, not expectations: how long a loaded machine may take before a test gives up.
PATIENCE = 240


def _wait_for(condition: Callable[[], object], seconds: float = PATIENCE) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {seconds}s")
        time.sleep(0.2)


# -- plan ---------------------------------------------------------------------------------


def test_plan_summary_and_exit_codes(lab: Lab) -> None:
    changes = lab.run("env", "plan", "dev")
    assert changes.exit_code == 2, changes
    assert "Plan for dev: 2 to create, 0 to change, 0 to replace, 0 to destroy" in changes.stdout
    row = next(line for line in changes.stdout.splitlines() if "terraform_data" in line)
    assert row.split() == ["(root)", "terraform_data", "2", "-", "-", "-"]
    assert "outputs: label (create), token (create)" in changes.stdout

    as_json = json.loads(lab.run("env", "plan", "dev", "--json").stdout)
    assert as_json["has_changes"] is True
    assert as_json["counts"] == {"create": 2, "update": 0, "replace": 0, "delete": 0}
    assert as_json["groups"] == [
        {
            "module": "(root)",
            "type": "terraform_data",
            "create": 2,
            "update": 0,
            "replace": 0,
            "delete": 0,
        }
    ]
    assert {c["address"] for c in as_json["changes"]} == {
        "terraform_data.slow",
        "terraform_data.fast",
    }

    assert lab.run("env", "up", "dev", "--yes").exit_code == 0
    same = lab.run("env", "plan", "dev")
    assert same.exit_code == 0, same
    assert "No changes: dev matches the configuration." in same.stdout

    lab.root.label = "two"
    replace = lab.run("env", "plan", "dev")
    assert replace.exit_code == 2
    assert "1 to change, 1 to replace" in replace.stdout
    assert "replace  terraform_data.slow" in replace.stdout


def test_plan_error_exits_1_with_terraforms_words(lab: Lab) -> None:
    lab.root.text = (
        'terraform {\n  backend "s3" {}\n}\n'
        'resource "terraform_data" "a" {\n  input = var.nope\n}\n'
    )
    result = lab.run("env", "plan", "dev")
    assert result.exit_code == 1
    assert "terraform plan failed: Reference to undeclared input variable (main.tf:5)" in (
        result.stderr
    )
    assert 'An input variable with the name "nope" has not been declared' in result.stderr


def test_a_failed_plan_never_applies(lab: Lab) -> None:
    lab.root.text = lab.root.text.replace("var.label", "var.missing", 1)
    result = lab.run("env", "up", "dev", "--yes")
    assert result.exit_code == 1
    assert "Reference to undeclared input variable" in result.stderr
    assert state_versions(lab.moto) == [], "no state was ever written"


# -- up -----------------------------------------------------------------------------------


def test_up_applies_and_the_state_lands_under_the_env_key(lab: Lab) -> None:
    result = lab.run("env", "up", "dev", "--yes")
    assert result.exit_code == 0, result
    assert "[2/2]" in result.stderr  # progress from `apply -json`, one line per event
    assert "apply complete: 2 of 2 changes" in result.stderr
    assert "label" in result.stdout and "one" in result.stdout
    assert "s3cr3t" not in result.stdout, "sensitive outputs stay hidden"
    resources = lab.resources()
    assert resources["terraform_data.slow"]["output"]["value"] == "one"
    assert resources["terraform_data.fast"]["output"]["value"] == "one-fast"
    assert state_document(lab.moto)["lineage"]
    assert lock_item(lab.moto) is None, "the lock was released"
    # The backend configuration reached terraform (and its S3 calls went to moto).
    backend_file = Path(".eventctl/dev/terraform") / lifecycle.BACKEND_FILE
    assert f'bucket = "{BUCKET}"' in backend_file.read_text()


def test_up_stores_the_token_signing_key_once(lab: Lab) -> None:
    """The Terraform leaves the key's secret empty; `up` stores an RSA key the auth service
    loads, says so on stderr only, and a second `up` keeps it."""
    from services.auth.keys import SigningKeys

    secrets = lab.moto.client("secretsmanager")
    first = lab.run("env", "up", "dev", "--yes")
    assert first.exit_code == 0, first
    assert f"stored a new token signing key in {SIGNING_KEY_SECRET}" in first.stderr
    pem = secrets.get_secret_value(SecretId=SIGNING_KEY_SECRET)["SecretString"]
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert pem not in first.stdout + first.stderr
    keys = SigningKeys.load(pem, [], allow_ephemeral=False)
    assert keys.jwks()["keys"][0]["kty"] == "RSA"
    again = lab.run("env", "up", "dev", "--yes")
    assert again.exit_code == 0, again
    assert "signing key" not in again.stderr
    assert secrets.get_secret_value(SecretId=SIGNING_KEY_SECRET)["SecretString"] == pem
    assert len(secrets.list_secret_version_ids(SecretId=SIGNING_KEY_SECRET)["Versions"]) == 1


def test_up_without_the_signing_key_secret_says_what_creates_it(lab: Lab) -> None:
    lab.moto.client("secretsmanager").delete_secret(
        SecretId=SIGNING_KEY_SECRET, ForceDeleteWithoutRecovery=True
    )
    result = lab.run("env", "up", "dev", "--yes")
    assert result.exit_code == 1
    assert f"the token signing key's secret {SIGNING_KEY_SECRET} does not exist" in result.stderr
    assert "module security" in result.stderr


def test_up_applies_exactly_the_saved_plan(lab: Lab, tmp_path: Path) -> None:
    saved = tmp_path / "dev.tfplan"
    planned = lab.run("env", "plan", "dev", "--out", str(saved))
    assert planned.exit_code == 2
    assert saved.stat().st_mode & 0o077 == 0, "plan files hold secrets: owner-only"
    lab.root.label = "edited-after-the-plan"
    result = lab.run("env", "up", "dev", "--plan", str(saved), "--yes")
    assert result.exit_code == 0, result
    assert lab.resources()["terraform_data.slow"]["output"]["value"] == "one"


def test_up_json(lab: Lab) -> None:
    result = lab.run("env", "up", "dev", "--yes", "--json")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["applied"]["done"] == data["applied"]["total"] == 2
    assert data["outputs"]["label"]["value"] == "one"
    assert data["outputs"]["token"] == {"type": "string", "sensitive": True, "value": None}


def test_up_without_confirmation_changes_nothing(lab: Lab) -> None:
    result = lab.run("env", "up", "dev", input="n\n")
    assert result.exit_code == 1
    assert "Apply this plan to dev?" in result.stderr
    assert "not confirmed: nothing was changed" in result.stderr
    assert state_versions(lab.moto) == []


def test_prod_needs_its_name_typed(lab: Lab) -> None:
    refused = lab.run("env", "up", "prod", "--yes")
    assert refused.exit_code == 1
    assert "prod is a production environment: --yes alone is not enough" in refused.stderr
    assert "--confirm prod" in refused.stderr
    mistyped = lab.run("env", "up", "prod", input="dev\n")
    assert mistyped.exit_code == 1
    assert "the typed name does not match prod" in mistyped.stderr
    wrong_flag = lab.run("env", "up", "prod", "--yes", "--confirm", "dev")
    assert wrong_flag.exit_code == 1
    assert state_versions(lab.moto, "prod") == []

    typed = lab.run("env", "up", "prod", input="prod\n")
    assert typed.exit_code == 0, typed
    assert "Type the environment name (prod)" in typed.stderr
    assert lab.resources("prod")["terraform_data.slow"]["output"]["value"] == "one"
    lab.root.label = "two"
    unattended = lab.run("env", "up", "prod", "--yes", "--confirm", "prod")
    assert unattended.exit_code == 0, unattended.stderr
    assert lab.resources("prod")["terraform_data.slow"]["output"]["value"] == "two"
    assert lab.resources("dev") if state_versions(lab.moto, "dev") else True


def test_up_creates_a_missing_backend_after_asking(
    run_cli: Run, moto_server: Any, terraform_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(env_lifecycle, "root_factory", TestRoot())
    moto_server.client("secretsmanager").create_secret(Name=SIGNING_KEY_SECRET)
    result = run_cli("env", "up", "dev", "--yes", env=aws_environ(moto_server))
    assert result.exit_code == 0, result
    assert f"created S3 bucket {BUCKET}" in result.stderr
    assert state_document(moto_server)["resources"]


def test_local_has_no_plan_and_aws_environments_run_every_service(lab: Lab) -> None:
    # `env up` with no ENV runs the local environment: tests/local/ covers it.
    assert lab.run("env", "plan", "local").exit_code == 1
    result = lab.run("env", "up", "dev", "--service", "auth")
    assert result.exit_code == 1
    assert "--service chooses the services of the local environment only" in result.stderr


# -- locks --------------------------------------------------------------------------------


def test_lock_contention_reports_the_holder_and_changes_nothing(lab: Lab) -> None:
    holder_root = TestRoot(label="held", hold_seconds=PATIENCE, release_file=lab.tmp_path / "go")
    workspace = lab.workspace("dev", holder_root, "teammate")
    planned = lifecycle.plan(workspace)
    failure: list[BaseException] = []

    def teammate() -> None:
        try:
            lifecycle.apply(workspace, planned)
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)

    thread = threading.Thread(target=teammate)
    thread.start()
    try:
        _wait_for(lambda: lock_item(lab.moto) is not None)
        versions = state_versions(lab.moto)

        second = lab.run("env", "up", "dev", "--yes")
        assert second.exit_code == 1
        message = second.stderr
        assert "the state is locked by" in message
        assert "(apply, since 20" in message
        assert json.loads(lock_item(lab.moto)["Info"]["S"])["ID"] in message  # type: ignore[index]
        assert "--lock-timeout" in message and "eventctl env unlock dev" in message
        assert state_versions(lab.moto) == versions, "the second run changed nothing"

        # The teammate finishes while this run waits for the lock (or before it asks).
        threading.Timer(2.0, holder_root.release).start()
        waited = lab.run("env", "up", "dev", "--yes", "--lock-timeout", f"{PATIENCE}s")
        assert waited.exit_code == 0, waited
    finally:
        if not holder_root.release_file.exists():  # type: ignore[union-attr]
            holder_root.release()
        thread.join(timeout=PATIENCE)
    assert not failure
    assert lab.resources()["terraform_data.slow"]["output"]["value"] == "one", (
        "applied after waiting"
    )


def _stale_lock(lab: Lab) -> str:
    """A lock left behind by a killed terraform apply (started, then killed, here)."""
    never = lab.tmp_path / "never-released"
    crashing = TestRoot(label="crashed", hold_seconds=PATIENCE, release_file=never)
    workspace = lab.workspace("dev", crashing, "crashed-job")
    planned = lifecycle.plan(workspace)
    process = subprocess.Popen(
        [workspace.terraform.binary, "apply", "-input=false", "-json", str(planned.plan_file)],
        cwd=workspace.root,
        env=workspace.terraform.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: lock_item(lab.moto) is not None)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    item = lock_item(lab.moto)
    assert item is not None, "killing terraform left its lock behind"
    return str(json.loads(item["Info"]["S"])["ID"])


def test_stale_lock_then_unlock(lab: Lab) -> None:
    lock_id = _stale_lock(lab)
    blocked = lab.run("env", "up", "dev", "--yes")
    assert blocked.exit_code == 1
    assert lock_id in blocked.stderr

    wrong = lab.run("env", "unlock", "dev", "--lock-id", "not-this-one", "--yes")
    assert wrong.exit_code == 1
    assert f"held under id {lock_id}" in wrong.stderr
    declined = lab.run("env", "unlock", "dev", input="n\n")
    assert declined.exit_code == 1
    assert lock_item(lab.moto) is not None

    released = lab.run("env", "unlock", "dev", input="y\n")
    assert released.exit_code == 0, released
    lines = released.stdout.splitlines()
    assert "the state of dev is locked:" in lines
    assert any(line.split()[:2] == ["operation", "apply"] for line in lines)
    assert any(line.strip().startswith("who ") and "@" in line for line in lines)
    assert any(line.strip().startswith("since ") and "ago)" in line for line in lines)
    assert f"released the lock {lock_id}" in released.stderr
    assert lock_item(lab.moto) is None

    assert lab.run("env", "unlock", "dev").stdout.strip() == "the state of dev is not locked"
    assert lab.run("env", "up", "dev", "--yes").exit_code == 0


def test_lockfile_locking_end_to_end(lab: Lab) -> None:
    environ = {"EVENTCTL_STATE_LOCKING": "lockfile"}
    assert lab.run("env", "up", "dev", "--yes", **environ).exit_code == 0
    backend = (Path(".eventctl/dev/terraform") / lifecycle.BACKEND_FILE).read_text()
    assert "use_lockfile = true" in backend and "dynamodb_table" not in backend
    assert lab.resources()["terraform_data.slow"]["output"]["value"] == "one"


def test_ctrl_c_during_apply_releases_the_lock(lab: Lab) -> None:
    held = TestRoot(hold_seconds=PATIENCE, release_file=lab.tmp_path / "never-released")
    workspace = lab.workspace("dev", held, "interrupted")
    planned = lifecycle.plan(workspace)

    pressed: list[str] = []

    def press_ctrl_c(progress: lifecycle.ApplyProgress) -> None:
        # Once: the events already on their way after the first Ctrl-C (slow's provisioner
        # starting, its command line) would otherwise press it again, and a second Ctrl-C
        # makes terraform exit at once, lock or no lock.
        if not pressed and progress.in_flight == ("terraform_data.slow",) and lock_item(lab.moto):
            pressed.append(progress.message)
            signal.raise_signal(signal.SIGINT)

    with sigint_raises_keyboard_interrupt(), pytest.raises(Interrupted) as caught:
        lifecycle.apply(workspace, planned, on_progress=press_ctrl_c)
    assert len(pressed) == 1
    assert "terraform stopped cleanly and released the state lock" in caught.value.message
    assert caught.value.exit_code == 130
    assert lock_item(lab.moto) is None


DRIVER = """
import sys
sys.path.insert(0, {checkout!r})  # this checkout's eventctl and tests
from pathlib import Path
from tests.helpers.lifecycle import TestRoot
from eventctl.cli.env import _root as env_lifecycle
from eventctl.cli.main import main

env_lifecycle.root_factory = TestRoot(
    label="interrupted", hold_seconds={patience}, release_file=Path({never!r})
)
sys.argv = ["eventctl", "env", "up", "dev", "--yes"]
main()
"""


def test_ctrl_c_during_env_up_says_the_lock_was_released(lab: Lab, tmp_path: Path) -> None:
    # A real eventctl process (the seam set by a small driver), interrupted like at a terminal.
    driver = tmp_path / "driver.py"
    never = str(tmp_path / "never-released")
    driver.write_text(
        DRIVER.format(checkout=str(Path(__file__).parents[2]), patience=PATIENCE, never=never)
    )
    operator = tmp_path / "operator"
    operator.mkdir()

    def applying() -> bool:
        item = lock_item(lab.moto)
        return bool(item) and "OperationTypeApply" in item["Info"]["S"]

    # The child gets SIGINT's default disposition (Python then raises KeyboardInterrupt),
    # even when this test run was started with SIGINT ignored.
    with (
        sigint_raises_keyboard_interrupt(),
        subprocess.Popen(
            [sys.executable, str(driver)],
            cwd=operator,
            env={**os.environ, "NO_COLOR": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process,
    ):
        try:
            _wait_for(applying)
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=PATIENCE)
        finally:
            if process.poll() is None:  # only when the test already failed
                kill_tree(process)  # eventctl and its terraform, which has a session of its own
    assert process.returncode == 130, stderr
    assert "apply interrupted: terraform stopped cleanly and released the state lock" in stderr, (
        stderr
    )
    assert re.search(r"[01] of 2 changes were made", stderr)
    assert lock_item(lab.moto) is None


def test_the_ctrl_c_tests_deliver_sigint_when_the_run_ignores_it() -> None:
    """`nohup pytest &` starts the run with SIGINT ignored; the Ctrl-C tests undo that for
    themselves and for the children they start, and restore it afterwards."""
    probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sigint_raises_keyboard_interrupt():
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
            child = subprocess.run(
                [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
            )
        assert child.stdout.strip() == "True", child
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


# -- outputs, down ------------------------------------------------------------------------


def test_outputs(lab: Lab) -> None:
    empty = lab.run("env", "outputs", "dev", "--json")
    assert empty.exit_code == 0, empty
    assert json.loads(empty.stdout) == {}
    assert lab.run("env", "up", "dev", "--yes").exit_code == 0
    hidden = json.loads(lab.run("env", "outputs", "dev", "--json").stdout)
    assert hidden["label"] == {"type": "string", "sensitive": False, "value": "one"}
    assert hidden["token"]["value"] is None
    shown = json.loads(lab.run("env", "outputs", "dev", "--json", "--show-sensitive").stdout)
    assert shown["token"]["value"] == "s3cr3t-one"
    table = lab.run("env", "outputs", "dev").stdout
    assert "(sensitive: --show-sensitive)" in table


def test_down_lists_losses_asks_and_destroys(lab: Lab) -> None:
    nothing = lab.run("env", "down", "dev", "--yes")
    assert nothing.exit_code == 0
    assert "Nothing to destroy in dev." in nothing.stdout
    assert lab.run("env", "up", "dev", "--yes").exit_code == 0

    declined = lab.run("env", "down", "dev", input="n\n")
    assert declined.exit_code == 1
    assert "Destroy plan for dev: 0 to create, 0 to change, 0 to replace, 2 to destroy" in (
        declined.stdout
    )
    assert "Nothing that holds data is destroyed." in declined.stdout
    assert set(lab.resources()) == {"terraform_data.slow", "terraform_data.fast"}

    destroyed = lab.run("env", "down", "dev", input="y\n")
    assert destroyed.exit_code == 0, destroyed
    assert "destroy complete: 2 of 2 changes" in destroyed.stderr
    assert lab.resources() == {}
    assert lock_item(lab.moto) is None


def test_prod_down_needs_the_typed_name(lab: Lab) -> None:
    assert lab.run("env", "up", "prod", "--yes", "--confirm", "prod").exit_code == 0
    refused = lab.run("env", "down", "prod", "--yes")
    assert refused.exit_code == 1
    assert "--yes alone is not enough" in refused.stderr
    assert lab.resources("prod")
    done = lab.run("env", "down", "prod", "--json", "--confirm", "prod")
    assert done.exit_code == 0, done
    data = json.loads(done.stdout)
    assert data["counts"]["delete"] == 2 and data["applied"]["done"] == 2
    assert data["losses"] == []
    assert lab.resources("prod") == {}


# -- missing pieces -----------------------------------------------------------------------


def test_missing_terraform_binary(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("env", "plan", "dev", env={"PATH": str(tmp_path)})
    assert result.exit_code == 1
    assert "cannot find the terraform binary: terraform is not on PATH" in result.stderr
    assert "install Terraform 1.11.0 or newer" in result.stderr


def test_the_default_root_is_the_rendered_environment(tmp_path: Path) -> None:
    from platform_model import build_platform

    assert env_lifecycle.root_factory is env_lifecycle._render_root
    root = env_lifecycle.root_factory(build_platform(), "dev", tmp_path / "tf", None)
    root_files = "\n".join(p.read_text() for p in sorted(root.glob("*.tf")))
    assert 'backend "s3" {}' in root_files
    assert (root / "terraform.tfvars.json").is_file()


def test_help_does_not_import_boto3() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from eventctl.cli.main import app\n"
        "for args in (['--help'], ['env', '--help'], ['env', 'up', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
