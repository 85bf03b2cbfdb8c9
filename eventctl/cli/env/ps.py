"""`eventctl env ps`: the local environment's processes."""

from __future__ import annotations

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import JsonOption
from eventctl.cli.env._local import LocalEnvArgument, local_options, render_status


def ps(
    ctx: typer.Context,
    env: LocalEnvArgument = "local",
    json_output: JsonOption = False,
) -> None:
    """Show the local environment's processes: PID, port, status, health checked now.

    Exit code 0 when everything runs and answers, 1 otherwise (for scripts).

    For an AWS environment use `eventctl status --env dev`.

    Example:

        eventctl env ps --json
    """
    from eventctl.core import local

    cli = get_app(ctx)
    found = local.status(cli.platform, local_options(cli, env))
    if json_output:
        cli.print_json(found.to_dict() if found else {"env": env, "running": False})
    elif found is None:
        cli.out.print(f"the {env} environment is not running", highlight=False, soft_wrap=True)
    else:
        render_status(cli, found)
    if found is None or not found.healthy:
        raise typer.Exit(1)
