"""`eventctl env down`: destroy an environment (or stop the local one)."""

from __future__ import annotations

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption, YesOption
from eventctl.cli.env._shared import CliEvents, ConfirmOption, LockTimeoutOption, target


def down(
    ctx: typer.Context,
    env: EnvArgument,
    yes: YesOption = False,
    confirm: ConfirmOption = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Destroy ENV: plan a destroy, list what will be lost, confirm, apply that plan.

    local: stop everything `env up` started (by PID, only processes it started).

    Lists databases and clusters (final snapshot or not), buckets and repositories (contents).

    A destroy that would stop halfway (deletion protection, a full bucket) is refused.

    So is a prod destroy that would skip a final snapshot.

    prod requires its name typed (or --confirm prod).

    Example:

        eventctl env down dev
    """
    from eventctl.core import env_lifecycle

    cli = get_app(ctx)
    if cli.platform.environment(env).kind == "local":
        from eventctl.cli.env._local import down_local

        down_local(cli, env, json_output=json_output)
        return
    events = CliEvents(cli, env, yes=yes, confirm_name=confirm, show_plan=not json_output)
    options = env_lifecycle.DownOptions(lock_timeout=lock_timeout)
    result = env_lifecycle.down(target(cli, env, endpoint_url), options, events)
    if json_output:
        cli.print_json(
            {
                "environment": env,
                **result.planned.to_dict(),
                "losses": [loss.to_dict() for loss in result.losses],
                "applied": result.applied.to_dict() if result.applied else None,
            }
        )
