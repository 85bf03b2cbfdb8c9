"""Watching rollouts land: poll until each one succeeded or failed.

A rollout succeeded when the PRIMARY deployment runs the task definition we registered, its
rolloutState is COMPLETED, it runs its desired count, and the service's load balancer targets
are healthy. It failed when the rollout is FAILED, or when the PRIMARY deployment runs another
task definition: that is how a circuit-breaker rollback looks, and older tools report it as a
success.

While watching, the tasks our deployment started that have stopped are read (each once, by
task ARN) with their stop reason and exit codes. When `crash_loop` of them stopped for the
same reason, the watch of that service ends as a crash loop: waiting for the circuit breaker
would only take longer to say the same thing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from eventctl.adapters.aws._calls import ThrottledError, next_poll_interval
from eventctl.adapters.aws.ecs import Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.core.deploy.state import (
    CRASH_LOOP,
    FAILED,
    IN_PROGRESS,
    KEPT_EVENTS,
    KEPT_STOPPED_TASKS,
    ROLLED_BACK,
    SUCCEEDED,
    TIMED_OUT,
    DeployResult,
    Poll,
    ServiceRollout,
    StoppedTask,
    revision_of,
)
from eventctl.core.durations import format_duration
from eventctl.core.status import TARGET_OK, TROUBLE, ServiceEvent, iso

POLL_SECONDS = 4.0
POLL_JITTER = 1.0
DEFAULT_CRASH_LOOP = 3
CRASH_LOOP_LOGS_SINCE = "15m"


def watch_deploy(
    result: DeployResult,
    *,
    ecs: Ecs,
    load_balancing: LoadBalancing,
    timeout: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    rng: random.Random | None = None,
    on_poll: Callable[[Poll], None] | None = None,
    interval: float = POLL_SECONDS,
    crash_loop: int = DEFAULT_CRASH_LOOP,
) -> DeployResult:
    """Poll until every rollout succeeded or failed, or `timeout` seconds have passed.

    Polls every `interval` seconds plus up to a second of jitter; when AWS throttles, the
    wait doubles (up to 32 s) until a poll gets through. A service whose new deployment had
    `crash_loop` tasks stop with the same reason ends as a crash loop (0: never).
    """
    rng = rng or random.Random()
    for rollout in result.rollouts:
        rollout.outcome = IN_PROGRESS
    deadline = clock() + timeout
    delay = interval
    while True:
        throttled_for = None
        new_events: list[tuple[str, ServiceEvent]] = []
        stopped: list[tuple[str, StoppedTask]] = []
        try:
            throttled = _poll(result, ecs, load_balancing, crash_loop, new_events, stopped)
        except ThrottledError:
            throttled = True
        delay = next_poll_interval(delay, interval, throttled)
        if throttled:
            throttled_for = delay
        if on_poll is not None:
            on_poll(Poll(result.rollouts, new_events, throttled_for, stopped))
        if all(r.finished for r in result.rollouts):
            return result
        remaining = deadline - clock()
        if remaining <= 0:
            _time_out(result, timeout)
            return result
        sleep(min(delay + rng.uniform(0, POLL_JITTER), remaining))


def _poll(
    result: DeployResult,
    ecs: Ecs,
    load_balancing: LoadBalancing,
    crash_loop: int,
    new_events: list[tuple[str, ServiceEvent]],
    stopped: list[tuple[str, StoppedTask]],
) -> bool:
    """One look at every service still rolling out; adds what is new to `new_events` and
    `stopped`. True when AWS throttled the stopped tasks' calls (they are read next time)."""
    waiting = [r for r in result.rollouts if not r.finished]
    found, _ = ecs.describe_services(result.cluster, [r.ecs_service for r in waiting])
    throttled = False
    for rollout in waiting:
        described = found.get(rollout.ecs_service)
        if described is None:
            rollout.outcome, rollout.detail = FAILED, "the ECS service no longer exists"
            continue
        new_events += [(rollout.service, e) for e in _new_trouble(rollout, described)]
        _assess(rollout, described, load_balancing)
        try:
            fresh = _new_stopped_tasks(rollout, ecs, result.cluster)
        except ThrottledError:
            throttled = True
            continue
        stopped += [(rollout.service, task) for task in fresh]
        if not rollout.finished:
            _check_crash_loop(rollout, crash_loop, result.env)
    return throttled


def _new_stopped_tasks(rollout: ServiceRollout, ecs: Ecs, cluster: str) -> list[StoppedTask]:
    """Tasks of our deployment stopped since the last look, oldest first.

    A task whose containers are still stopping (desired STOPPED, last status not yet) is
    looked at again next time, when its exit codes are known. Tasks of other deployments
    are remembered and never described again.
    """
    if rollout.deployment_id is None:
        return []
    arns = ecs.stopped_task_arns(cluster, rollout.ecs_service)
    unseen = [arn for arn in arns if arn not in rollout.seen_task_arns]
    fresh = []
    for task in ecs.describe_tasks(cluster, unseen) if unseen else []:
        arn = str(task.get("taskArn", ""))
        if task.get("startedBy") != rollout.deployment_id:
            rollout.seen_task_arns.add(arn)
        elif task.get("lastStatus") == "STOPPED":
            rollout.seen_task_arns.add(arn)
            fresh.append(StoppedTask.from_described(task))
    fresh.sort(key=lambda t: t.stopped_at)
    rollout.stopped_tasks = (rollout.stopped_tasks + fresh)[-KEPT_STOPPED_TASKS:]
    rollout.crash_counts.update(t.signature for t in fresh if t.crashed)
    return fresh


