"""Rolling an image that is already in ECR out to ECS services, and watching it land.

`start_deploy` checks everything before it changes anything (the environment, the service
names, the cluster and services, the image tag in each ECR repository, the container to
update), then for each service registers a task definition identical to the live one except
for the service container's image, and points the service at it.

`watch_deploy` polls until every rollout has ended. A rollout succeeded when the PRIMARY
deployment runs the task definition we registered, its rolloutState is COMPLETED, it runs
its desired count, and the service's load balancer targets are healthy. It failed when the
rollout is FAILED, or when the PRIMARY deployment runs another task definition: that is how
a circuit-breaker rollback looks, and older tools report it as a success.

While watching, the tasks our deployment started that have stopped are read (each once, by
task ARN) with their stop reason and exit codes. When `crash_loop` of them stopped for the
same reason, the watch of that service ends as a crash loop: waiting for the circuit breaker
would only take longer to say the same thing.
"""

from __future__ import annotations

import copy
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventctl.adapters.aws._calls import ThrottledError, next_poll_interval
from eventctl.adapters.aws.ecr import Ecr, RepositoryNotFound
from eventctl.adapters.aws.ecs import ClusterNotFound, Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.core.status import TARGET_OK, TROUBLE, ServiceEvent, iso
from eventctl.errors import EventctlError
from platform_model import Platform, Service

READ_ONLY_FIELDS = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    }
)
"""What DescribeTaskDefinition returns but RegisterTaskDefinition does not accept."""

POLL_SECONDS = 4.0
POLL_JITTER = 1.0
DEFAULT_TIMEOUT = "15m"
KEPT_EVENTS = 20
KEPT_STOPPED_TASKS = 20
DEFAULT_CRASH_LOOP = 3
CRASH_LOOP_LOGS_SINCE = "15m"

IN_PROGRESS = "in progress"
STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
ROLLED_BACK = "rolled back"
TIMED_OUT = "timed out"
CRASH_LOOP = "crash loop"

NOT_A_CRASH = frozenset({"UserInitiated", "SpotInterruption", "TerminationNotice"})
"""Stop codes of tasks stopped from outside: someone's StopTask, a Spot or host reclaim."""
_SCALING = "Scaling activity initiated by"
"""How ECS starts the stoppedReason of a task it stops to scale in (no crash either)."""
_TASK_ID = re.compile(r"\b[0-9a-f]{32}\b")
_RETRIES = re.compile(r"\b\d+ time\(s\)")

_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class ContainerExit:
    """How one container of a stopped task ended."""

    name: str
    exit_code: int | None
    reason: str | None


@dataclass
class StoppedTask:
    """A task of our deployment that ECS has stopped."""

    arn: str
    stopped_at: str
    stop_code: str | None
    reason: str
    containers: list[ContainerExit]

    @classmethod
    def from_described(cls, task: dict[str, Any]) -> StoppedTask:
        """From a DescribeTasks `tasks[]` entry."""
        return cls(
            arn=str(task.get("taskArn", "")),
            stopped_at=iso(task.get("stoppedAt") or task.get("stoppingAt")),
            stop_code=task.get("stopCode"),
            reason=str(task.get("stoppedReason") or "no reason given"),
            containers=[
                ContainerExit(
                    name=str(c.get("name", "?")),
                    exit_code=c.get("exitCode"),
                    reason=c.get("reason"),
                )
                for c in sorted(task.get("containers", []), key=lambda c: str(c.get("name")))
            ],
        )

    @property
    def task_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def crashed(self) -> bool:
        """False for a task stopped from outside or to scale in: those are no crash loop."""
        return self.stop_code not in NOT_A_CRASH and not self.reason.startswith(_SCALING)

    @property
    def signature(self) -> str:
        """The stop reason and exit codes, without what differs from task to task (task ids,
        retry counts, spacing): tasks crashing the same way share it."""
        reason = _RETRIES.sub("N time(s)", _TASK_ID.sub("<task>", " ".join(self.reason.split())))
        exits = ", ".join(
            f"{c.name}={c.exit_code}" for c in self.containers if c.exit_code is not None
        )
        return f"{reason} [{exits}]"

    @property
    def summary(self) -> str:
        """'Essential container in task exited (auth-service exit 1: OutOfMemoryError)'."""
        parts = [
            f"{c.name} exit {c.exit_code}" + (f": {c.reason}" if c.reason else "")
            for c in self.containers
            if c.exit_code is not None or c.reason
        ]
        return self.reason + (f" ({'; '.join(parts)})" if parts else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.arn,
            "stopped_at": self.stopped_at,
            "stop_code": self.stop_code,
            "stopped_reason": self.reason,
            "containers": [
                {"name": c.name, "exit_code": c.exit_code, "reason": c.reason}
                for c in self.containers
            ],
        }


