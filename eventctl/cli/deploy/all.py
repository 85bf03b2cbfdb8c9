"""`eventctl deploy all`: every service, in dependency order, as one release."""

from __future__ import annotations

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


def deploy_all(
    ctx: typer.Context,
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
    """Move every service to new images as one release (built from this commit and pushed,
    or found in ECR by --tag).

    Services move in dependency order from the platform model (a service after
    those it calls; those of one level together), each level waited on before
    the next. If one fails, every service this release already moved goes back
    to its previous healthy release, and the report says so service by service.
    Otherwise as `deploy service`.

    Example:

        eventctl deploy all --env dev

        eventctl deploy all --env prod --tag 3f9c2e1
    """
    from eventctl.cli.deploy._images import check_choice, images_to_roll
    from eventctl.cli.deploy._run import force_unlock as unlock
    from eventctl.cli.deploy._run import run_release
    from eventctl.cli.deploy._tools import connect
    from eventctl.core.deploy import release
    from eventctl.core.durations import parse_duration

    cli = get_app(ctx)
    cli.platform.environment(env)
    check_choice(tag, build)
    options = release.ReleaseOptions(
        timeout=parse_duration(timeout),
        roll_back=not no_rollback,
        crash_loop=crash_loop,
    )
    services = [s.name for s in cli.platform.services]
    connection = connect(cli, env, endpoint_url)
    found, options.label = images_to_roll(
        cli, connection, services, tag=tag, registry=registry, builder=builder
    )
    if force_unlock:
        unlock(cli, connection, services, yes=yes)

    def run(tools: release.ReleaseTools) -> release.ReleaseReport:
        return release.run_release(cli.platform, env, found, tools, options)

    run_release(cli, connection, run, yes=yes, json_output=json_output)
