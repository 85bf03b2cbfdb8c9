"""The installed entry point as a real process: errors, debug tracebacks, startup imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eventctl.cli.docs import command_paths

PROBE = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nHEAVY:" + ",".join(
    sorted(m for m in ("boto3", "botocore", "jinja2", "httpx", "pydantic_settings")
           if m in sys.modules))))
sys.argv = ["eventctl", *sys.argv[1:]]
from eventctl.cli.main import main
main()
"""


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {"NO_COLOR": "1", "COLUMNS": "80", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True, text=True, env=base | (env or {}), cwd=cwd, timeout=60,
    )  # fmt: skip


def heavy_modules(stderr: str) -> str:
    return stderr.rsplit("HEAVY:", 1)[1].strip()


@pytest.mark.parametrize("path", [p for p in command_paths()], ids=lambda p: " ".join(p) or "root")
def test_help_imports_no_heavy_library(path: list[str], tmp_path: Path) -> None:
    result = run(*path, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert heavy_modules(result.stderr) == ""


def test_offline_command_does_not_import_boto3(tmp_path: Path) -> None:
    result = run("env", "show", "dev", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "boto3" not in heavy_modules(result.stderr)


def test_expected_error_has_no_traceback(tmp_path: Path) -> None:
    result = run("env", "show", "nosuch", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: unknown environment 'nosuch'\nhint: known")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("env", "show", "nosuch", env={"EVENTCTL_DEBUG": "1"}, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "UnknownNameError" in result.stderr
