"""`eventctl env outputs`: an environment's Terraform outputs."""

from __future__ import annotations

from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption
from eventctl.cli.env._shared import CliEvents, target


def outputs(
    ctx: typer.Context,
    env: EnvArgument,
    show_sensitive: Annotated[
        bool, typer.Option("--show-sensitive", help="Print sensitive values too.")
    ] = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Show ENV's Terraform outputs (from the state). Sensitive values stay hidden.

    Example:

        eventctl env outputs dev --json
    """
    from eventctl.cli._render_lifecycle import as_json_outputs, render_outputs
    from eventctl.core import env_lifecycle

    cli = get_app(ctx)
    found = env_lifecycle.outputs(target(cli, env, endpoint_url), CliEvents(cli, env))
    if json_output:
        cli.print_json(as_json_outputs(found, show_sensitive=show_sensitive))
    else:
        render_outputs(cli.out, found, show_sensitive=show_sensitive)
