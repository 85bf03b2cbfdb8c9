"""Logs of the components a test run starts (moto, terraform), kept when a test fails.

Each run gets `artifacts/test-logs/<UTC time>-<pid>/` (gitignored; `TESTS_ARTIFACTS_DIR`
chooses another parent): the session's moto server writes `moto.log` there, and a test that
asks for `component_logs` gets a directory of its own for the logs of what it runs (terraform's
TF_LOG, for one). A failed test's report names the files kept for it. Logs of passing tests are
removed, and so is the run's directory when nothing failed, unless `TESTS_KEEP_ARTIFACTS` is
set.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS_VARIABLE = "TESTS_ARTIFACTS_DIR"
KEEP_VARIABLE = "TESTS_KEEP_ARTIFACTS"
#: terraform's log level in the tests that run it (TF_LOG); "off" runs terraform without a log.
TF_LOG_VARIABLE = "TESTS_TF_LOG"

LOGS_KEY = pytest.StashKey[list[Path]]()
REPORTS_KEY = pytest.StashKey[list[pytest.TestReport]]()
RUN_KEY = pytest.StashKey[Path]()
FAILED_KEY = pytest.StashKey[bool]()


def keep_everything() -> bool:
    return bool(os.environ.get(KEEP_VARIABLE))


def run_dir(config: pytest.Config) -> Path:
    """This test run's artifacts directory (created on first use)."""
    if RUN_KEY not in config.stash:
        base = Path(os.environ.get(ARTIFACTS_VARIABLE) or REPO_ROOT / "artifacts" / "test-logs")
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        run = base / f"{stamp}-{os.getpid()}"
        run.mkdir(parents=True, exist_ok=True)
        config.stash[RUN_KEY] = run
    return config.stash[RUN_KEY]


def keep_log(node: pytest.Item, path: Path) -> None:
    """Name `path` in the failure report of the test `node`."""
    node.stash.setdefault(LOGS_KEY, []).append(path)


def record(item: pytest.Item, report: pytest.TestReport) -> None:
    """Called for every report: remembers failures, names the kept logs in a failed report."""
    item.stash[REPORTS_KEY] = [*item.stash.get(REPORTS_KEY, []), report]
    if not report.failed:
        return
    item.config.stash[FAILED_KEY] = True
    logs = [
        found
        for path in item.stash.get(LOGS_KEY, [])
        for found in (sorted(path.iterdir()) if path.is_dir() else [path])
    ]
    if logs:
        report.sections.append(
            ("logs kept for this failure", "\n".join(str(path) for path in logs))
        )


def has_failed(node: pytest.Item) -> bool:
    return any(report.failed for report in node.stash.get(REPORTS_KEY, []))


def finish(config: pytest.Config) -> None:
    """Without a failure (and without TESTS_KEEP_ARTIFACTS), the run's logs go."""
    run = config.stash.get(RUN_KEY, None)
    if run is not None and not config.stash.get(FAILED_KEY, False) and not keep_everything():
        shutil.rmtree(run, ignore_errors=True)
        if run.parent.is_dir() and not any(run.parent.iterdir()):
            run.parent.rmdir()


def fresh_directory(node: pytest.Item) -> Path:
    """A fresh directory for the logs of test `node`."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in node.name)[:120]
    directory = run_dir(node.config) / safe
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def log_terraform(monkeypatch: pytest.MonkeyPatch, node: pytest.Item, directory: Path) -> Path:
    """Every terraform the test runs (in-process CLI, core API, subprocesses) logs to
    `directory/terraform.log` at TESTS_TF_LOG's level (DEBUG: every AWS request and answer).

    A failed test's report lists every file in `directory`: a run that logs elsewhere in it
    (`TF_LOG_PATH` of its own) is named too."""
    level = os.environ.get(TF_LOG_VARIABLE, "DEBUG")
    path = directory / "terraform.log"
    if level.lower() == "off":
        monkeypatch.delenv("TF_LOG", raising=False)
        return path
    monkeypatch.setenv("TF_LOG", level)
    monkeypatch.setenv("TF_LOG_PATH", str(path))
    keep_log(node, directory)
    return path
