"""The installed entry point as a real process: errors, debug tracebacks, startup imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventctl.cli.docs import command_paths

#: The checkout under test, not whichever copy of eventctl is installed.
CHECKOUT = str(Path(__file__).resolve().parents[2])

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
    base = {"NO_COLOR": "1", "COLUMNS": "80", "PATH": "/usr/bin:/bin", "PYTHONPATH": CHECKOUT}
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


@pytest.mark.parametrize(
    ("args", "choices"),
    [
        (("cost", "report", "--format", "yaml"), "'table', 'json', 'csv', 'markdown'"),
        (("env", "plan", "dev", "--format", "yaml"), "'table', 'json', 'markdown'"),
    ],
)
def test_a_bad_choice_is_named_with_the_choices_in_plain_words(
    args: tuple[str, ...], choices: str, tmp_path: Path
) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert f"'yaml' is not one of {choices}." in result.stderr
    assert "Value error" not in result.stderr  # the validation library's wording, not ours


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("env", "show", "nosuch", env={"EVENTCTL_DEBUG": "1"}, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "UnknownNameError" in result.stderr


def test_a_closed_stdout_ends_any_command_quietly_with_status_0(tmp_path: Path) -> None:
    """The reader of the pipe is gone before the first write (`| head` that already quit):
    one handler at the root, for every command, not a traceback and not Click's exit 1."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-c", PROBE, "env", "show", "dev", "--json"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=60,
            env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": CHECKOUT},
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr.split("HEAVY:")[0].strip() == ""
