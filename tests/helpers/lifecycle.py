"""Shared pieces of the env lifecycle tests: the moto environment and the test-only root.

The AWS provider cannot be downloaded here, so the lifecycle tests replace the one seam,
`eventctl.cli.env._root.root_factory`, with `TestRoot`: a root module of builtin
`terraform_data` resources with an empty `backend "s3" {}` block. Everything after the seam
(init with the backend config, plan, show, apply, destroy, output, force-unlock) is the real
code path against a moto server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"  # moto's account
REGION = "eu-west-1"
BUCKET = f"event-planner-terraform-state-{REGION}-{ACCOUNT}"
TABLE = "event-planner-terraform-locks"

ROOT_TF = """\
terraform {
  backend "s3" {}
}

variable "label" {
  type    = string
  default = "one"
}

variable "hold_seconds" {
  description = "how long creating `slow` holds the state lock (at most, with release_file)"
  type        = number
  default     = 0
}

variable "release_file" {
  description = "when set, creating `slow` ends as soon as this file exists"
  type        = string
  default     = ""
}

locals {
  wait_for_release = join("; ", [
    "i=0",
    "while [ ! -e $RELEASE ] && [ $i -lt ${var.hold_seconds * 10} ]",
    "do sleep 0.1",
    "i=$((i+1))",
    "done",
  ])
}

resource "terraform_data" "slow" {
  input            = var.label
  triggers_replace = [var.label, var.hold_seconds]
  provisioner "local-exec" {
    command     = var.release_file == "" ? "sleep ${var.hold_seconds}" : local.wait_for_release
    environment = { RELEASE = var.release_file }
  }
}

resource "terraform_data" "fast" {
  input = "${var.label}-fast"
}

output "label" {
  value = terraform_data.slow.output
}

output "token" {
  value     = "s3cr3t-${var.label}"
  sensitive = true
}
"""


class TestRoot:
    """A root-module factory with the signature of `render_root`, writing a builtin-only root.

    `label` and `hold_seconds` go to terraform.tfvars.json; change them between runs to make
    the next plan replace `slow` (whose creation sleeps `hold_seconds`, holding the lock).
    With `release_file`, creating `slow` holds the lock until that file exists (`release()`),
    `hold_seconds` at most: a test that needs the lock held while it does something does not
    depend on how fast a loaded machine does it.
    """

    __test__ = False

    def __init__(
        self,
        label: str = "one",
        hold_seconds: int = 0,
        text: str = ROOT_TF,
        release_file: Path | None = None,
    ) -> None:
        self.label = label
        self.hold_seconds = hold_seconds
        self.text = text
        self.release_file = release_file
        self.calls: list[tuple[str, Path]] = []

    def release(self) -> None:
        """Let the creation of `slow` finish (and so its apply release the lock)."""
        assert self.release_file is not None
        self.release_file.touch()

    def __call__(self, platform: Any, env: str, out_dir: Path, terraform_bin: str | None) -> Path:
        self.calls.append((env, out_dir))
        out_dir.mkdir(parents=True, exist_ok=True)
        self.write(out_dir)
        return out_dir

    def write(self, root: Path) -> None:
        (root / "main.tf").write_text(self.text)
        variables = {"label": self.label, "hold_seconds": self.hold_seconds}
        if self.release_file is not None:
            variables["release_file"] = str(self.release_file)
        (root / "terraform.tfvars.json").write_text(json.dumps(variables))


def aws_environ(moto: Any, **extra: str) -> dict[str, str]:
    """Variables for one CLI run against the moto server."""
    return {**moto.environ, **extra}


def lock_item(moto: Any, env: str = "dev") -> dict[str, Any] | None:
    """The DynamoDB lock item of `env`'s state, if someone holds it."""
    item = moto.client("dynamodb").get_item(
        TableName=TABLE, Key={"LockID": {"S": f"{BUCKET}/{env}/terraform.tfstate"}}
    )
    return item.get("Item")


def state_document(moto: Any, env: str = "dev") -> dict[str, Any]:
    body = moto.client("s3").get_object(Bucket=BUCKET, Key=f"{env}/terraform.tfstate")["Body"]
    return dict(json.loads(body.read()))


def state_versions(moto: Any, env: str = "dev") -> list[str]:
    listed = moto.client("s3").list_object_versions(
        Bucket=BUCKET, Prefix=f"{env}/terraform.tfstate"
    )
    return sorted(v["VersionId"] for v in listed.get("Versions", []))


# -- processes of the Ctrl-C tests --------------------------------------------------------


@contextlib.contextmanager
def sigint_raises_keyboard_interrupt() -> Iterator[None]:
    """SIGINT as at a terminal, whatever this test run inherited.

    A run started with SIGINT ignored (`nohup pytest &`, some CI runners) would ignore a
    Ctrl-C raised here and pass the ignored disposition on to every child it starts; with
    Python's own handler installed, children start with the default disposition instead
    (exec resets handled signals, never ignored ones).
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def descendants(pid: int) -> list[int]:
    """The PIDs of every live descendant of `pid` (terraform runs in a session of its own,
    so a process group does not hold it), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(process: subprocess.Popen[Any]) -> None:
    """SIGKILL `process` and everything it started, by PID; reap `process`."""
    for pid in [*descendants(process.pid), process.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)
