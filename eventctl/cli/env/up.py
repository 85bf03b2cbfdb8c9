"""`eventctl env up`: bring an environment up (local here, dev/prod through terraform)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, JsonOption, YesOption
from eventctl.cli.env._local import ServiceOption
from eventctl.cli.env._shared import CliEvents, ConfirmOption, LockTimeoutOption, target
from eventctl.errors import EventctlError


def up(
    ctx: typer.Context,
    env: Annotated[
        str, typer.Argument(help="Environment: local (the default), dev or prod.")
    ] = "local",
    yes: YesOption = False,
    confirm: ConfirmOption = None,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan", help="Apply this saved plan (from `env plan --out`).", dir_okay=False
        ),
    ] = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
    services: ServiceOption = None,
) -> None:
    """Bring ENV up: local (the default) runs here; dev/prod apply a reviewed plan.

    local: the whole platform on this machine, in the background (see docs/local.md).

    That is an AWS emulator with the model's queues, topics, bucket and log groups, the
    services, and a gateway serving the web app and /api/*.

    dev/prod: check the state backend, plan, confirm (dev: y/N; prod: type the name).

    Then apply exactly the saved plan file, with progress, store the token signing key if its
    secret is still empty, and print the outputs.

    prod runs unattended only with --yes --confirm prod.

    Example:

        eventctl env up

        eventctl env up dev --yes
    """
    from eventctl.core import env_lifecycle

    cli = get_app(ctx)
    if cli.platform.environment(env).kind == "local":
        from eventctl.cli.env._local import up_local

        aws_only = {"--plan": plan_file, "--confirm": confirm, "--endpoint-url": endpoint_url}
        given = [flag for flag, value in aws_only.items() if value is not None]
        if given:
            raise EventctlError(
                f"{', '.join(given)}: only for the AWS environments, not {env}",
                hint=f"drop {', '.join(given)}",
            )
        up_local(cli, env, services, json_output=json_output)
        return
    if services:
        raise EventctlError(
            "--service chooses the services of the local environment only",
            hint=f"drop --service: {env} runs every service",
        )
    events = CliEvents(cli, env, yes=yes, confirm_name=confirm, show_plan=not json_output)
    options = env_lifecycle.UpOptions(plan_file=plan_file, lock_timeout=lock_timeout)
    result = env_lifecycle.up(target(cli, env, endpoint_url), options, events)

    from eventctl.cli._render_lifecycle import as_json_outputs, render_outputs

    if json_output:
        cli.print_json(
            {
                "environment": env,
                **result.planned.to_dict(),
                "applied": result.applied.to_dict() if result.applied else None,
                "outputs": as_json_outputs(result.outputs, show_sensitive=False),
            }
        )
        return
    render_outputs(cli.out, result.outputs, show_sensitive=False)
