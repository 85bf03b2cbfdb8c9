"""The terraform adapter: parsing (unit) and the real binary on builtin-only roots."""

from __future__ import annotations

import json
import os
import signal
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from eventctl.adapters.terraform import (
    Interrupted,
    LockInfo,
    RunResult,
    Terraform,
    TerraformError,
    TerraformNotFound,
    diagnostics_from_text,
    parse_json_document,
    parse_version,
    trim_detail,
)
from tests.helpers.lifecycle import sigint_raises_keyboard_interrupt

LOCK_DETAIL = """Error message: operation error DynamoDB: PutItem, https response error \
StatusCode: 400, RequestID: aEbIvGhLpdCU9MrF0IQjStSz0k8yp6GW5tyuJMq7MqaszOE5hbhQ, \
ConditionalCheckFailedException: The conditional request failed
Lock Info:
  ID:        b97b3d31-4f50-bee0-311e-4ee05043a5a0
  Path:      state-bucket-x/dev/terraform.tfstate
  Operation: OperationTypeApply
  Who:       ops@build-7
  Version:   1.11.4
  Created:   2026-11-25 03:02:45.522636691 +0000 UTC
  Info:


Terraform acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again."""


def test_json_document_found_after_warnings_on_stdout() -> None:
    text = (
        'Warning: Deprecated Parameter\n\nThe parameter "dynamodb_table" is deprecated.\n'
        '{\n  "a": {"sensitive": false, "type": "string", "value": "x"}\n}\n'
    )
    assert parse_json_document(text) == {"a": {"sensitive": False, "type": "string", "value": "x"}}


def test_no_json_document_is_an_error_with_the_text() -> None:
    with pytest.raises(TerraformError, match="no JSON document") as caught:
        parse_json_document("Error: something broke\n")
    assert "something broke" in caught.value.message


def test_version_from_json_and_text() -> None:
    assert parse_version('{"terraform_version":"1.11.4","platform":"linux_amd64"}') == (1, 11, 4)
    assert parse_version("Terraform v1.6.0\non linux_amd64\n") == (1, 6, 0)
    with pytest.raises(TerraformError):
        parse_version("no version here")


def test_lock_info_from_terraform_text() -> None:
    lock = LockInfo.from_text(LOCK_DETAIL)
    assert lock is not None
    assert lock.id == "b97b3d31-4f50-bee0-311e-4ee05043a5a0"
    assert lock.who == "ops@build-7"
    assert lock.action == "apply"
    assert lock.path == "state-bucket-x/dev/terraform.tfstate"
    assert lock.created == datetime(2026, 11, 25, 3, 2, 45, 522636, tzinfo=UTC)


def test_lock_info_from_stored_record() -> None:
    record = {
        "ID": "bb77",
        "Operation": "OperationTypePlan",
        "Who": "root@vm",
        "Version": "1.11.4",
        "Created": "2026-11-25T03:03:10.450788908Z",
        "Path": "b/k",
        "Info": "",
    }
    lock = LockInfo.from_json(record)
    assert (lock.id, lock.action, lock.who) == ("bb77", "plan", "root@vm")
    assert lock.created == datetime(2026, 11, 25, 3, 3, 10, 450788, tzinfo=UTC)
    assert lock.to_dict()["created"] == "2026-11-25T03:03:10.450788+00:00"


def test_trim_drops_request_ids_and_lock_boilerplate() -> None:
    trimmed = trim_detail(LOCK_DETAIL)
    assert "RequestID" not in trimmed
    assert "Terraform acquires" not in trimmed
    assert "ConditionalCheckFailedException" in trimmed
    long = "\n".join(f"line {n}" for n in range(40))
    assert trim_detail(long).splitlines()[-1] == "..."


def test_diagnostics_from_human_output() -> None:
    text = (
        "\x1b[31m\nError: Reference to undeclared input variable\n\n"
        '  on main.tf line 3, in resource "terraform_data" "a":\n'
        "   3:   input = var.nope\n\n"
        'An input variable with the name "nope" has not been declared.\n'
        "\nWarning: Deprecated Parameter\n\nold\n"
    )
    found = diagnostics_from_text(text)
    assert [d.severity for d in found] == ["error", "warning"]
    error = found[0]
    assert error.summary == "Reference to undeclared input variable"
    assert (error.filename, error.line) == ("main.tf", 3)
    assert error.text().startswith("Reference to undeclared input variable (main.tf:3)\n")
    assert "has not been declared" in error.text()


def test_diagnostics_prefer_json_events() -> None:
    event = {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "boom"}}
    result = RunResult(1, "Error: text form\n", "", events=[event])
    assert [d.summary for d in result.diagnostics] == ["boom"]


