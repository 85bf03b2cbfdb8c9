"""The local environment: the whole platform on this machine, with an AWS emulator.

`up`, `down` and `status` are the use cases; `spec` derives a run from the model, `supervisor`
runs it in the background, `provision` creates the emulator resources, `logship` ships the
services' output to CloudWatch Logs, `procs` knows processes and ports.
"""

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
