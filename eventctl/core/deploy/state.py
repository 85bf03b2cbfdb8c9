"""What a rollout is made of: the outcomes, the stopped tasks, one service's rollout, a run.

Shared by `start` (which creates the rollouts), `watch` (which moves them to an outcome) and
`release` (which rolls back and records them).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from eventctl.core.status import ServiceEvent, iso

KEPT_EVENTS = 20
KEPT_STOPPED_TASKS = 20

IN_PROGRESS = "in progress"
STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
ROLLED_BACK = "rolled back"
TIMED_OUT = "timed out"
CRASH_LOOP = "crash loop"
INTERRUPTED = "interrupted"

NOT_A_CRASH = frozenset({"UserInitiated", "SpotInterruption", "TerminationNotice"})
"""Stop codes of tasks stopped from outside: someone's StopTask, a Spot or host reclaim."""
_SCALING = "Scaling activity initiated by"
"""How ECS starts the stoppedReason of a task it stops to scale in (no crash either)."""
_TASK_ID = re.compile(r"\b[0-9a-f]{32}\b")
_RETRIES = re.compile(r"\b\d+ time\(s\)")


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
        return self.outcome in (SUCCEEDED, FAILED, ROLLED_BACK, TIMED_OUT, CRASH_LOOP, INTERRUPTED)

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


# -- small helpers ---------------------------------------------------------------------------


def revision_of(task_definition_arn: str) -> str:
    """'family:12' of a task definition ARN."""
    return task_definition_arn.rsplit("/", 1)[-1]


def tag_of(image: str | None) -> str | None:
    """'v7' of 'repo:v7' (None for a digest or no tag)."""
    if not image or "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None
