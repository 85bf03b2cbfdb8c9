"""A release: move services to new images as one unit, go back by itself when it fails.

`run_release` takes the images to roll out as data (`images.ReleaseImage`: from ECR by tag, or
just built and pushed), and:

1. checks the ledger bucket and the lock table, then takes every service's deploy lock (all or
   none: a deploy of one service while another runs fails at once, naming the holder);
2. reads every service's live task definition before changing anything;
3. moves the services in dependency order (the model's `calls`: a service moves after those it
   calls), each level at once, and waits with the health-gated watcher; as a level starts,
   each of its services gets a step-0 ledger entry (so a deploy killed in the wait is still
   in the ledger);
4. on any failure (failed rollout, circuit-breaker rollback, crash loop, timeout, a failed
   call, Ctrl-C when the caller says so) points every service this release moved back at the
   last release that was healthy, and waits for that to be healthy too;
5. records one ledger entry per service and step, and gives the locks back.

`run_return` is the same with an earlier registered revision instead of a new image
(`deploy rollback`). Nothing here prints: progress reaches the caller through callbacks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from eventctl.adapters.aws.ecs import Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.core.deploy.crash_logs import last_lines
from eventctl.core.deploy.images import ReleaseImage
from eventctl.core.deploy.ledger import (
    AUTOMATIC_ROLLBACK,
    DEPLOY,
    ROLLBACK,
    Ledger,
    LedgerEntry,
    earlier_healthy,
    new_release_id,
    rollback_target,
    utc_iso,
)
from eventctl.core.deploy.lock import DeployLocks
from eventctl.core.deploy.start import (
    RolloutPlan,
    aws_environment,
    plan_return,
    plan_rollouts,
    primary_deployment_id,
    service_container,
)
from eventctl.core.deploy.state import (
    CRASH_LOOP,
    FAILED,
    IN_PROGRESS,
    INTERRUPTED,
    SUCCEEDED,
    DeployResult,
    Poll,
    ServiceRollout,
    revision_of,
)
from eventctl.core.deploy.watch import DEFAULT_CRASH_LOOP, POLL_SECONDS, watch_deploy
from eventctl.core.logs import LogEvent, PageSource
from eventctl.errors import EventctlError
from platform_model import Platform, Service

NOT_STARTED = "not started"


@dataclass
class ReleaseOptions:
    """How a release is run."""

    timeout: float
    roll_back: bool = True
    crash_loop: int = DEFAULT_CRASH_LOOP
    interval: float = POLL_SECONDS
    label: str = ""
    """where the images came from, for people: 'tag v2', 'build 3f9c2e1'"""
    force_unlock: bool = False


@dataclass
class ReleaseTools:
    """The AWS adapters, the identity, the clocks and the callbacks a release uses."""

    ecs: Ecs
    load_balancing: LoadBalancing
    ledger: Ledger
    locks: DeployLocks
    who: str
    """the caller's ARN (STS)"""
    logs: PageSource | None = None
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    on_poll: Callable[[Poll], None] | None = None
    on_step: Callable[[str], None] | None = None
    """progress messages: 'moving auth, event', 'rolling auth back to auth:7'"""
    on_interrupt: Callable[[], bool] | None = None
    """Ctrl-C while waiting: True to roll back (the default without a callback)"""


@dataclass
class ServiceRelease:
    """One service's part of a release."""

    service: str
    rollout: ServiceRollout | None = None
    rollback: ServiceRollout | None = None
    error: str | None = None
    """a call that failed while starting this service's rollout"""
    crash_logs: list[LogEvent] = field(default_factory=list)
    crash_logs_note: str | None = None
    started_at: float = 0.0
    finished_at: float = 0.0
    git_sha: str | None = None

    @property
    def moved(self) -> bool:
        return self.rollout is not None

    @property
    def outcome(self) -> str:
        """'succeeded', 'crash loop', 'not started', ... of the move itself."""
        if self.rollout is None:
            return "failed to start" if self.error else NOT_STARTED
        return self.rollout.outcome

    @property
    def running(self) -> str | None:
        """The revision the service runs now, as far as the release knows."""
        if self.rollback is not None:
            if self.rollback.outcome == SUCCEEDED:
                return self.rollback.revision
            return revision_of(self.rollback.live_task_definition or "?")
        if self.rollout is None:
            return None
        live = self.rollout.live_task_definition or self.rollout.task_definition
        return revision_of(live)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "outcome": self.outcome,
            "running": self.running,
            "error": self.error,
            "rollout": self.rollout.to_dict() if self.rollout else None,
            "rollback": self.rollback.to_dict() if self.rollback else None,
            "crash_logs": [
                {"timestamp": e.timestamp, "stream": e.stream, "message": e.message}
                for e in self.crash_logs
            ],
            "crash_logs_note": self.crash_logs_note,
        }


