"""The human view of `eventctl deploy`: progress on stderr, reports on stdout."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eventctl.core.deploy.frontend import FrontendPlan
from eventctl.core.deploy.ledger import LedgerEntry
from eventctl.core.deploy.release import ReleaseReport, ServiceRelease
from eventctl.core.deploy.state import SUCCEEDED, Poll, ServiceRollout


class ProgressPrinter:
    """Prints a service's line when it changes, and each new trouble event and stopped task
    of the new deployment once."""

    def __init__(self, err: Console) -> None:
        self.err = err
        self.last: dict[str, str] = {}

    def __call__(self, poll: Poll) -> None:
        if poll.throttled_for is not None:
            self.err.print(
                f"[yellow]AWS is throttling; next look in {poll.throttled_for:.0f} s[/]",
                highlight=False,
                soft_wrap=True,
            )
        for rollout in poll.rollouts:
            line = progress_line(rollout)
            if self.last.get(rollout.service) != line:
                self.last[rollout.service] = line
                self.err.print(escape(line), highlight=False, soft_wrap=True)
        for service, event in poll.new_events:
            self.err.print(
                f"  [yellow]{service}:[/] [dim]{event.at}[/] {escape(event.message)}",
                highlight=False,
                soft_wrap=True,
            )
        for service, task in poll.stopped_tasks:
            self.err.print(
                f"  [yellow]{service}:[/] task {task.task_id[:8]} stopped: {escape(task.summary)}",
                highlight=False,
                soft_wrap=True,
            )


def progress_line(r: ServiceRollout) -> str:
    """'auth rev 8 IN_PROGRESS desired 2 running 1 pending 1 failed 0 targets 1/2 healthy'."""
    parts = [
        r.service,
        f"rev {_number(r.revision)}",
        r.rollout or "-",
        f"desired {r.desired} running {r.running} pending {r.pending} failed {r.failed_tasks}",
    ]
    if r.targets:
        parts.append(f"targets {r.targets.get('healthy', 0)}/{sum(r.targets.values())} healthy")
    if r.finished:
        parts.append(f"-> {r.outcome}")
    return "  ".join(parts)


def render_release(out: Console, report: ReleaseReport) -> None:
    """One row per service (outcome, rollback, what runs now), then why each failure
    happened, the crash logs, and a verdict line."""
    table = Table(
        "service",
        "revision",
        "outcome",
        "rollback",
        "runs now",
        title=f"{report.env}: release {report.release_id} ({escape(report.label)})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for s in report.services:
        table.add_row(
            s.service,
            _revisions(s),
            _coloured(s.outcome),
            _coloured(s.rollback.outcome) if s.rollback else "-",
            _number(s.running) if s.running else "-",
        )
    out.print(table)
    for s in report.services:
        _explain_failure(out, report, s)
    for s in report.services:
        _explain_rollback(out, report, s)
    if report.rollback_error:
        out.print(
            f"[red]rollback:[/] {escape(report.rollback_error)}; see what runs with "
            f"`eventctl status --env {report.env}`",
            highlight=False,
        )
    if report.ledger_error:
        out.print(f"[yellow]ledger:[/] {escape(report.ledger_error)}", highlight=False)
    out.print(_verdict(report), highlight=False)


def _coloured(outcome: str) -> str:
    if outcome == SUCCEEDED:
        return f"[green]{outcome}[/]"
    return outcome if outcome == "not started" else f"[red]{outcome}[/]"


def _revisions(s: ServiceRelease) -> str:
    if s.rollout is None:
        return "-"
    return f"{_number(s.rollout.previous_revision)} -> {_number(s.rollout.revision)}"


def _explain_failure(out: Console, report: ReleaseReport, s: ServiceRelease) -> None:
    """Why the move of `s` failed, with the crashing container's last lines."""
    if s.error:
        out.print(f"[red]{s.service}:[/] {escape(s.error)}", highlight=False)
    rollout = s.rollout
    if rollout is not None and rollout.outcome != SUCCEEDED and rollout.detail:
        out.print(f"[red]{s.service}:[/] {escape(rollout.detail)}", highlight=False)
    if s.crash_logs:
        out.print(f"  last {len(s.crash_logs)} log lines of the crashing container:")
        for event in s.crash_logs:
            out.print(f"    {escape(event.message)}", highlight=False, markup=False)
    elif s.crash_logs_note:
        out.print(f"  ({escape(s.crash_logs_note)})", highlight=False)


