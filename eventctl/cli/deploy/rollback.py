"""`eventctl deploy rollback`: a service back to an earlier release from the ledger."""

from __future__ import annotations

from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, JsonOption, YesOption
from eventctl.cli.deploy._options import (
    CrashLoopOption,
    DeployEnvOption,
    ForceUnlockOption,
    TimeoutOption,
)


def rollback(
    ctx: typer.Context,
    service: Annotated[
        str, typer.Argument(help="The service (auth or auth-service).", show_default=False)
    ],
    env: DeployEnvOption,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="The release to return to (an id from `deploy history`); default: the last "
            "healthy release before the one running now.",
            metavar="RELEASE",
            show_default=False,
        ),
    ] = None,
    timeout: TimeoutOption = "15m",
    crash_loop: CrashLoopOption = 3,
    force_unlock: ForceUnlockOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Point SERVICE back at the task definition of an earlier release, and wait.

    The release is found in the ledger; its task definition (image pinned by
    digest) is reused as it was, not rebuilt. Locked, watched and recorded like
    a deploy: if going back fails, the service returns to what it ran before.

    Example:

        eventctl deploy rollback booking --env prod

        eventctl deploy rollback booking --env prod --to 20261204T034512Z-3fa9c1
    """
    from eventctl.cli.deploy._run import force_unlock as unlock
    from eventctl.cli.deploy._run import run_release
    from eventctl.cli.deploy._tools import connect
    from eventctl.core.deploy import release
    from eventctl.core.durations import parse_duration

    cli = get_app(ctx)
    cli.platform.environment(env)
    cli.platform.service(service)
    options = release.ReleaseOptions(
        timeout=parse_duration(timeout),
        crash_loop=crash_loop,
        label=f"rollback to {to}" if to else "rollback",
    )
    connection = connect(cli, env, endpoint_url)
    if force_unlock:
        unlock(cli, connection, [service], yes=yes)

    def run(tools: release.ReleaseTools) -> release.ReleaseReport:
        return release.run_return(cli.platform, env, service, tools, options, to_release=to)

    run_release(cli, connection, run, yes=yes, json_output=json_output)