@dataclass
class ReleaseReport:
    """What a release did, service by service."""

    release_id: str
    env: str
    cluster: str
    label: str
    services: list[ServiceRelease]
    interrupted: bool = False
    rollback_asked: bool = False
    rollback_error: str | None = None
    """a call the rollback needed failed: some services may not have been moved back"""
    ledger_error: str | None = None

    @property
    def ok(self) -> bool:
        """Every service moved and became healthy, and nothing was rolled back."""
        return all(s.outcome == SUCCEEDED and s.rollback is None for s in self.services)

    @property
    def failed(self) -> list[ServiceRelease]:
        return [s for s in self.services if s.outcome not in (SUCCEEDED, NOT_STARTED)]

    @property
    def rolled_back(self) -> list[ServiceRelease]:
        return [s for s in self.services if s.rollback is not None]

    @property
    def rollback_ok(self) -> bool:
        if self.rollback_error:
            return False
        return all(s.rollback.outcome == SUCCEEDED for s in self.rolled_back if s.rollback)

    def to_dict(self) -> dict[str, Any]:
        return {
            "release": self.release_id,
            "env": self.env,
            "cluster": self.cluster,
            "label": self.label,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "rolled_back": [s.service for s in self.rolled_back],
            "rollback_error": self.rollback_error,
            "ledger_error": self.ledger_error,
            "services": [s.to_dict() for s in self.services],
        }


def dependency_levels(platform: Platform, services: Sequence[Service]) -> list[list[Service]]:
    """`services` in the order they move: a service after every one it calls (among these),
    those of one level together, in the model's order."""
    chosen = {s.name: s for s in services}
    level: dict[str, int] = {}

    def depth(service: Service, seen: tuple[str, ...]) -> int:
        if service.name in seen:
            raise EventctlError(
                f"the services call each other in a cycle: {' -> '.join((*seen, service.name))}",
                hint="fix `calls` in the platform model",
            )
        if service.name not in level:
            callees = [chosen[c] for c in service.calls if c in chosen]
            level[service.name] = 1 + max(
                (depth(c, (*seen, service.name)) for c in callees), default=-1
            )
        return level[service.name]

    ordered = [s for s in platform.services if s.name in chosen]
    for service in ordered:
        depth(service, ())
    return [
        [s for s in ordered if level[s.name] == n]
        for n in range(max(level.values(), default=-1) + 1)
    ]


def run_release(
    platform: Platform,
    env: str,
    images: Sequence[ReleaseImage],
    tools: ReleaseTools,
    options: ReleaseOptions,
) -> ReleaseReport:
    """Move each service to its image as one release; see the module docstring."""
    aws_environment(platform, env)
    if not images:
        raise EventctlError(
            "no service named",
            hint=f"name one or more of: {', '.join(s.name for s in platform.services)}",
        )
    services = list(dict.fromkeys(platform.service(i.service) for i in images))

    def plan() -> list[RolloutPlan]:
        return plan_rollouts(platform, env, images, ecs=tools.ecs)

    return _run(platform, env, services, plan, tools, options, DEPLOY)


