"""`eventctl env bootstrap | plan | up | down | outputs | unlock`: an environment's lifecycle.

The commands drive the real terraform binary against the S3 state backend. The Terraform root
module comes from `root_factory`, which renders it from the model; that is the one seam tests
replace (with a root of builtin `terraform_data` resources), so everything after it -- init,
plan, show, apply, destroy, output, force-unlock -- is the code operators run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import App, get_app
from eventctl.cli._options import EndpointUrlOption, EnvArgument, JsonOption, YesOption
from eventctl.cli.env import app
from eventctl.errors import EventctlError

if TYPE_CHECKING:
    from eventctl.core.state_backend import BackendReport, Connection
    from eventctl.platform import Platform

#: Produces the Terraform root module directory for (platform, env, out_dir, terraform_bin).
#: The default renders it from the model; tests assign a builtin-only root here.
RootFactory = Callable[["Platform", str, Path, "str | None"], Path]


def _render_root(platform: Platform, env: str, out_dir: Path, terraform_bin: str | None) -> Path:
    from eventctl.core.lifecycle import render_root

    return render_root(platform, env, out_dir, terraform_bin=terraform_bin)


root_factory: RootFactory = _render_root

FixOption = Annotated[
    bool, typer.Option("--fix", help="Fix the settings that differ from the expected ones.")
]
CheckOption = Annotated[
    bool,
    typer.Option(
        "--check", help="Only report: create and change nothing; exit 1 unless all is well."
    ),
]


# -- helpers ------------------------------------------------------------------------------


def _endpoint(cli: App, endpoint_url: str | None) -> str | None:
    return endpoint_url or cli.environ.get("AWS_ENDPOINT_URL") or None


def _connect(cli: App, env: str, endpoint_url: str | None) -> Connection:
    from eventctl.adapters.aws.clients import AwsTarget
    from eventctl.core.state_backend import connect

    target = AwsTarget(region=cli.platform.region, endpoint_url=_endpoint(cli, endpoint_url))
    return connect(cli.platform, env, target, locking=cli.loaded.settings.state_locking)


def _confirm(question: str, *, yes: bool) -> None:
    """Ask y/N on stderr; anything but yes changes nothing."""
    if yes:
        return
    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        agreed = False
    if not agreed:
        raise EventctlError(
            "not confirmed: nothing was changed", hint="answer y, or pass --yes (for CI)"
        )


# -- bootstrap ----------------------------------------------------------------------------


@app.command("bootstrap")
def bootstrap(
    ctx: typer.Context,
    env: EnvArgument,
    fix: FixOption = False,
    check: CheckOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointUrlOption = None,
) -> None:
    """Create or check the Terraform state backend of ENV (S3 bucket + DynamoDB lock table).

    The bucket gets versioning, default encryption, all four public-access blocks, a TLS-only
    policy and 90-day expiry of old versions; the lock table is keyed by LockID, on-demand.
    Nothing is created without confirmation (--yes answers for CI); settings that differ on
    an existing bucket are reported, and fixed only with --fix.

    Example:

        eventctl env bootstrap dev --yes
    """
    cli = get_app(ctx)
    connection = _connect(cli, env, endpoint_url)
    backend = connection.backend
    cli.err.print(
        f"state backend of {env}: account {connection.identity.account}, "
        f"region {backend.settings.region}",
        highlight=False,
    )
    report = backend.inspect()
    created: list[str] = []
    fixed: list[str] = []
    if report.missing and not check:
        _confirm(f"Create {' and '.join(report.missing)}?", yes=yes)
        created = backend.create_missing(report)
        report = backend.inspect()
    if report.drift and fix and not check:
        fixed = backend.fix(report)
        report = backend.inspect()
    for line in [*created, *fixed]:
        cli.err.print(line, highlight=False)
    if json_output:
        cli.print_json(
            {
                "environment": env,
                "account": connection.identity.account,
                **report.to_dict(),
                "created": created,
                "fixed": fixed,
            }
        )
    else:
        _print_backend_report(cli, report)
    _raise_unless_healthy(report, check=check)


def _print_backend_report(cli: App, report: BackendReport) -> None:
    from rich.table import Table

    s = report.settings
    locking = f"DynamoDB table {s.lock_table}" if s.locking == "dynamodb" else "S3 lock files"
    cli.out.print(f"state: s3://{s.bucket}/{s.key}, locking: {locking}", highlight=False)
    for resource in dict.fromkeys(c.resource for c in report.checks):
        cli.out.print(resource, highlight=False)
        table = Table("", "setting", "actual", "expected", box=None, pad_edge=False)
        for c in report.checks:
            if c.resource == resource:
                table.add_row("  ok" if c.ok else "  DIFFERS", c.setting, c.actual, c.expected)
        cli.out.print(table)
    for missing in report.missing:
        cli.out.print(f"missing: {missing}", highlight=False)


def _raise_unless_healthy(report: BackendReport, *, check: bool) -> None:
    if report.missing:
        raise EventctlError(
            f"the state backend is incomplete: missing {', '.join(report.missing)}",
            hint="run without --check to create it" if check else None,
        )
    if report.drift:
        unfixable = [c for c in report.drift if not c.fixable]
        names = ", ".join(f"{c.resource} {c.setting}" for c in report.drift)
        hint = "run again with --fix to fix them"
        if unfixable:
            hint = (
                "eventctl cannot fix "
                + ", ".join(f"{c.resource} {c.setting}" for c in unfixable)
                + ": recreate it by hand"
            )
        raise EventctlError(f"{len(report.drift)} setting(s) differ: {names}", hint=hint)
