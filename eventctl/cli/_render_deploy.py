"""The human view of `eventctl deploy service`: progress on stderr, the result on stdout."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eventctl.core.deploy import (
    CRASH_LOOP,
    ROLLED_BACK,
    STARTED,
    TIMED_OUT,
    DeployResult,
    Poll,
    ServiceRollout,
    tag_of,
)


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


def render_result(out: Console, result: DeployResult) -> None:
    """One row per service, the reasons of failures, what to do next, and a verdict line."""
    table = Table(
        "service",
        "revision",
        "image",
        "outcome",
        title=f"{result.env}: {result.cluster}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for r in result.rollouts:
        colour = "green" if r.ok else "red"
        table.add_row(
            r.service,
            f"{_number(r.previous_revision)} -> {_number(r.revision)}",
            escape(result.image_tag),
            f"[{colour}]{r.outcome}[/]",
        )
    out.print(table)
    for r in result.rollouts:
        if r.detail and not r.ok:
            out.print(f"[red]{r.service}:[/] {escape(r.detail)}", highlight=False)
            out.print(f"  {escape(_next_step(result, r))}", highlight=False)
    out.print(_verdict(result))


def _next_step(result: DeployResult, r: ServiceRollout) -> str:
    watch = f"eventctl status --env {result.env}"
    if r.outcome == CRASH_LOOP and r.crash_loop:
        return (
            "eventctl stopped waiting; the rollout continues in ECS, whose circuit breaker "
            f"will roll it back to {r.previous_revision} (follow it with `{watch}`). "
            f"The container's last log lines: `{r.crash_loop['logs']}`"
        )
    if r.outcome == TIMED_OUT:
        return f"the deployment continues in ECS; watch it with `{watch}`"
    if r.outcome == ROLLED_BACK:
        return f"the service runs {_live(r)} again; see why with `{watch}`"
    previous = tag_of(r.previous_image)
    redeploy = (
        f"eventctl deploy service {r.service} --env {result.env} --image-tag {previous}"
        if previous
        else f"point the service back at {r.previous_revision}"
    )
    return f"before this deploy it ran {r.previous_revision}; to return to it: {redeploy}"


def _number(revision: str) -> str:
    """'12' of 'family:12'."""
    return revision.rsplit(":", 1)[-1]


def _live(r: ServiceRollout) -> str:
    return (r.live_task_definition or r.previous_task_definition).rsplit("/", 1)[-1]


def _verdict(result: DeployResult) -> str:
    names = ", ".join(r.service for r in result.rollouts)
    if all(r.outcome == STARTED for r in result.rollouts):
        return (
            f"{result.env}: started deploying {names} (not waiting); "
            f"watch with `eventctl status --env {result.env}`"
        )
    if result.ok:
        return f"{result.env}: [green]deployed[/] {names} ({escape(result.image_tag)})"
    bad = ", ".join(f"{r.service} {r.outcome}" for r in result.rollouts if not r.ok)
    return f"{result.env}: [red]deploy NOT done[/]: {escape(bad)}"
