"""`eventctl deploy history`: the release ledger of an environment."""

from __future__ import annotations

from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, JsonOption
from eventctl.cli.deploy._options import DeployEnvOption


def history(
    ctx: typer.Context,
    env: DeployEnvOption,
    service: Annotated[
        str | None,
        typer.Argument(help="Only this service (auth or auth-service).", show_default=False),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show the newest N entries (0: all).", min=0)
    ] = 20,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """The releases of ENV, newest last: release, service, image digest, git sha, who,
    when, outcome, duration.

    Read from the ledger in the state bucket (one object per entry, written once by
    every deploy, rollback and automatic rollback).

    Example:

        eventctl deploy history --env prod

        eventctl deploy history booking --env dev --json
    """
    from eventctl.cli._render_deploy import render_history
    from eventctl.cli.deploy._tools import connect

    cli = get_app(ctx)
    cli.platform.environment(env)
    name = cli.platform.service(service).name if service else None
    ledger = connect(cli, env, endpoint_url).ledger()
    ledger.check_bucket(env)
    entries = ledger.entries(name)
    shown = entries[-limit:] if limit else entries
    if json_output:
        cli.print_json([e.to_dict() for e in shown])
        return
    render_history(cli.out, env, shown)
