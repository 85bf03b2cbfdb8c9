"""The human view of `eventctl status`."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eventctl.core.status import StatusReport


def render_status(out: Console, report: StatusReport) -> None:
    """A table of services, their trouble events, the alarms, and a verdict line."""
    table = Table(
        "service",
        "tasks run/want/pend",
        "task def",
        "image",
        "rollout",
        "targets",
        "health",
        title=f"{report.env}: {report.cluster}",
        title_justify="left",
    )
    for s in report.services:
        if not s.exists:
            table.add_row(s.service, "-", "-", "-", "-", "-", "[red]missing[/]")
            continue
        targets = ", ".join(f"{n} {state}" for state, n in sorted(s.targets.items())) or "-"
        table.add_row(
            s.service,
            f"{s.running}/{s.desired}/{s.pending}",
            escape(s.task_definition or "-"),
            escape(s.image_tag or "-"),
            s.rollout or "-",
            targets,
            "[green]ok[/]" if s.healthy else "[red]NOT ok[/]",
        )
    out.print(table)
    for s in report.services:
        for problem in s.problems:
            out.print(f"[red]{s.service}:[/] {escape(problem)}", highlight=False)
        for event in s.trouble:
            out.print(f"  [dim]{event.at}[/] {escape(event.message)}", highlight=False)
    if report.alarms:
        alarms = Table("alarm", "since", "reason", title="Alarms in ALARM", title_justify="left")
        for alarm in report.alarms:
            alarms.add_row(
                escape(alarm["name"]), str(alarm["since"] or "-"), escape(alarm["reason"])
            )
        out.print(alarms)
    else:
        out.print("no alarm in ALARM")
    verdict = "[green]healthy[/]" if report.healthy else "[red]NOT healthy[/]"
    out.print(f"{report.env}: {verdict}")
