"""`eventctl env plan`: plan an AWS environment and summarise the saved plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption
from eventctl.cli.env._shared import CliEvents, LockTimeoutOption, target


def plan(
    ctx: typer.Context,
    env: EnvArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Save the plan here (for `env up --plan`).", dir_okay=False),
    ] = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Plan ENV: render, terraform init with the state backend, plan -out, summarise.

    The summary is read from `terraform show -json` of the saved plan, never from its text.

    It counts changes by module and resource type, and calls out drift (changes made outside).

    Exit code: 0 when there is nothing to change, 2 when there are changes, 1 on error.

    Example:

        eventctl env plan dev --out dev.tfplan --json
    """
    from eventctl.core import env_lifecycle

    cli = get_app(ctx)
    options = env_lifecycle.PlanOptions(out=out, lock_timeout=lock_timeout)
    planned = env_lifecycle.plan(target(cli, env, endpoint_url), options, CliEvents(cli, env))
    if json_output:
        cli.print_json({"environment": env, **planned.to_dict()})
    else:
        from eventctl.cli._render_lifecycle import render_plan

        render_plan(cli.out, env, planned)
        if out is not None:
            cli.err.print(f"plan saved to {planned.plan_file}", highlight=False)
    if planned.has_changes:
        raise typer.Exit(2)