@dataclass
class ServiceRollout:
    """One service's deployment: what it replaced, and how far it has got."""

    service: str
    ecs_service: str
    image: str
    image_digest: str
    previous_task_definition: str
    previous_image: str | None
    task_definition: str
    replaced_deployment: str | None = None
    """id of the PRIMARY deployment before ours (until ECS shows ours, it stays PRIMARY)"""
    outcome: str = STARTED
    rollout: str | None = None
    """our deployment's rolloutState (IN_PROGRESS, COMPLETED, FAILED)"""
    rollout_reason: str | None = None
    desired: int = 0
    running: int = 0
    pending: int = 0
    failed_tasks: int = 0
    targets: dict[str, int] = field(default_factory=dict)
    live_task_definition: str | None = None
    """the PRIMARY deployment's task definition at the last poll"""
    detail: str = ""
    """why it failed, or what it is (was) waiting for"""
    events: list[ServiceEvent] = field(default_factory=list)
    seen_event_ids: set[str] = field(default_factory=set, repr=False)
    deployment_id: str | None = None
    """our deployment's id ('ecs-svc/...'): the `startedBy` of the tasks it starts"""
    stopped_tasks: list[StoppedTask] = field(default_factory=list)
    """the latest tasks of our deployment that stopped, oldest first"""
    seen_task_arns: set[str] = field(default_factory=set, repr=False)
    crash_counts: Counter[str] = field(default_factory=Counter, repr=False)
    """crashed tasks of our deployment per signature"""
    crash_loop: dict[str, Any] | None = None
    """{'reason', 'count', 'logs'} when the watch ended on a crash loop"""

    @property
    def revision(self) -> str:
        return revision_of(self.task_definition)

    @property
    def previous_revision(self) -> str:
        return revision_of(self.previous_task_definition)

    @property
    def ok(self) -> bool:
        """Succeeded, or (not waited on) started."""
        return self.outcome in (SUCCEEDED, STARTED)

    @property
    def finished(self) -> bool:
        return self.outcome in (SUCCEEDED, FAILED, ROLLED_BACK, TIMED_OUT, CRASH_LOOP)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "ecs_service": self.ecs_service,
            "outcome": self.outcome,
            "detail": self.detail,
            "image": self.image,
            "image_digest": self.image_digest,
            "task_definition": self.task_definition,
            "previous_task_definition": self.previous_task_definition,
            "previous_image": self.previous_image,
            "live_task_definition": self.live_task_definition,
            "rollout": self.rollout,
            "rollout_reason": self.rollout_reason,
            "desired": self.desired,
            "running": self.running,
            "pending": self.pending,
            "failed_tasks": self.failed_tasks,
            "targets": self.targets,
            "events": [{"id": e.id, "at": e.at, "message": e.message} for e in self.events],
            "deployment_id": self.deployment_id,
            "stopped_tasks": [t.to_dict() for t in self.stopped_tasks],
            "crash_loop": self.crash_loop,
        }


