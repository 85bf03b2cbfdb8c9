"""The local environment: the whole platform on this machine, with an AWS emulator.

`up`, `down` and `status` are the use cases; `spec` derives a run from the model, `supervisor`
runs it in the background, `provision` creates the emulator resources, `logship` ships the
services' output to CloudWatch Logs, `procs` knows processes and ports.

The names below are imported on first use: the supervisor and the gateway, long-running
processes that import modules of this package, do not load the use cases (and the model).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventctl.core.local.runtime import (
        ComponentView,
        DownResult,
        LocalOptions,
        Progress,
        RuntimeStatus,
        UpResult,
        down,
        status,
        up,
    )
    from eventctl.core.local.spec import DataStores

_HOME = {
    "ComponentView": "runtime",
    "DataStores": "spec",
    "DownResult": "runtime",
    "LocalOptions": "runtime",
    "Progress": "runtime",
    "RuntimeStatus": "runtime",
    "UpResult": "runtime",
    "down": "runtime",
    "status": "runtime",
    "up": "runtime",
}

__all__ = [
    "ComponentView",
    "DataStores",
    "DownResult",
    "LocalOptions",
    "Progress",
    "RuntimeStatus",
    "UpResult",
    "down",
    "status",
    "up",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
