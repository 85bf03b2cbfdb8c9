"""`eventctl deploy`: roll new images out to the ECS services."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, JsonOption

if TYPE_CHECKING:
    from eventctl.cli._app import App
    from eventctl.core.deploy import DeployResult

app = typer.Typer(
    help="Deploy: roll an image already in ECR out to the ECS services.",
    no_args_is_help=True,
)


@app.command("service")
def service(
    ctx: typer.Context,
    services: Annotated[
        list[str],
        typer.Argument(
            help="Services to deploy (auth or auth-service).",
            metavar="SERVICE",
            show_default=False,
        ),
    ],
    env: Annotated[
        str,
        typer.Option(
            "--env", "-e", help="Environment: dev or prod.", metavar="ENV", show_default=False
        ),
    ],
    image_tag: Annotated[
        str,
        typer.Option(
            "--image-tag",
            "-t",
            help="Tag of the image in each service's ECR repository.",
            metavar="TAG",
            show_default=False,
        ),
    ],
    timeout: Annotated[
        str,
        typer.Option(
            "--timeout", help="How long to wait for the rollout: 90s, 15m, 1h.", metavar="DURATION"
        ),
    ] = "15m",
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Start the rollout and return at once.")
    ] = False,
    crash_loop: Annotated[
        int,
        typer.Option(
            "--crash-loop",
            help="Stop waiting when N tasks of the new deployment stopped with the same "
            "reason (0: never).",
            metavar="N",
            min=0,
        ),
    ] = 3,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Point the services at a new task definition running the tagged image; wait for it.

    Checks that each service exists and that its ECR repository holds the tag
    before changing anything. Each service gets a new task definition revision,
    identical to the live one except for the service container's image.

    Waiting ends when the new deployment is COMPLETED, runs its desired tasks and
    its load balancer targets are healthy (exit 0); a FAILED rollout, a
    circuit-breaker rollback or the timeout exit 1. Each task of the new
    deployment that stops is shown once with its stop reason and exit codes;
    when --crash-loop N of them stopped with the same reason, waiting ends for
    that service as a crash loop (exit 1; the rollout continues in ECS until
    the circuit breaker rolls it back). Ctrl-C stops waiting (exit 130) but not
    the rollout, which carries on in ECS.

    Example:

        eventctl deploy service booking payment --env dev --image-tag 3f9c2e1

        eventctl deploy service auth --env prod -t v1.4.2 --timeout 30m --json
    """
    from eventctl.adapters.aws.clients import make_client
    from eventctl.adapters.aws.ecr import Ecr
    from eventctl.adapters.aws.ecs import Ecs
    from eventctl.adapters.aws.elbv2 import LoadBalancing
    from eventctl.cli._aws import aws_target
    from eventctl.cli._render_deploy import ProgressPrinter
    from eventctl.core.deploy import parse_duration, start_deploy, watch_deploy
    from eventctl.errors import EventctlError

    cli = get_app(ctx)
    cli.platform.environment(env)  # an unknown name fails here, before any AWS call
    wait_seconds = parse_duration(timeout)
    target = aws_target(cli, env, endpoint_url)
    ecs = Ecs(make_client("ecs", target))
    result = start_deploy(
        cli.platform, env, services, image_tag, ecs=ecs, ecr=Ecr(make_client("ecr", target))
    )
    for rollout in result.rollouts:
        cli.err.print(
            f"{rollout.service}: {rollout.previous_revision} -> {rollout.revision} "
            f"({rollout.image})",
            highlight=False,
            soft_wrap=True,
        )
    if not no_wait:
        try:
            watch_deploy(
                result,
                ecs=ecs,
                load_balancing=LoadBalancing(make_client("elbv2", target)),
                timeout=wait_seconds,
                clock=time.monotonic,
                sleep=time.sleep,
                on_poll=ProgressPrinter(cli.err),
                crash_loop=crash_loop,
            )
        except KeyboardInterrupt:
            cli.err.print(
                "stopped waiting; the rollout continues in ECS. "
                f"Watch it with: eventctl status --env {env}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(130) from None
        except EventctlError as exc:
            raise EventctlError(
                f"{exc.message} (while watching the rollout)",
                hint=f"the rollout continues in ECS; watch it with `eventctl status --env {env}`",
            ) from None
    _finish(cli, result, json_output)


def _finish(cli: App, result: DeployResult, json_output: bool) -> None:
    from eventctl.cli._render_deploy import render_result

    if json_output:
        cli.print_json(result.to_dict())
    else:
        render_result(cli.out, result)
    raise typer.Exit(0 if result.ok else 1)
