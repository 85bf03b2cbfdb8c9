"""`eventctl env list`: the environments, one line each."""

from __future__ import annotations

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import JsonOption


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