def test_missing_binary(tmp_path: Path) -> None:
    with pytest.raises(TerraformNotFound, match="not on PATH") as caught:
        Terraform(tmp_path, environ={"PATH": str(tmp_path)})
    assert caught.value.hint and "install Terraform 1.11.0" in caught.value.hint
    with pytest.raises(TerraformNotFound, match="does not exist"):
        Terraform(tmp_path, binary=str(tmp_path / "nope"), environ={"PATH": ""})


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_too_old_binary(tmp_path: Path) -> None:
    # An old release cannot be installed here: a script answers `version -json` like 1.5.7.
    old = _script(tmp_path / "terraform", 'echo \'{"terraform_version":"1.5.7"}\'\n')
    tf = Terraform(tmp_path, environ={"PATH": str(tmp_path)})
    assert tf.binary == str(old)
    with pytest.raises(TerraformNotFound, match=r"terraform 1\.5\.7 .* too old") as caught:
        tf.require()
    assert caught.value.hint and "1.11.0 or newer" in caught.value.hint
    with pytest.raises(TerraformNotFound, match=r"needs 1\.10\.0 or newer \(use_lockfile\)"):
        tf.require((1, 10, 0), "use_lockfile")


def test_a_binary_older_than_the_rendered_root_needs_is_refused(tmp_path: Path) -> None:
    # 1.10 runs the S3 backend but not the root's ephemeral resource and write-only argument.
    _script(tmp_path / "terraform", 'echo \'{"terraform_version":"1.10.5"}\'\n')
    tf = Terraform(tmp_path, environ={"PATH": str(tmp_path)})
    with pytest.raises(TerraformNotFound, match=r"terraform 1\.10\.5 .* needs 1\.11\.0 or newer"):
        tf.require()


# -- the real binary ----------------------------------------------------------------------

ROOT = """
variable "sleep" {
  type    = number
  default = 0
}
resource "terraform_data" "a" {
  input            = "alpha"
  triggers_replace = var.sleep
  provisioner "local-exec" {
    command = "sleep ${var.sleep}"
  }
}
output "a" { value = terraform_data.a.output }
output "secret" {
  value     = "hush"
  sensitive = true
}
"""


def _root(tmp_path: Path, text: str = ROOT, sleep: int = 0) -> Path:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    (root / "main.tf").write_text(text)
    (root / "terraform.tfvars.json").write_text(json.dumps({"sleep": sleep}))
    return root


def _terraform(root: Path, terraform_bin: str) -> Terraform:
    return Terraform(root, binary=terraform_bin, environ=dict(os.environ))


def test_init_plan_show_apply_output(tmp_path: Path, terraform_bin: str) -> None:
    tf = _terraform(_root(tmp_path), terraform_bin)
    assert tf.require() >= (1, 11, 0)
    tf.init()
    plan = tmp_path / "plan.bin"
    assert tf.plan(plan) is True
    shown = tf.show_plan(plan)
    actions = {c["address"]: c["change"]["actions"] for c in shown["resource_changes"]}
    assert actions == {"terraform_data.a": ["create"]}
    seen: list[str] = []
    tf.apply(plan, on_event=lambda event: seen.append(event["type"]))
    assert "apply_complete" in seen
    outputs = tf.output()
    assert outputs["a"]["value"] == "alpha"
    assert outputs["secret"]["sensitive"] is True
    assert tf.plan(tmp_path / "again.bin") is False


def test_terraform_error_text_reaches_the_caller(tmp_path: Path, terraform_bin: str) -> None:
    root = _root(tmp_path, 'resource "terraform_data" "a" {\n  input = var.nope\n}\n')
    tf = _terraform(root, terraform_bin)
    tf.init()
    with pytest.raises(TerraformError) as caught:
        tf.plan(tmp_path / "plan.bin")
    message = caught.value.message
    assert message.startswith("terraform plan failed: Reference to undeclared input variable")
    assert "(main.tf:2)" in message
    assert not (tmp_path / "plan.bin").exists()


def _lock_file(root: Path) -> Path:
    return root / ".terraform.tfstate.lock.info"


def test_ctrl_c_during_apply_stops_terraform_cleanly(tmp_path: Path, terraform_bin: str) -> None:
    root = _root(tmp_path, sleep=20)
    tf = _terraform(root, terraform_bin)
    tf.init()
    plan = tmp_path / "plan.bin"
    tf.plan(plan)
    held: list[bool] = []

    def press_ctrl_c(event: dict[str, Any]) -> None:
        if event["type"] == "provision_start":
            held.append(_lock_file(root).exists())
            signal.raise_signal(signal.SIGINT)

    # Raised in this process: Python's handler must be on, whatever this run inherited.
    with sigint_raises_keyboard_interrupt(), pytest.raises(Interrupted) as caught:
        tf.apply(plan, on_event=press_ctrl_c)
    assert caught.value.exit_code == 130
    assert held == [True]
    assert not _lock_file(root).exists(), "terraform released its lock"


def test_a_failing_event_handler_stops_terraform(tmp_path: Path, terraform_bin: str) -> None:
    root = _root(tmp_path, sleep=20)
    tf = _terraform(root, terraform_bin)
    tf.init()
    plan = tmp_path / "plan.bin"
    tf.plan(plan)

    def broken(event: dict[str, Any]) -> None:
        if event["type"] == "provision_start":
            raise RuntimeError("renderer bug")

    with pytest.raises(RuntimeError, match="renderer bug"):
        tf.apply(plan, on_event=broken)
    assert not _lock_file(root).exists()
