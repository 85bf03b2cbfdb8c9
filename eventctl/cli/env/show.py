"""`eventctl env show`: one environment resolved with your settings."""

from __future__ import annotations

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EnvArgument, JsonOption


def show(ctx: typer.Context, env: EnvArgument, json_output: JsonOption = False) -> None:
    """Show one environment resolved with your settings: sizes, services, queues, names.

    Example:

        eventctl env show prod --json
    """
    from eventctl.core.environments import describe_environment

    cli = get_app(ctx)
    view = describe_environment(cli.platform, env)
    if json_output:
        cli.print_json(view)
        return
    from eventctl.cli._render_env import render_environment

    render_environment(cli.out, view)
