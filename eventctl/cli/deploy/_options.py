"""Options the deploy commands share."""

from __future__ import annotations

from typing import Annotated

import typer

DeployEnvOption = Annotated[
    str,
    typer.Option(
        "--env", "-e", help="Environment: dev or prod.", metavar="ENV", show_default=False
    ),
]
TimeoutOption = Annotated[
    str,
    typer.Option(
        "--timeout",
        help="How long to wait for a rollout (and for a rollback): 90s, 15m, 1h.",
        metavar="DURATION",
    ),
]
NoRollbackOption = Annotated[
    bool,
    typer.Option(
        "--no-rollback", help="On failure, leave the failed deployment in place (no rollback)."
    ),
]
CrashLoopOption = Annotated[
    int,
    typer.Option(
        "--crash-loop",
        help="A rollout fails at once when N tasks of it stopped with the same reason "
        "(0: wait for ECS to decide).",
        metavar="N",
        min=0,
    ),
]
ForceUnlockOption = Annotated[
    bool,
    typer.Option(
        "--force-unlock",
        help="First remove the deploy lock a gone run left (shows the holder, asks).",
    ),
]
