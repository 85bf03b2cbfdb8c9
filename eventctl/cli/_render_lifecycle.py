"""Rich renderings for the lifecycle commands: plan summaries, losses, outputs, progress."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from eventctl.adapters.terraform import LockInfo
    from eventctl.core.lifecycle import ApplyProgress, Output, PlanResult
    from eventctl.core.plan_summary import Loss

_VERBS = {"create": "create", "update": "change", "replace": "replace", "delete": "destroy"}


def render_plan(out: Console, env: str, planned: PlanResult) -> None:
    """The plan as a table grouped by module and resource type, drift called out."""
    summary = planned.summary
    kind = "Destroy plan" if summary.destroy else "Plan"
    out.print(f"[bold]{kind} for {escape(env)}:[/] {summary.line()}", highlight=False)
    if summary.groups:
        table = Table("module", "resource type", *_VERBS.values(), box=None, pad_edge=False)
        for group in summary.groups:
            table.add_row(
                escape(group.module),
                escape(group.type),
                *[_count(group.counts.get(action, 0)) for action in _VERBS],
            )
        out.print(table)
    risky = [c for c in summary.changes if c.action in ("replace", "delete")]
    if risky and not summary.destroy:
        out.print("[bold]Replaced or destroyed:[/]")
        for change in risky:
            reason = f" ({change.reason.replace('_', ' ')})" if change.reason else ""
            out.print(f"  {change.action:8} {escape(change.address)}{reason}", highlight=False)
    other = sorted({c.action for c in summary.changes} - set(_VERBS))
    for action in other:
        addresses = [c.address for c in summary.changes if c.action == action]
        out.print(f"  {action}: {escape(', '.join(addresses))}", highlight=False)
    if summary.drift:
        out.print("[bold yellow]Changed outside Terraform[/] (the plan puts these back):")
        for change in summary.drift:
            what = "deleted" if change.action == "delete" else "modified"
            out.print(f"  {what:8} {escape(change.address)}", highlight=False)
    if summary.outputs:
        outputs = ", ".join(f"{n} ({a})" for n, a in sorted(summary.outputs.items()))
        out.print(f"outputs: {escape(outputs)}", highlight=False)
    if not planned.has_changes and summary.destroy:
        out.print(f"Nothing to destroy in {escape(env)}.")
    elif not planned.has_changes:
        out.print(f"No changes: {escape(env)} matches the configuration.")


def _count(n: int) -> str:
    return str(n) if n else "-"


def render_losses(out: Console, losses: list[Loss]) -> None:
    """What a destroy takes away for good."""
    if not losses:
        out.print("Nothing that holds data is destroyed.")
        return
    out.print("[bold red]What will be lost:[/]")
    table = Table("kind", "name", "what survives / what it holds", box=None, pad_edge=False)
    for loss in losses:
        table.add_row(escape(loss.kind), escape(loss.name), escape(_loss_detail(loss)))
    out.print(table)


def _loss_detail(loss: Loss) -> str:
    parts: list[str] = []
    if loss.snapshot is True:
        parts.append(f"final snapshot {loss.snapshot_name}")
    elif loss.snapshot is False:
        parts.append("NO final snapshot: its data is gone")
    if loss.type in ("aws_s3_bucket", "aws_ecr_repository"):
        if loss.empty is True:
            parts.append("empty")
        elif loss.contents:
            parts.append(f"{loss.contents} deleted with it" if loss.force else loss.contents)
        else:
            parts.append("contents unknown")
    if loss.note:
        parts.append(loss.note)
    if loss.blocker:
        parts.append(f"BLOCKS THE DESTROY: {loss.blocker}")
    return "; ".join(parts) or "-"


def render_outputs(out: Console, outputs: list[Output], *, show_sensitive: bool) -> None:
    if not outputs:
        out.print("no outputs (nothing applied yet)")
        return
    table = Table("output", "value", box=None, pad_edge=False)
    for output in outputs:
        if output.sensitive and not show_sensitive:
            value = "(sensitive: --show-sensitive)"
        elif isinstance(output.value, str):
            value = output.value
        else:
            value = json.dumps(output.value)
        table.add_row(escape(output.name), escape(value))
    out.print(table)


def describe_lock(lock: LockInfo, now: datetime | None = None) -> list[tuple[str, str]]:
    """(label, value) rows: who, operation, since when (and how long ago), id, path."""
    since = "unknown"
    if lock.created:
        age = (now or datetime.now(UTC)) - lock.created
        since = f"{lock.created:%Y-%m-%d %H:%M:%S} UTC ({_ago(age.total_seconds())})"
    return [
        ("who", lock.who or "unknown"),
        ("operation", lock.action),
        ("since", since),
        ("lock id", lock.id),
        ("state", lock.path),
        ("terraform", lock.version or "unknown"),
    ]


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return f"{seconds} seconds ago"


class ApplyDisplay:
    """Progress of an apply on stderr: a live line on a terminal, else a line per change."""

    def __init__(self, err: Console, verb: str) -> None:
        self.err = err
        self.verb = verb
        self.latest: ApplyProgress | None = None
        self.started = time.monotonic()
        self.live: Live | None = None

    def __enter__(self) -> ApplyDisplay:
        if self.err.is_terminal:
            self.live = Live(self, console=self.err, transient=True, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def update(self, progress: ApplyProgress) -> None:
        self.latest = progress
        if self.live is None:
            self.err.print(
                f"[{progress.done}/{progress.total}] {progress.message}",
                highlight=False,
                markup=False,
            )

    def __rich__(self) -> Text:
        elapsed = int(time.monotonic() - self.started)
        clock = f"{elapsed // 60:02d}:{elapsed % 60:02d}"
        if self.latest is None:
            return Text(f"{self.verb}: starting ({clock})")
        p = self.latest
        flying = ", ".join(p.in_flight[:3]) + (" ..." if len(p.in_flight) > 3 else "")
        line = f"{self.verb}: {p.done}/{p.total} done, {clock} elapsed"
        return Text(line + (f"; in flight: {flying}" if flying else ""))


def as_json_outputs(outputs: list[Output], *, show_sensitive: bool) -> dict[str, Any]:
    return {
        o.name: {k: v for k, v in o.to_dict(show_sensitive=show_sensitive).items() if k != "name"}
        for o in outputs
    }
