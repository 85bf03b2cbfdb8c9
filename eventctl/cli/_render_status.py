"""The human view of `eventctl status`."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eventctl.core.status import StatusReport


def render_status(out: Console, report: StatusReport) -> None:
    """A table of services, their trouble events, the alarms, and a verdict line."""
    table = Table(
        "service",
        "tasks",
        "rev",
        "image",
        "rollout",
        "targets",
        "health",
        title=f"{report.env}: {report.cluster}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        caption="tasks: running/desired +pending; targets: healthy/registered",
        caption_justify="left",
    )
    for s in report.services:
        if not s.exists:
            table.add_row(s.service, "-", "-", "-", "-", "-", "[red]missing[/]")
            continue
        total = sum(s.targets.values())
        targets = f"{s.targets.get('healthy', 0)}/{total} healthy" if total else "-"
        table.add_row(
            s.service,
            f"{s.running}/{s.desired}" + (f" +{s.pending}" if s.pending else ""),
            (s.task_definition or "-").rsplit(":", 1)[-1],
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