def run_return(
    platform: Platform,
    env: str,
    service: str,
    tools: ReleaseTools,
    options: ReleaseOptions,
    *,
    to_release: str | None = None,
) -> ReleaseReport:
    """Point `service` back at an earlier release: `to_release`, or the last healthy one
    before what runs now. Recorded, locked and watched like any release."""
    aws_environment(platform, env)
    chosen = platform.service(service)

    def plan() -> list[RolloutPlan]:
        names = platform.names(env)
        found, _ = tools.ecs.describe_services(names.cluster, [names.ecs_service(chosen)])
        live = str(found.get(names.ecs_service(chosen), {}).get("taskDefinition", ""))
        target = _return_target(tools.ledger, chosen.name, live, to_release, env)
        return [plan_return(platform, env, chosen.name, target.task_definition, ecs=tools.ecs)]

    return _run(platform, env, [chosen], plan, tools, options, ROLLBACK)


def _return_target(
    ledger: Ledger, service: str, live: str, to_release: str | None, env: str
) -> LedgerEntry:
    entries = ledger.entries(service)
    history = f"`eventctl deploy history {service} --env {env}`"
    if to_release is None:
        found = earlier_healthy(entries, live)
        if found is None:
            raise EventctlError(
                f"the ledger of {env} has no healthy release of {service} before the one "
                f"running now ({revision_of(live) or 'none'}): nothing was changed",
                hint=f"see its releases with {history}; pick one with --to RELEASE",
            )
        return found
    matching = [e for e in entries if e.release_id == to_release]
    if not matching:
        raise EventctlError(
            f"the ledger of {env} has no release {to_release} of {service}: nothing was changed",
            hint=f"see its releases with {history}",
        )
    chosen = max(matching, key=lambda e: e.step)
    if not chosen.healthy:
        raise EventctlError(
            f"release {to_release} did not leave {service} healthy ({chosen.outcome}): "
            "nothing was changed",
            hint=f"pick a release whose outcome is succeeded: {history}",
        )
    if chosen.task_definition == live:
        raise EventctlError(
            f"{service} already runs {chosen.revision} (release {to_release}): nothing to do",
            hint=f"see its releases with {history}",
        )
    return chosen


def _run(
    platform: Platform,
    env: str,
    services: list[Service],
    plan: Callable[[], list[RolloutPlan]],
    tools: ReleaseTools,
    options: ReleaseOptions,
    kind: str,
) -> ReleaseReport:
    names = platform.names(env)
    tools.ledger.check_bucket(env)
    tools.locks.check_table()
    release_id = new_release_id(tools.wall(), tools.rng)
    held = tools.locks.acquire(
        services, who=tools.who, since=utc_iso(tools.wall()), operation=kind, release=release_id
    )
    try:
        plans = _in_order(platform, plan())
        report = ReleaseReport(
            release_id=release_id,
            env=env,
            cluster=names.cluster,
            label=options.label,
            services=[ServiceRelease(p.service.name, git_sha=p.git_sha) for p in plans],
        )
        failed = _move(platform, report, plans, tools, options, kind)
        if (failed and options.roll_back and not report.interrupted) or report.rollback_asked:
            try:
                _roll_back(report, tools, options)
            except EventctlError as exc:
                report.rollback_error = exc.message
        _record(report, plans, tools, kind)
        return report
    finally:
        tools.locks.release(held)


def _in_order(platform: Platform, plans: list[RolloutPlan]) -> list[RolloutPlan]:
    """`plans` in the order their services move."""
    order = [
        s.name for level in dependency_levels(platform, [p.service for p in plans]) for s in level
    ]
    return sorted(plans, key=lambda p: order.index(p.service.name))


def _step(tools: ReleaseTools, message: str) -> None:
    if tools.on_step is not None:
        tools.on_step(message)


def _move(
    platform: Platform,
    report: ReleaseReport,
    plans: list[RolloutPlan],
    tools: ReleaseTools,
    options: ReleaseOptions,
    kind: str,
) -> bool:
    """Move level after level; True when something failed (and the rest was not moved)."""
    by_name = {s.service: s for s in report.services}
    for level in dependency_levels(platform, [p.service for p in plans]):
        level_plans = [p for p in plans if p.service in level]
        _step(tools, "moving " + ", ".join(p.service.name for p in level_plans))
        started = _start(report, level_plans, by_name, tools)
        _record_started(report, started, by_name, tools, kind)
        result = DeployResult(report.env, report.cluster, report.label, started)
        if started and not _watch(result, report, tools, options):
            return True
        for rollout in started:
            by_name[rollout.service].finished_at = tools.wall()
        _crash_logs(report, started, by_name, tools)
        if not result.ok or len(started) < len(level_plans):
            return True
    return False


