"""What a service imports to start: only what it runs (the local platform runs five of them).

`python -X importtime` lists every module a process imports; each service is started for real
and its list read once it is ready.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, free_port, wait_for_port

#: Services that only publish (no queue to consume): botocore waits for their first message.
PUBLISH_ONLY = ("auth", "event", "payment")
AWS_SDK = ("boto3", "botocore", "s3transfer")
#: No service speaks WebSocket, makes boto3 resources or S3 transfers (botocore's clients are
#: all they use), or runs the operator CLI or httpx's command line (rich, pygments).
NEVER = ("websockets", "wsproto", "boto3", "s3transfer", "eventctl", "typer", "rich", "pygments")
#: On SQLite (as here), the PostgreSQL dialect and its driver stay unloaded.
NEVER_ON_SQLITE = ("sqlalchemy.dialects.postgresql", "asyncpg")


def _imported_at_start(name: str, aws: Any, tmp_path: Path) -> set[str]:
    port = free_port()
    env = {
        **os.environ,
        **aws.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(tmp_path / "data"),
        "SERVICE_TOKEN": "imports-test-credential",
        "SERVICE_TOKENS": json.dumps({"booking": "imports-test-credential"}),
        "CONSUMER_WAIT_SECONDS": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }
    report = tmp_path / "importtime.txt"  # a file: the list outgrows a pipe's buffer
    with (
        report.open("w") as sink,
        subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", f"services.{name}"],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        ) as process,
    ):
        try:
            wait_for_port(port, timeout=60)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as ready:
                assert ready.status == 200
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    stderr = report.read_text()
    modules = {
        line.split("|")[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "starlette" in modules, stderr[-2000:]  # the list is the real one
    return modules


@pytest.mark.parametrize("name", ["auth", "event", "booking", "payment", "notification"])
def test_a_service_starts_without_what_it_does_not_run(name: str, aws: Any, tmp_path: Path) -> None:
    modules = _imported_at_start(name, aws, tmp_path)
    imported = {module.split(".")[0] for module in modules}
    assert not imported & set(NEVER), sorted(imported & set(NEVER))
    assert not modules & set(NEVER_ON_SQLITE), sorted(modules & set(NEVER_ON_SQLITE))
    if name in PUBLISH_ONLY:
        assert not imported & set(AWS_SDK), sorted(imported & set(AWS_SDK))
    else:  # it polls its queues from the start
        assert "botocore" in imported
