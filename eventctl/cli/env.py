"""`eventctl env`: the environments and their lifecycle."""

from __future__ import annotations

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EnvArgument, JsonOption

app = typer.Typer(
    help="Environments: list them, show one resolved with your settings.",
    no_args_is_help=True,
)


@app.command("list")
def list_(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List the environments with a one-line summary each.

    Example:

        eventctl env list
    """
    from eventctl.core.environments import list_environments

    cli = get_app(ctx)
    rows = list_environments(cli.platform)
    if json_output:
        cli.print_json(rows)
        return
    from rich.table import Table

    table = Table("name", "kind", "summary", box=None, pad_edge=False)
    for row in rows:
        table.add_row(row["name"], row["kind"], row["summary"])
    cli.out.print(table)


@app.command("show")
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
    from eventctl.cli._render import render_environment

    render_environment(cli.out, view)
