"""Each service runs as `python -m services.<name>`, configured only by environment variables,
logs JSON lines to stdout, and stops cleanly on SIGTERM (consumers included)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.net import REPO_ROOT, free_port, wait_for_port


def _ready(port: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                return int(r.status)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("name", ["auth", "event", "booking", "payment", "notification"])
def test_a_service_runs_as_a_module(name: str, aws: Any, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        **aws.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATA_DIR": str(tmp_path / "data"),
        "SERVICE_TOKEN": "process-test-credential",
        "SERVICE_TOKENS": json.dumps({"booking": "process-test-credential"}),
        "CONSUMER_WAIT_SECONDS": "1",
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", f"services.{name}"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=30)
        assert _ready(port) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert json.load(r) == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()[-2000:]
    lines = [json.loads(line) for line in output.decode().splitlines() if line.strip()]
    assert {line["service"] for line in lines} == {name}
    messages = [line["msg"] for line in lines]
    assert "started" in messages and "stopping" in messages
    assert "Application shutdown complete." in messages
    assert not [line for line in lines if line["level"] == "error"], lines
