"""Shared fixtures: real components started on 127.0.0.1, skipped with a reason when absent."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import artifacts
from tests.helpers.net import REPO_ROOT, free_port, wait_for_port

__all__ = ["REPO_ROOT", "free_port", "wait_for_port"]

#: Set by .ci/run: the CI machine has every component (terraform, moto, PostgreSQL, Redis,
#: chromium, checkov), so a test that skips there hides a broken install; it fails instead.
NO_SKIP_VARIABLE = "TESTS_REQUIRE_COMPONENTS"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get(NO_SKIP_VARIABLE):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"skipped where {NO_SKIP_VARIABLE} is set (CI has every component): {reason}"
        )
    artifacts.record(item, report)


def pytest_sessionfinish(session: pytest.Session) -> None:
    artifacts.finish(session.config)


@pytest.fixture
def component_logs(request: pytest.FixtureRequest) -> Iterator[Path]:
    """A directory for the logs of what this test runs (see tests/helpers/artifacts.py);
    removed when the test passes, named in its report when it fails."""
    directory = artifacts.fresh_directory(request.node)
    yield directory
    if not artifacts.has_failed(request.node) and not artifacts.keep_everything():
        shutil.rmtree(directory, ignore_errors=True)


class MotoServer:
    """A moto server process on a loopback port; `reset()` empties it between tests."""

    def __init__(self, port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.port = port
        self.process = process
        self.log_path = log_path
        self.endpoint_url = f"http://127.0.0.1:{port}"

    def mark(self, text: str) -> None:
        """A line in the server's log (appended, as the server writes), to find a test's part."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"===== {stamp} UTC {text} =====\n")

    def reset(self) -> None:
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def client(self, service: str, region: str = "eu-west-1"):  # type: ignore[no-untyped-def]
        """A boto3 client pointed at this server with dummy credentials."""
        import boto3

        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    @property
    def environ(self) -> dict[str, str]:
        """Variables that point AWS SDKs (and Terraform's S3 backend) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }


#: `werkzeug` serves moto with `moto_server` itself (its development server), to compare.
MOTO_SERVER_VARIABLE = "TESTS_MOTO_SERVER"


def _moto_command(port: int) -> list[str]:
    """moto's application served by uvicorn, or by `moto_server` when asked (see
    tests/helpers/moto_app.py for why not by default)."""
    if os.environ.get(MOTO_SERVER_VARIABLE) == "werkzeug":
        executable = shutil.which(
            "moto_server", path=str(Path(sys.executable).parent)
        ) or shutil.which("moto_server")
        if executable is None:
            pytest.skip("moto_server is not installed (pip install 'moto[server]')")
        return [executable, "-H", "127.0.0.1", "-p", str(port)]
    for module in ("moto.server", "flask", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'moto[server]' uvicorn)")
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--interface",
        "wsgi",
        "--factory",
        "tests.helpers.moto_app:create_app",
        "--app-dir",
        str(REPO_ROOT),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


@pytest.fixture(scope="session")
def moto_server_session(request: pytest.FixtureRequest) -> Iterator[MotoServer]:
    """One moto server for the run; its output (one line per request) goes to `moto.log` in
    the run's artifacts directory, with a line marking where each test begins."""
    port = free_port()
    command = _moto_command(port)
    log_path = artifacts.run_dir(request.config) / "moto.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MOTO_PORT": str(port)},
        )
    try:
        wait_for_port(port)
        yield MotoServer(port, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def moto_server(moto_server_session: MotoServer, request: pytest.FixtureRequest) -> MotoServer:
    """The session's moto server, emptied before the test."""
    moto_server_session.mark(f"{request.node.nodeid} starts")
    artifacts.keep_log(request.node, moto_server_session.log_path)
    moto_server_session.reset()
    return moto_server_session


@pytest.fixture
def terraform_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The terraform binary; skips when absent. TF_CLI_CONFIG_FILE points at an empty file."""
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform binary not found on PATH")
    return path


@pytest.fixture(autouse=True)
def _quiet_terraform_config(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Terraform warns on every command when its CLI config is missing: give it an empty one."""
    config = tmp_path_factory.getbasetemp() / "terraformrc"
    if not config.exists():
        config.write_text("")
    os.environ.setdefault("TF_CLI_CONFIG_FILE", str(config))


class CliResult:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self) -> str:
        return (
            f"CliResult(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"
        )


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `eventctl ARGS` in-process, in an empty working directory, NO_COLOR and 80 columns.

    `env` adds variables for this run only (EVENTCTL_*, AWS_*). `CI` is cleared (the CI
    run sets it, and with it eventctl never prompts): a test that wants CI behaviour sets it.
    """
    from typer.testing import CliRunner

    from eventctl.cli.main import app

    monkeypatch.chdir(tmp_path)

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> CliResult:
        environ = {"NO_COLOR": "1", "COLUMNS": "80", "TERM": "dumb", "CI": "", **(env or {})}
        runner = CliRunner()
        result = runner.invoke(app, list(args), env=environ, input=input, prog_name="eventctl")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture(scope="session")
def image_lab(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """An image store in a temp dir with one base image, and a clean clone to build from
    (tests/helpers/images.py); skips naming the tools when buildah & co. are missing."""
    from tests.helpers.images import lab_fixture

    yield from lab_fixture(tmp_path_factory, request.config.cache)