def _explain_rollback(out: Console, report: ReleaseReport, s: ServiceRelease) -> None:
    """Where `s` went back to, or that the failure was left in place."""
    rollout = s.rollout
    back = s.rollback
    if back is None:
        if rollout is not None and rollout.outcome != SUCCEEDED:
            out.print(
                f"  left in place (no rollback); it ran {rollout.previous_revision} before. "
                f"Go back with `eventctl deploy rollback {s.service} --env {report.env}`",
                highlight=False,
            )
        return
    if back.outcome == SUCCEEDED:
        out.print(f"  {s.service}: rolled back to {back.revision}, healthy again", highlight=False)
    else:
        out.print(
            f"  [red]{s.service}: the rollback to {back.revision} {back.outcome} too:[/] "
            f"{escape(back.detail)}. See `eventctl status --env {report.env}`",
            highlight=False,
        )


def _number(revision: str) -> str:
    """'12' of 'family:12'."""
    return revision.rsplit(":", 1)[-1]


def _verdict(report: ReleaseReport) -> str:
    names = ", ".join(s.service for s in report.services)
    if report.ok:
        return f"{report.env}: [green]deployed[/] {names} ({escape(report.label)})"
    failed = ", ".join(f"{s.service} {s.outcome}" for s in report.failed) or "interrupted"
    line = f"{report.env}: [red]deploy NOT done[/]: {escape(failed)}"
    back = report.rolled_back
    if back:
        state = "all healthy again" if report.rollback_ok else "[red]NOT all healthy[/]"
        runs = ", ".join(f"{s.service} {s.running}" for s in back)
        line += f"; rolled back {len(back)} service(s), {state}; running now: {runs}"
    return line


def render_history(out: Console, env: str, entries: list[LedgerEntry]) -> None:
    """One row per ledger entry, oldest first (the release id is its start time, UTC)."""
    if not entries:
        out.print(f"{env}: no releases recorded yet", highlight=False)
        return
    table = Table(
        title=f"{env}: releases (--json: digests, task definitions, git sha, times)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("release", no_wrap=True, min_width=23)
    for column in ("service", "rev", "kind", "outcome", "took", "who"):
        table.add_column(column, no_wrap=column != "who")
    for e in entries:
        table.add_row(
            e.release_id,
            e.service,
            _number(e.revision),
            "auto-back" if e.kind == "automatic rollback" else e.kind,
            _coloured(e.outcome),
            "-" if e.step == 0 else f"{e.duration_seconds:.0f}s",  # step 0: no end yet
            e.who.rsplit("/", 1)[-1],
        )
    out.print(table)


def render_frontend(out: Console, plan: FrontendPlan, *, dry_run: bool) -> None:
    """The uploads and deletions (what would happen, with --dry-run), then a summary."""
    verb = "would upload" if dry_run else "uploaded"
    for upload in plan.uploads:
        out.print(
            f"{verb} {upload.key} ({upload.reason}; {upload.content_type}; {upload.cache_control})",
            highlight=False,
            markup=False,
        )
    for key in plan.deletions:
        out.print(f"{'would delete' if dry_run else 'deleted'} {key}", highlight=False)
    summary = (
        f"{plan.env}: {len(plan.uploads)} to upload, {len(plan.deletions)} to delete, "
        f"{plan.unchanged} unchanged in s3://{plan.bucket}/{plan.prefix}/"
    )
    if dry_run:
        paths = ", ".join(plan.invalidation_paths) or "nothing"
        out.print(f"{summary}; would invalidate {paths} on {plan.distribution_id}", highlight=False)
        out.print("dry run: nothing was changed", highlight=False)
        return
    invalidated = (
        f"invalidation {plan.invalidation_id} of {len(plan.invalidation_paths)} path(s) "
        f"completed in {plan.waited_seconds:.0f}s"
        if plan.invalidation_id
        else "nothing to invalidate"
    )
    out.print(f"{summary.replace(' to ', ' ')}; {invalidated}", highlight=False)
