"""Running a release from a command: locks forced open if asked, Ctrl-C, the report, the exit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from eventctl.cli._app import App
    from eventctl.cli.deploy._tools import Connection
    from eventctl.core.deploy.release import ReleaseReport, ReleaseTools


def force_unlock(cli: App, connection: Connection, services: Sequence[str], *, yes: bool) -> None:
    """Show who holds each service's deploy lock and, confirmed, remove it."""
    from eventctl.errors import EventctlError

    locks = connection.locks()
    env = connection.names.env
    for name in services:
        service = cli.platform.service(name)
        holder = locks.holder(service)
        if holder is None:
            cli.err.print(f"{service.name}: no deploy lock held", highlight=False)
            continue
        cli.err.print(
            f"{service.name} in {env} is locked by {holder.who} since {holder.since} "
            f"({holder.operation}, release {holder.release or '?'})",
            highlight=False,
            soft_wrap=True,
        )
        if not yes and not _ask("Remove this lock? Only do so if that run is gone.", False):
            raise EventctlError(
                "not confirmed: nothing was changed", hint="answer y, or pass --yes (for CI)"
            )
        if not locks.force_unlock(service, holder):
            raise EventctlError(
                f"the deploy lock of {service.name} changed hands meanwhile: nothing was removed",
                hint="check who holds it now and try again",
            )
        cli.err.print(f"{service.name}: removed the lock of {holder.who}", highlight=False)


def _ask(question: str, default: bool) -> bool:
    try:
        return bool(typer.confirm(question, default=default, err=True))
    except (typer.Abort, KeyboardInterrupt, EOFError):
        return False


def interrupt_question(cli: App, *, yes: bool) -> Callable[[], bool]:
    """What Ctrl-C while waiting does: ask whether to roll back (--yes: roll back)."""

    def ask() -> bool:
        cli.err.print("\ninterrupted while waiting for the rollout", highlight=False)
        if yes:
            return True
        return _ask("Roll back the services this release moved?", True)

    return ask


def run_release(
    cli: App,
    connection: Connection,
    run: Callable[[ReleaseTools], ReleaseReport],
    *,
    yes: bool,
    json_output: bool,
) -> None:
    """Build the tools, run, render the report; exit 0 only when the release is healthy."""
    from eventctl.cli._render_deploy import ProgressPrinter, render_release
    from eventctl.cli.deploy._tools import release_tools

    def on_step(message: str) -> None:
        cli.err.print(message, highlight=False, soft_wrap=True)

    tools = release_tools(
        connection,
        on_poll=ProgressPrinter(cli.err),
        on_step=on_step,
        on_interrupt=interrupt_question(cli, yes=yes),
    )
    try:
        report = run(tools)
    except KeyboardInterrupt:
        env = connection.names.env
        cli.err.print(
            "interrupted again: stopped waiting. What runs now: "
            f"`eventctl status --env {env}`; the ledger was not written for this release",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(130) from None
    if json_output:
        cli.print_json(report.to_dict())
    else:
        render_release(cli.out, report)
    if report.interrupted:
        raise typer.Exit(130)
    raise typer.Exit(0 if report.ok else 1)