def _check_crash_loop(rollout: ServiceRollout, crash_loop: int, env: str) -> None:
    """End the watch when `crash_loop` tasks of our deployment crashed the same way."""
    if crash_loop <= 0 or not rollout.crash_counts:
        return
    signature, count = rollout.crash_counts.most_common(1)[0]
    if count < crash_loop:
        return
    reason = next(
        (t.summary for t in reversed(rollout.stopped_tasks) if t.signature == signature),
        signature,  # only if more than KEPT_STOPPED_TASKS tasks stopped since
    )
    rollout.outcome = CRASH_LOOP
    rollout.crash_loop = {
        "reason": reason,
        "count": count,
        "logs": f"eventctl logs tail {rollout.service} --env {env} --since {CRASH_LOOP_LOGS_SINCE}",
    }
    rollout.detail = f"{count} tasks of the new deployment stopped with the same reason: {reason}"


def _assess(rollout: ServiceRollout, described: dict[str, Any], balancing: LoadBalancing) -> None:
    deployments: list[dict[str, Any]] = described.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    ours = next((d for d in deployments if d.get("taskDefinition") == rollout.task_definition), {})
    shown = ours or primary
    if ours.get("id"):
        rollout.deployment_id = str(ours["id"])
    rollout.rollout = shown.get("rolloutState")
    rollout.rollout_reason = shown.get("rolloutStateReason")
    rollout.desired = int(shown.get("desiredCount", described.get("desiredCount", 0)))
    rollout.running = int(shown.get("runningCount", 0))
    rollout.pending = int(shown.get("pendingCount", 0))
    rollout.failed_tasks = int(shown.get("failedTasks", 0))
    rollout.live_task_definition = primary.get("taskDefinition") or described.get("taskDefinition")
    if rollout.live_task_definition != rollout.task_definition:
        if not ours and primary.get("id") and primary.get("id") == rollout.replaced_deployment:
            rollout.detail = "ECS to start the new deployment"
            return
        _taken_over(rollout)
    elif rollout.rollout == "FAILED":
        rollout.outcome = FAILED
        rollout.detail = f"the deployment failed: {rollout.rollout_reason or 'no reason given'}"
    elif rollout.rollout != "COMPLETED" or rollout.running < rollout.desired:
        rollout.detail = (
            f"rollout {rollout.rollout or 'to start'}, "
            f"{rollout.running} of {rollout.desired} tasks running"
        )
    else:
        _check_targets(rollout, described, balancing)


def _taken_over(rollout: ServiceRollout) -> None:
    """The PRIMARY deployment is not ours: rolled back by ECS, or replaced by someone."""
    live = revision_of(rollout.live_task_definition or "?")
    reason = f": {rollout.rollout_reason}" if rollout.rollout == "FAILED" else ""
    if rollout.rollout == "FAILED" or rollout.live_task_definition == (
        rollout.previous_task_definition
    ):
        rollout.outcome = ROLLED_BACK
        rollout.detail = f"the deployment failed and ECS rolled the service back to {live}{reason}"
    else:
        rollout.outcome = FAILED
        rollout.detail = f"another deployment ({live}) replaced this one before it finished"


def _check_targets(
    rollout: ServiceRollout, described: dict[str, Any], balancing: LoadBalancing
) -> None:
    rollout.targets = {}
    for balancer in described.get("loadBalancers", []):
        arn = balancer.get("targetGroupArn")
        for target in balancing.target_health(arn) if arn else []:
            rollout.targets[target["state"]] = rollout.targets.get(target["state"], 0) + 1
    total = sum(rollout.targets.values())
    healthy = rollout.targets.get("healthy", 0)
    others = {s: n for s, n in rollout.targets.items() if s not in TARGET_OK}
    needs_targets = bool(described.get("loadBalancers")) and rollout.desired > 0
    if not others and (healthy or not needs_targets):
        rollout.outcome, rollout.detail = SUCCEEDED, ""
        return
    states = ", ".join(f"{n} {s}" for s, n in sorted(others.items())) or "none registered"
    rollout.detail = f"load balancer targets to become healthy ({healthy} of {total}; {states})"


def _new_trouble(rollout: ServiceRollout, described: dict[str, Any]) -> list[ServiceEvent]:
    """Trouble events not seen before, oldest first (ECS lists the newest first)."""
    fresh = []
    for event in reversed(described.get("events", [])):
        event_id = str(event.get("id", ""))
        if event_id in rollout.seen_event_ids:
            continue
        rollout.seen_event_ids.add(event_id)
        message = str(event.get("message", ""))
        if TROUBLE.search(message):
            fresh.append(ServiceEvent(id=event_id, at=iso(event.get("createdAt")), message=message))
    rollout.events = (rollout.events + fresh)[-KEPT_EVENTS:]
    return fresh


def _time_out(result: DeployResult, timeout: float) -> None:
    for rollout in result.rollouts:
        if not rollout.finished:
            rollout.outcome = TIMED_OUT
            waited_for = rollout.detail or "the first look at the service"
            rollout.detail = f"gave up after {format_duration(timeout)} waiting for {waited_for}"