@dataclass
class DeployResult:
    """The rollouts of one `deploy service` run."""

    env: str
    cluster: str
    image_tag: str
    rollouts: list[ServiceRollout]

    @property
    def ok(self) -> bool:
        """True when every rollout succeeded (or, not waited on, was started)."""
        return all(r.ok for r in self.rollouts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "cluster": self.cluster,
            "image_tag": self.image_tag,
            "ok": self.ok,
            "services": [r.to_dict() for r in self.rollouts],
        }


@dataclass
class Poll:
    """What one look at the services found, for the caller to show."""

    rollouts: list[ServiceRollout]
    new_events: list[tuple[str, ServiceEvent]]
    throttled_for: float | None = None
    """seconds until the next look when AWS throttled this one"""
    stopped_tasks: list[tuple[str, StoppedTask]] = field(default_factory=list)
    """(service, task) for each task of a new deployment seen stopped for the first time"""


# -- starting --------------------------------------------------------------------------------


@dataclass
class _Plan:
    service: Service
    ecs_service: str
    image: str
    digest: str
    current_arn: str
    current_image: str | None
    definition: dict[str, Any]
    tags: list[dict[str, str]]
    event_ids: set[str]
    primary_id: str | None


def start_deploy(
    platform: Platform,
    env: str,
    services: Sequence[str],
    image_tag: str,
    *,
    ecs: Ecs,
    ecr: Ecr,
) -> DeployResult:
    """Check, then register a task definition with `image_tag` and update each service.

    Nothing is changed until every service, repository and image has been found.
    """
    names = platform.names(_aws_env(platform, env))
    chosen = list(dict.fromkeys(platform.service(name) for name in services))
    if not chosen:
        raise EventctlError(
            "no service named",
            hint=f"name one or more of: {', '.join(s.name for s in platform.services)}",
        )
    check_tag(image_tag)
    described = _describe(ecs, names.cluster, [names.ecs_service(s) for s in chosen], env)
    images = {s.name: _image(ecr, names.ecr_repository(s), image_tag, env) for s in chosen}
    plans = [
        _plan(ecs, s, names.ecs_service(s), described[names.ecs_service(s)], images[s.name])
        for s in chosen
    ]
    result = DeployResult(env=env, cluster=names.cluster, image_tag=image_tag, rollouts=[])
    for plan in plans:
        try:
            result.rollouts.append(_roll(ecs, names.cluster, plan))
        except EventctlError as exc:
            if not result.rollouts:
                raise
            started = ", ".join(r.service for r in result.rollouts)
            raise EventctlError(
                f"{exc.message} (the deployment of {started} had already started)",
                hint=f"watch them with `eventctl status --env {env}`; then deploy the others again",
            ) from None
    return result


def with_image(definition: dict[str, Any], service: Service, image: str) -> dict[str, Any]:
    """A registrable copy of `definition` whose service container runs `image`."""
    fresh = {k: copy.deepcopy(v) for k, v in definition.items() if k not in READ_ONLY_FIELDS}
    _service_container(fresh, service)["image"] = image
    return fresh


def check_tag(tag: str) -> None:
    """Refuse what ECR would not accept as a tag (and a digest, which is not a tag)."""
    if not _TAG.fullmatch(tag):
        raise EventctlError(
            f"{tag!r} is not an image tag",
            hint="a tag is up to 128 letters, digits, '_', '.' and '-', e.g. v1.4.2 or a git sha",
        )


def _aws_env(platform: Platform, env: str) -> str:
    if platform.environment(env).kind != "aws":
        raise EventctlError(
            f"deploy rolls images out to ECS; the {env} environment runs the services on this "
            "machine",
            hint="use --env dev or --env prod (locally, `eventctl env up local` restarts the "
            "services from this checkout)",
        )
    return env


def _describe(ecs: Ecs, cluster: str, ecs_names: list[str], env: str) -> dict[str, dict[str, Any]]:
    try:
        found, missing = ecs.describe_services(cluster, ecs_names)
    except ClusterNotFound:
        raise EventctlError(
            f"ECS cluster {cluster} does not exist: the {env} environment is not deployed",
            hint=f"create it with `eventctl env up {env}` (or check --region / --endpoint-url)",
        ) from None
    if missing:
        raise EventctlError(
            f"ECS service {', '.join(missing)} does not exist in cluster {cluster}",
            hint=f"create the services with `eventctl env up {env}`",
        )
    return found


