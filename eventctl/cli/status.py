"""`eventctl status`: is the platform healthy right now?"""

from __future__ import annotations

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvOption, JsonOption

DEFAULT_ENV = "dev"


def status(
    ctx: typer.Context,
    env: EnvOption = DEFAULT_ENV,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Show each service's tasks, rollout, image and targets, then the alarms in ALARM.

    Exits 0 when everything is healthy and 1 otherwise, so scripts can wait on it.

    Example:

        eventctl status --env prod

        eventctl status --json | jq '.services[] | select(.healthy | not)'
    """
    from eventctl.adapters.aws.clients import make_client
    from eventctl.adapters.aws.cloudwatch import CloudWatch
    from eventctl.adapters.aws.ecs import Ecs
    from eventctl.adapters.aws.elbv2 import LoadBalancing
    from eventctl.cli._aws import aws_target
    from eventctl.core.status import platform_status

    cli = get_app(ctx)
    cli.platform.environment(env)  # an unknown name fails here, before any AWS call
    target = aws_target(cli, env, endpoint_url)
    report = platform_status(
        cli.platform,
        env,
        ecs=Ecs(make_client("ecs", target)),
        load_balancing=LoadBalancing(make_client("elbv2", target)),
        cloudwatch=CloudWatch(make_client("cloudwatch", target)),
    )
    if json_output:
        cli.print_json(report.to_dict())
    else:
        from eventctl.cli._render_status import render_status

        render_status(cli.out, report)
    raise typer.Exit(0 if report.healthy else 1)