def _start(
    report: ReleaseReport,
    plans: list[RolloutPlan],
    by_name: dict[str, ServiceRelease],
    tools: ReleaseTools,
) -> list[ServiceRollout]:
    from eventctl.core.deploy.start import start_rollouts

    started: list[ServiceRollout] = []
    for plan in plans:
        release = by_name[plan.service.name]
        release.started_at = tools.wall()
        try:
            (rollout,) = start_rollouts(tools.ecs, report.cluster, [plan])
        except EventctlError as exc:
            release.error, release.finished_at = exc.message, tools.wall()
            return started
        release.rollout = rollout
        started.append(rollout)
    return started


def _watch_with(tools: ReleaseTools, options: ReleaseOptions, result: DeployResult) -> None:
    """`watch_deploy` of `result` with this release's tools and options."""
    watch_deploy(
        result,
        ecs=tools.ecs,
        load_balancing=tools.load_balancing,
        timeout=options.timeout,
        clock=tools.clock,
        sleep=tools.sleep,
        rng=tools.rng,
        on_poll=tools.on_poll,
        interval=options.interval,
        crash_loop=options.crash_loop,
    )


def _watch(
    result: DeployResult, report: ReleaseReport, tools: ReleaseTools, options: ReleaseOptions
) -> bool:
    """Watch `result`; False when Ctrl-C ended the watch (recorded on the report)."""
    try:
        _watch_with(tools, options, result)
    except KeyboardInterrupt:
        report.interrupted = True
        for rollout in result.rollouts:
            if not rollout.finished:
                rollout.outcome = INTERRUPTED
                rollout.detail = f"interrupted while waiting for {rollout.detail or 'ECS'}"
        report.rollback_asked = tools.on_interrupt() if tools.on_interrupt else True
        return False
    except EventctlError as exc:
        # a call the watch needs keeps failing (access denied, the network): not healthy
        for rollout in result.rollouts:
            if not rollout.finished:
                rollout.outcome = FAILED
                rollout.detail = f"could not watch the rollout: {exc.message}"
    return True


def _crash_logs(
    report: ReleaseReport,
    rollouts: list[ServiceRollout],
    by_name: dict[str, ServiceRelease],
    tools: ReleaseTools,
) -> None:
    """The last lines of the crashing containers of each crash loop."""
    if tools.logs is None:
        return
    for rollout in rollouts:
        if rollout.outcome != CRASH_LOOP:
            continue
        release = by_name[rollout.service]
        crashed = [t.task_id for t in rollout.stopped_tasks if t.crashed]
        names = tools.locks.names
        group = names.log_group(names.platform.service(rollout.service))
        since_ms = int((release.started_at - 60) * 1000)
        release.crash_logs, release.crash_logs_note = last_lines(
            tools.logs, group, rollout.service, crashed, since_ms=since_ms
        )