def _image(ecr: Ecr, repository: str, tag: str, env: str) -> tuple[str, str]:
    """('<repository uri>:<tag>', digest), or an error naming the repository and tag."""
    try:
        uri = ecr.repository_uri(repository)
        digest = ecr.image_digest(repository, tag)
    except RepositoryNotFound:
        raise EventctlError(
            f"ECR repository {repository} does not exist",
            hint=f"create the {env} environment with `eventctl env up {env}`",
        ) from None
    if digest is None:
        raise EventctlError(
            f"ECR repository {repository} has no image tagged {tag!r}",
            hint=f"push the image first, or pick a tag it holds: "
            f"aws ecr list-images --repository-name {repository}",
        )
    return f"{uri}:{tag}", digest


def _plan(
    ecs: Ecs, service: Service, ecs_name: str, described: dict[str, Any], image: tuple[str, str]
) -> _Plan:
    current_arn = str(described.get("taskDefinition", ""))
    definition, tags = ecs.task_definition_with_tags(current_arn)
    current_image = _service_container(definition, service).get("image")
    return _Plan(
        service=service,
        ecs_service=ecs_name,
        image=image[0],
        digest=image[1],
        current_arn=current_arn,
        current_image=current_image,
        definition=with_image(definition, service, image[0]),
        tags=tags,
        event_ids={str(e.get("id", "")) for e in described.get("events", [])},
        primary_id=next(
            (d.get("id") for d in described.get("deployments", []) if d.get("status") == "PRIMARY"),
            None,
        ),
    )


def _roll(ecs: Ecs, cluster: str, plan: _Plan) -> ServiceRollout:
    registered = ecs.register_task_definition(plan.definition, plan.tags)
    new_arn = str(registered["taskDefinitionArn"])
    ecs.update_service(cluster, plan.ecs_service, new_arn)
    return ServiceRollout(
        service=plan.service.name,
        ecs_service=plan.ecs_service,
        image=plan.image,
        image_digest=plan.digest,
        previous_task_definition=plan.current_arn,
        previous_image=plan.current_image,
        task_definition=new_arn,
        replaced_deployment=plan.primary_id,
        seen_event_ids=set(plan.event_ids),
    )


def _service_container(definition: dict[str, Any], service: Service) -> dict[str, Any]:
    """The container named after the service ('auth-service' or 'auth'), else the only one."""
    containers: list[dict[str, Any]] = definition.get("containerDefinitions", [])
    named = [c for c in containers if c.get("name") in (service.full_name, service.name)]
    if named:
        return named[0]
    if len(containers) == 1:
        return containers[0]
    family = definition.get("family", "?")
    raise EventctlError(
        f"task definition {family} has no container named {service.full_name}",
        hint="the Terraform names the container after the service; "
        f"containers found: {', '.join(str(c.get('name')) for c in containers) or 'none'}",
    )


# -- watching --------------------------------------------------------------------------------


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


# -- small helpers -----------------------------------------------------------------------------


def revision_of(task_definition_arn: str) -> str:
    """'family:12' of a task definition ARN."""
    return task_definition_arn.rsplit("/", 1)[-1]


def tag_of(image: str | None) -> str | None:
    """'v7' of 'repo:v7' (None for a digest or no tag)."""
    if not image or "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def parse_duration(text: str) -> float:
    """Seconds in '15m', '90s', '1h' or '600' (seconds)."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise EventctlError(
            f"cannot read the duration {text!r}", hint="use a duration like 90s, 15m or 1h"
        )
    return float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "s").lower()]


def format_duration(seconds: float) -> str:
    """'15m' for 900, '1h' for 3600, '90s' for 90."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
