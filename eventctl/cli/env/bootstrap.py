"""`eventctl env bootstrap`: create or check the Terraform state backend of an environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from eventctl.cli._app import App, get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption, YesOption
from eventctl.cli.env._shared import CheckOption, FixOption, confirm_yes_no, target
from eventctl.errors import EventctlError

if TYPE_CHECKING:
    from eventctl.core.state_backend import BackendReport


def bootstrap(
    ctx: typer.Context,
    env: EnvArgument,
    fix: FixOption = False,
    check: CheckOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Create or check the Terraform state backend of ENV (S3 bucket + DynamoDB lock table).

    Bucket: versioning, default encryption, all four public-access blocks, TLS-only policy.

    Old state versions expire after 90 days. Lock table: key LockID, on-demand billing.

    Nothing is created without confirmation (--yes answers for CI).

    Settings that differ on an existing backend are reported, and fixed only with --fix.

    Example:

        eventctl env bootstrap dev --yes
    """
    from eventctl.core.env_lifecycle import connect

    cli = get_app(ctx)
    connection = connect(target(cli, env, endpoint_url))
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
        confirm_yes_no(f"Create {' and '.join(report.missing)}?", yes=yes, prompt=not cli.ci)
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