def _roll_back(report: ReleaseReport, tools: ReleaseTools, options: ReleaseOptions) -> None:
    """Point every moved service back at its last healthy release; wait for it."""
    moved = [s for s in report.services if s.rollout is not None]
    if not moved:
        return
    history = {s.service: tools.ledger.entries(s.service) for s in moved}
    ecs_names = [s.rollout.ecs_service for s in moved if s.rollout]
    found, _ = tools.ecs.describe_services(report.cluster, ecs_names)
    rollbacks: list[ServiceRollout] = []
    for release in moved:
        rollout = release.rollout
        assert rollout is not None
        target = rollback_target(history[release.service], rollout.previous_task_definition)
        described = found.get(rollout.ecs_service, {})
        _step(tools, f"rolling {release.service} back to {revision_of(target)}")
        if described.get("taskDefinition") != target:
            tools.ecs.update_service(report.cluster, rollout.ecs_service, target)
        release.rollback = ServiceRollout(
            service=release.service,
            ecs_service=rollout.ecs_service,
            image=_image_of(tools.ecs, target, release.service, tools),
            image_digest="",
            previous_task_definition=rollout.task_definition,
            previous_image=rollout.image,
            task_definition=target,
            replaced_deployment=primary_deployment_id(described),
            seen_event_ids=set(rollout.seen_event_ids),
            seen_task_arns=set(rollout.seen_task_arns),
        )
        release.rollback.image_digest = release.rollback.image.partition("@")[2]
        rollbacks.append(release.rollback)
    result = DeployResult(report.env, report.cluster, report.label, rollbacks)
    try:
        _watch_with(tools, options, result)
    except KeyboardInterrupt:
        report.interrupted = True
        for rollback in rollbacks:
            if not rollback.finished:
                rollback.outcome = INTERRUPTED
                rollback.detail = "interrupted while the rollback was under way"
    now = tools.wall()
    for release in moved:
        release.finished_at = release.finished_at or now


def _image_of(ecs: Ecs, task_definition: str, service: str, tools: ReleaseTools) -> str:
    definition = ecs.task_definition(task_definition)
    chosen = tools.locks.names.platform.service(service)
    return str(service_container(definition, chosen).get("image", ""))


def _record_started(
    report: ReleaseReport,
    started: list[ServiceRollout],
    by_name: dict[str, ServiceRelease],
    tools: ReleaseTools,
    kind: str,
) -> None:
    """A step-0 entry for each service as ECS starts moving it, before the wait: a deploy
    that never gets to `_record` (killed, its machine lost) still leaves the release in the
    ledger, with the task definition it started. A failed write is reported, not raised."""
    now = tools.wall()
    for rollout in started:
        release = by_name[rollout.service]
        entry = _entry(report, release, rollout, 0, kind, tools.who, release.started_at, now)
        detail = (
            "recorded as the rollout started; while this entry stands alone, the deploy is "
            "still running (it holds the deploy lock) or ended unfinished, without an outcome"
        )
        try:
            tools.ledger.append(replace(entry, outcome=IN_PROGRESS, detail=detail))
        except EventctlError as exc:
            report.ledger_error = exc.message
            return


def _record(
    report: ReleaseReport, plans: list[RolloutPlan], tools: ReleaseTools, kind: str
) -> None:
    """One ledger entry per service moved, and one per rollback; a failed write is reported,
    not raised: the release has happened and its report must reach the user."""
    now = tools.wall()
    entries: list[LedgerEntry] = []
    for release in report.services:
        if release.rollout is None:
            continue
        started = release.started_at or now
        entries.append(_entry(report, release, release.rollout, 1, kind, tools.who, started, now))
        if release.rollback is not None:
            entries.append(
                _entry(
                    report,
                    release,
                    release.rollback,
                    2,
                    AUTOMATIC_ROLLBACK,
                    tools.who,
                    release.finished_at or now,
                    now,
                )
            )
    for entry in entries:
        try:
            tools.ledger.append(entry)
        except EventctlError as exc:
            report.ledger_error = exc.message
            return


def _entry(
    report: ReleaseReport,
    release: ServiceRelease,
    rollout: ServiceRollout,
    step: int,
    kind: str,
    who: str,
    started: float,
    now: float,
) -> LedgerEntry:
    return LedgerEntry(
        release_id=report.release_id,
        env=report.env,
        service=release.service,
        step=step,
        kind=kind,
        image=rollout.image,
        image_digest=rollout.image_digest,
        task_definition=rollout.task_definition,
        previous_task_definition=rollout.previous_task_definition,
        git_sha=release.git_sha if step <= 1 else None,
        who=who,
        started_at=utc_iso(started),
        finished_at=utc_iso(now),
        duration_seconds=round(max(0.0, now - started), 1),
        outcome=rollout.outcome,
        detail=rollout.detail,
    )
