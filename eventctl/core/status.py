"""What the platform is doing: ECS services, their rollouts and targets, the firing alarms.

`platform_status` returns a `StatusReport`; it is healthy only when every service runs all its
desired tasks, its PRIMARY deployment has finished rolling out, no other deployment is live,
none of its load balancer targets is unhealthy, and no alarm of the environment is in ALARM.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from eventctl.adapters.aws.cloudwatch import CloudWatch
from eventctl.adapters.aws.ecs import Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.errors import EventctlError
from platform_model import Platform, Service

TROUBLE = re.compile(r"fail|unhealthy|unable|rolling back|rolled back|error|circuit breaker", re.I)
"""Service event messages worth an operator's attention (ECS phrases them this way)."""

TARGET_OK = frozenset({"healthy", "draining"})


@dataclass
class ServiceEvent:
    id: str
    at: str
    message: str


@dataclass
class ServiceStatus:
    """One ECS service as `status` reports it."""

    service: str
    ecs_service: str
    exists: bool
    desired: int = 0
    running: int = 0
    pending: int = 0
    task_definition: str | None = None
    """'family:revision'"""
    image: str | None = None
    image_tag: str | None = None
    rollout: str | None = None
    """the PRIMARY deployment's rolloutState (IN_PROGRESS, COMPLETED, FAILED)"""
    rollout_reason: str | None = None
    deployments: int = 0
    failed_tasks: int = 0
    targets: dict[str, int] = field(default_factory=dict)
    """target health state -> count, over the service's target groups"""
    unhealthy_targets: list[dict[str, Any]] = field(default_factory=list)
    trouble: list[ServiceEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


@dataclass
class StatusReport:
    env: str
    cluster: str
    services: list[ServiceStatus]
    alarms: list[dict[str, Any]]

    @property
    def healthy(self) -> bool:
        return not self.alarms and all(s.healthy for s in self.services)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for --json."""
        return {
            "env": self.env,
            "cluster": self.cluster,
            "healthy": self.healthy,
            "services": [{**asdict(s), "healthy": s.healthy} for s in self.services],
            "alarms": self.alarms,
        }


def platform_status(
    platform: Platform,
    env: str,
    *,
    ecs: Ecs,
    load_balancing: LoadBalancing,
    cloudwatch: CloudWatch,
    events_per_service: int = 3,
) -> StatusReport:
    """The status of every service of `env` and the alarms in ALARM (read-only calls)."""
    profile = platform.environment(env)
    if profile.kind != "aws":
        raise EventctlError(
            f"status reads ECS, load balancers and alarms; the {env} environment runs on this "
            "machine without them",
            hint="use --env dev or --env prod; for the local environment: `eventctl env ps` "
            "(processes, health) and `eventctl logs tail --env local`",
        )
    names = platform.names(env)
    wanted = {names.ecs_service(s): s for s in platform.services}
    found, _ = ecs.describe_services(names.cluster, list(wanted))
    services = [
        _service_status(
            service, ecs_name, found.get(ecs_name), ecs, load_balancing, events_per_service
        )
        for ecs_name, service in wanted.items()
    ]
    alarms = cloudwatch.alarms_in_alarm(f"{names.prefix}-")
    return StatusReport(env=env, cluster=names.cluster, services=services, alarms=alarms)


def _service_status(
    service: Service,
    ecs_name: str,
    described: dict[str, Any] | None,
    ecs: Ecs,
    load_balancing: LoadBalancing,
    events_per_service: int,
) -> ServiceStatus:
    status = ServiceStatus(service=service.name, ecs_service=ecs_name, exists=described is not None)
    if described is None:
        status.problems.append("the ECS service does not exist")
        return status
    status.desired = described.get("desiredCount", 0)
    status.running = described.get("runningCount", 0)
    status.pending = described.get("pendingCount", 0)
    deployments = described.get("deployments", [])
    status.deployments = len(deployments)
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    task_definition_arn = (primary or {}).get("taskDefinition") or described.get("taskDefinition")
    if task_definition_arn:
        status.task_definition = task_definition_arn.rsplit("/", 1)[-1]
        status.image = _image(ecs.task_definition(task_definition_arn), service)
        status.image_tag = _tag(status.image)
    if primary is not None:
        status.rollout = primary.get("rolloutState")
        status.rollout_reason = primary.get("rolloutStateReason")
        status.failed_tasks = primary.get("failedTasks", 0)
    status.trouble = _trouble(described.get("events", []), primary, events_per_service)
    for balancer in described.get("loadBalancers", []):
        arn = balancer.get("targetGroupArn")
        if arn:
            for target in load_balancing.target_health(arn):
                status.targets[target["state"]] = status.targets.get(target["state"], 0) + 1
                if target["state"] not in TARGET_OK:
                    status.unhealthy_targets.append(target)
    status.problems = _problems(status, has_targets=bool(described.get("loadBalancers")))
    return status


def _problems(status: ServiceStatus, *, has_targets: bool) -> list[str]:
    problems = []
    if status.running < status.desired:
        problems.append(f"running {status.running} of {status.desired} desired tasks")
    if status.rollout == "FAILED":
        problems.append(f"deployment failed: {status.rollout_reason or 'no reason given'}")
    elif status.rollout == "IN_PROGRESS":
        problems.append("deployment in progress")
    if status.deployments > 1:
        problems.append(f"{status.deployments} deployments live (a rollout has not finished)")
    if status.unhealthy_targets:
        states = Counter(t["state"] for t in status.unhealthy_targets)
        problems.append(
            "load balancer targets not healthy: "
            + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        )
    elif has_targets and status.desired > 0 and not status.targets.get("healthy"):
        problems.append("no healthy load balancer target")
    return problems


def _trouble(
    events: list[dict[str, Any]], primary: dict[str, Any] | None, limit: int
) -> list[ServiceEvent]:
    """The newest events since the PRIMARY deployment began that signal trouble, by id."""
    since = (primary or {}).get("createdAt")
    seen: set[str] = set()
    picked: list[ServiceEvent] = []
    for event in sorted(events, key=lambda e: _sortable(e.get("createdAt")), reverse=True):
        created = event.get("createdAt")
        if since is not None and created is not None and _sortable(created) < _sortable(since):
            break
        message = event.get("message", "")
        if event.get("id") in seen or not TROUBLE.search(message):
            continue
        seen.add(event.get("id", ""))
        picked.append(ServiceEvent(id=event.get("id", ""), at=iso(created), message=message))
        if len(picked) == limit:
            break
    return picked


def _image(task_definition: dict[str, Any], service: Service) -> str | None:
    containers = task_definition.get("containerDefinitions", [])
    preferred = [c for c in containers if c.get("name") in (service.name, service.full_name)]
    essential = [c for c in containers if c.get("essential", True)]
    chosen = (preferred or essential or containers or [None])[0]
    return chosen.get("image") if chosen else None


def _tag(image: str | None) -> str | None:
    """'v1.2' of 'repo:v1.2', 'sha256:ab12..' of 'repo@sha256:ab12..', 'latest' when none."""
    if not image:
        return None
    if "@" in image:
        return image.split("@", 1)[1][:19]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def _sortable(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return 0.0


def iso(value: Any) -> str:
    """An AWS timestamp (datetime, or whatever the API gave) as ISO-8601 text."""
    return value.isoformat() if isinstance(value, datetime) else str(value or "")
