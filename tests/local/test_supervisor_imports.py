"""The supervisor and the gateway run as long as the local environment does: they import the
modules they run, not the use cases or the AWS SDK (the supervisor provisions in a child)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PROBE = (
    "import importlib, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps(sorted(sys.modules)))\n"
)


def _modules_after_import(module: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=REPO_ROOT,
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(
    "module", ["eventctl.core.local.supervisor", "eventctl.core.local.gateway"]
)
def test_long_running_processes_import_only_what_they_run(module: str) -> None:
    loaded = _modules_after_import(module)
    assert module in loaded
    assert "eventctl.core.local.runtime" not in loaded, "the use cases (up, down, status)"
    assert "eventctl.adapters.postgres" not in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("boto3", "botocore")}


def test_the_package_still_offers_the_use_cases() -> None:
    from eventctl.core import local
    from eventctl.core.local import runtime

    assert local.up is runtime.up and local.LocalOptions is runtime.LocalOptions
    with pytest.raises(AttributeError):
        _ = local.nothing_of_the_kind
