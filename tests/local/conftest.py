"""Fixtures for the local environment: real runs on free loopback ports, always cleaned up.

The lab itself (`LocalLab`, `make_lab`, ...) is in tests/helpers/local_lab.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.local_lab import (
    ALL_SERVICES,
    SERVICES,
    LocalLab,
    kill_all,
    make_lab,
    processes_in,
)

__all__ = ["ALL_SERVICES", "SERVICES", "LocalLab", "kill_all", "make_lab", "processes_in"]


@pytest.fixture
def local_lab(tmp_path: Path) -> Iterator[LocalLab]:
    """A local run's options (auth + event on free ports); everything is stopped afterwards."""
    lab = make_lab(tmp_path / ".eventctl" / "local")
    try:
        yield lab
    finally:
        try:
            lab.down()
        finally:
            deadline = time.monotonic() + 10
            while lab.leftovers() and time.monotonic() < deadline:
                kill_all(lab.leftovers())
                time.sleep(0.1)
