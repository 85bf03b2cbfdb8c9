"""`eventctl env plan`: plan an AWS environment and summarise the saved plan."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption
from eventctl.cli.env._shared import CliEvents, LockTimeoutOption, target


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def plan(
    ctx: typer.Context,
    env: EnvArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Save the plan here (for `env up --plan`).", dir_okay=False),
    ] = None,
    output_format: Annotated[
        PlanFormat,
        typer.Option(
            "--format",
            help="table, json, or markdown (a pull-request comment: no values, size-capped).",
        ),
    ] = PlanFormat.table,
    max_chars: Annotated[
        int,
        typer.Option(
            "--max-chars",
            min=2000,
            help="markdown: at most this many characters (GitHub's comment limit by default).",
        ),
    ] = 65_536,
    full_plan: Annotated[
        str | None,
        typer.Option(
            "--full-plan",
            help="markdown: where readers find the whole plan (named in the summary).",
            show_default=False,
        ),
    ] = None,
    text_out: Annotated[
        Path | None,
        typer.Option(
            "--text-out",
            help="Also write the whole plan as terraform shows it (sensitive values masked).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Plan ENV: render, terraform init with the state backend, plan -out, summarise.

    The summary is read from `terraform show -json` of the saved plan, never from its text.

    It counts changes by module and resource type, and calls out drift (changes made outside).

    A plan saved with --out records its environment and the state it was made against:

    `env up --plan` refuses it anywhere else, or once that state has changed.

    Exit code: 0 when there is nothing to change, 2 when there are changes, 1 on error.

    Example:

        eventctl env plan dev --out dev.tfplan --json

        eventctl env plan prod --out prod.tfplan --format markdown > prod-plan.md
    """
    from eventctl.core import env_lifecycle

    cli = get_app(ctx)
    options = env_lifecycle.PlanOptions(out=out, lock_timeout=lock_timeout, text_out=text_out)
    planned = env_lifecycle.plan(target(cli, env, endpoint_url), options, CliEvents(cli, env))
    if json_output or output_format is PlanFormat.json:
        cli.print_json({"environment": env, **planned.to_dict()})
    elif output_format is PlanFormat.markdown:
        from eventctl.core.plan_summary import to_markdown

        text = to_markdown(planned.summary, env, limit=max_chars, full_plan=full_plan)
        typer.echo(text, nl=False)
    else:
        from eventctl.cli._render_lifecycle import render_plan

        render_plan(cli.out, env, planned)
        if out is not None:
            cli.err.print(f"plan saved to {planned.plan_file}", highlight=False)
    if planned.has_changes:
        raise typer.Exit(2)
