"""`eventctl deploy frontend`: the built web app to the assets bucket and CloudFront."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import DryRunOption, EndpointOption, JsonOption
from eventctl.cli.deploy._options import DeployEnvOption, TimeoutOption


def frontend(
    ctx: typer.Context,
    env: DeployEnvOption,
    source: Annotated[
        Path | None,
        typer.Option(
            "--source",
            help="The build folder holding the app under the model's frontend prefix "
            "(default: frontend_dist/ of this checkout).",
            metavar="DIR",
            show_default=False,
        ),
    ] = None,
    distribution_id: Annotated[
        str | None,
        typer.Option(
            "--distribution-id",
            help="The CloudFront distribution (default: the one whose origin is the assets "
            "bucket).",
            metavar="ID",
            show_default=False,
        ),
    ] = None,
    timeout: TimeoutOption = "15m",
    dry_run: DryRunOption = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Upload the built web app to ENV's assets bucket and invalidate CloudFront.

    Each file of frontend_dist/event-planner/browser/ goes to the same key in the
    assets bucket with its Content-Type and Cache-Control (hashed names: a year,
    immutable; index.html: no-cache; the rest: five minutes). Only new or changed
    files are sent: hashed files first, index.html last, then the files the build
    no longer has are removed, then CloudFront is told to drop the paths that
    changed, and the command waits until it has. --dry-run lists the uploads and
    deletions and changes nothing.

    Example:

        eventctl deploy frontend --env dev --dry-run

        eventctl deploy frontend --env prod
    """
    import time

    from eventctl.adapters.aws import clients
    from eventctl.adapters.aws.cloudfront import CloudFront
    from eventctl.adapters.aws.s3 import S3Objects
    from eventctl.cli._aws import aws_target
    from eventctl.cli._render_deploy import render_frontend
    from eventctl.core.deploy.frontend import apply_frontend, plan_frontend
    from eventctl.core.deploy.start import aws_environment
    from eventctl.core.durations import parse_duration
    from eventctl.paths import frontend_dir

    cli = get_app(ctx)
    aws_environment(cli.platform, env, frontend=True)
    wait = parse_duration(timeout)
    target = aws_target(cli, env, endpoint_url)
    store = S3Objects(clients.make_client("s3", target))
    cdn = CloudFront(clients.make_client("cloudfront", target))
    plan = plan_frontend(
        cli.platform,
        env,
        source or frontend_dir(),
        store=store,
        cdn=cdn,
        distribution_id=distribution_id,
    )
    if not dry_run:

        def on_step(message: str) -> None:
            cli.err.print(message, highlight=False, soft_wrap=True, markup=False)

        apply_frontend(
            plan,
            store=store,
            cdn=cdn,
            timeout=wait,
            clock=time.monotonic,
            sleep=time.sleep,
            on_step=on_step,
        )
    if json_output:
        cli.print_json({**plan.to_dict(), "dry_run": dry_run})
        return
    render_frontend(cli.out, plan, dry_run=dry_run)
