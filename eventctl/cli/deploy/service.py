"""`eventctl deploy service`: move services to an image as one release."""

from __future__ import annotations

from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, JsonOption, YesOption
from eventctl.cli.deploy._images import BuilderOption, BuildOption, RegistryOption, TagOption
from eventctl.cli.deploy._options import (
    CrashLoopOption,
    DeployEnvOption,
    ForceUnlockOption,
    NoRollbackOption,
    TimeoutOption,
)


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
    env: DeployEnvOption,
    tag: TagOption = None,
    build: BuildOption = False,
    registry: RegistryOption = None,
    builder: BuilderOption = None,
    timeout: TimeoutOption = "15m",
    no_rollback: NoRollbackOption = False,
    crash_loop: CrashLoopOption = 3,
    force_unlock: ForceUnlockOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Roll the services out to new images as one release; roll back on failure.

    The images are built from this commit and pushed to ECR (--build, the
    default; see `eventctl images push`), or found in ECR by --tag. Each
    service gets a new task definition revision, identical to the live one
    except for the service container's image, named by digest
    (repo@sha256:...), never by a tag. Services move after those they call.
    Everything is checked, and each service's deploy lock taken, before anything
    changes; a deploy of a service another run is deploying fails at once,
    naming who and since when.

    Waiting ends when every new deployment is COMPLETED, runs its desired tasks
    and its load balancer targets are healthy (exit 0). A FAILED rollout, a
    circuit-breaker rollback, a crash loop (--crash-loop N tasks stopped the
    same way; their stop reasons and the container's last 20 log lines are
    shown) or the timeout fails the release: every service it moved goes back
    to its last healthy release, which is waited on too, and the command exits 1
    saying what failed and what runs now. --no-rollback leaves the failure in
    place. Ctrl-C asks whether to roll back (exit 130). Every release is
    recorded in the ledger (`eventctl deploy history`).

    Example:

        eventctl deploy service booking payment --env dev

        eventctl deploy service booking payment --env dev --tag 3f9c2e1

        eventctl deploy service auth --env prod -t v1.4.2 --timeout 30m --json
    """
    from eventctl.cli.deploy._images import check_choice, images_to_roll
    from eventctl.cli.deploy._run import force_unlock as unlock
    from eventctl.cli.deploy._run import run_release
    from eventctl.cli.deploy._tools import connect
    from eventctl.core.deploy import release
    from eventctl.core.durations import parse_duration

    cli = get_app(ctx)
    cli.platform.environment(env)  # an unknown name fails here, before any AWS call
    for name in services:
        cli.platform.service(name)
    check_choice(tag, build)
    options = release.ReleaseOptions(
        timeout=parse_duration(timeout),
        roll_back=not no_rollback,
        crash_loop=crash_loop,
    )
    connection = connect(cli, env, endpoint_url)
    found, options.label = images_to_roll(
        cli, connection, services, tag=tag, registry=registry, builder=builder
    )
    if force_unlock:
        unlock(cli, connection, services, yes=yes)

    def run(tools: release.ReleaseTools) -> release.ReleaseReport:
        return release.run_release(cli.platform, env, found, tools, options)

    run_release(cli, connection, run, yes=yes, json_output=json_output)
