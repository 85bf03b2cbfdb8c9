"""ECS responses moto cannot produce: services whose tasks run and whose rollouts finish or fail.

moto never starts service tasks (runningCount stays 0, rolloutState stays IN_PROGRESS), so a
healthy or a failed rollout is scripted here and fed through botocore's Stubber.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "eu-west-1"
DEPLOYED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def task_definition_arn(family: str, revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"


def service_description(
    name: str,
    cluster: str,
    *,
    desired: int = 2,
    running: int = 2,
    pending: int = 0,
    rollout: str = "COMPLETED",
    rollout_reason: str | None = None,
    task_definition: str,
    target_group_arns: tuple[str, ...] = (),
    events: tuple[tuple[str, str, int], ...] = (),
    old_deployment: bool = False,
) -> dict[str, Any]:
    """A DescribeServices `services[]` entry. `events` are (id, message, seconds after the
    PRIMARY deployment began; negative = before it)."""
    primary = {
        "id": f"ecs-svc/{name}",
        "status": "PRIMARY",
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": pending,
        "failedTasks": 0 if rollout != "FAILED" else 3,
        "createdAt": DEPLOYED_AT,
        "updatedAt": DEPLOYED_AT,
        "rolloutState": rollout,
        "rolloutStateReason": rollout_reason or f"ECS deployment {rollout.lower()}.",
    }
    deployments = [primary]
    if old_deployment:
        deployments.append({**primary, "id": "ecs-svc/1", "status": "ACTIVE"})
    return {
        "serviceName": name,
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}",
        "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}",
        "status": "ACTIVE",
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": pending,
        "taskDefinition": task_definition,
        "deployments": deployments,
        "loadBalancers": [
            {"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}
            for arn in target_group_arns
        ],
        "events": [
            {
                "id": event_id,
                "createdAt": DEPLOYED_AT + timedelta(seconds=offset),
                "message": message,
            }
            for event_id, message, offset in events
        ],
    }


def task_definition_response(arn: str, image: str) -> dict[str, Any]:
    family, revision = arn.rsplit("/", 1)[-1].split(":")
    return {
        "taskDefinition": {
            "taskDefinitionArn": arn,
            "family": family,
            "revision": int(revision),
            "containerDefinitions": [{"name": family, "image": image, "essential": True}],
        }
    }


class ScriptedEcsClient:
    """An `ecs` client whose DescribeServices answers come from a script, one per call.

    Each step is a list of `services[]` entries, or an exception to raise (throttling). The
    last step repeats once the script is over, as a rollout that stops changing does.

    `stopped` scripts ListTasks (desiredStatus STOPPED) the same way: each step is the
    DescribeTasks `tasks[]` entries of the tasks stopped so far (see `stopped_task`), or an
    exception. ListTasks pages them `page_size` at a time; DescribeTasks answers from the
    tasks listed last, and refuses more than 100 ARNs as ECS does.
    """

    def __init__(
        self,
        steps: list[list[dict[str, Any]] | Exception],
        stopped: list[list[dict[str, Any]] | Exception] | None = None,
        page_size: int = 100,
    ) -> None:
        self.steps = list(steps)
        self.asked: list[list[str]] = []
        self.stopped = list(stopped or [[]])
        self.page_size = page_size
        self.tasks: dict[str, dict[str, Any]] = {}
        self.listed: list[dict[str, Any]] = []
        self.described: list[list[str]] = []

    def list_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self.listed.append(dict(kwargs))
        assert kwargs.get("desiredStatus") == "STOPPED" and "startedBy" not in kwargs
        token = kwargs.get("nextToken")
        if token is None:
            step = self.stopped.pop(0) if len(self.stopped) > 1 else self.stopped[0]
            if isinstance(step, Exception):
                raise step
            self.tasks = {t["taskArn"]: t for t in step}
        arns = list(self.tasks)
        start = int(token or 0)
        page = arns[start : start + self.page_size]
        more = start + self.page_size < len(arns)
        return {"taskArns": page, **({"nextToken": str(start + self.page_size)} if more else {})}

    def describe_tasks(self, cluster: str, tasks: list[str]) -> dict[str, Any]:
        if len(tasks) > 100:
            raise ClientError(
                {"Error": {"Code": "InvalidParameterException", "Message": "too many tasks"}},
                "DescribeTasks",
            )
        self.described.append(list(tasks))
        return {
            "tasks": [self.tasks[arn] for arn in tasks if arn in self.tasks],
            "failures": [
                {"arn": arn, "reason": "MISSING"} for arn in tasks if arn not in self.tasks
            ],
        }

    def describe_services(self, cluster: str, services: list[str]) -> dict[str, Any]:
        self.asked.append(list(services))
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        wanted = [s for s in step if s["serviceName"] in services]
        return {"services": wanted, "failures": []}


class FakeTargetHealth:
    """An `elbv2` client whose targets are in the states given per target group (moto says
    healthy to everything)."""

    def __init__(self, states: dict[str, list[list[str]]]) -> None:
        self.states = {arn: list(steps) for arn, steps in states.items()}

    def describe_target_health(self, TargetGroupArn: str) -> dict[str, Any]:
        steps = self.states[TargetGroupArn]
        now = steps.pop(0) if len(steps) > 1 else steps[0]
        return {
            "TargetHealthDescriptions": [
                {
                    "Target": {"Id": f"10.0.11.{i}", "Port": 8080},
                    "TargetHealth": {"State": state},
                }
                for i, state in enumerate(now)
            ]
        }


def deployment(
    task_definition: str,
    *,
    status: str = "PRIMARY",
    rollout: str = "IN_PROGRESS",
    desired: int = 2,
    running: int = 0,
    pending: int = 0,
    failed: int = 0,
    reason: str | None = None,
    deployment_id: str = "ecs-svc/new",
) -> dict[str, Any]:
    """One `deployments[]` entry of DescribeServices."""
    return {
        "id": deployment_id,
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": pending,
        "failedTasks": failed,
        "createdAt": DEPLOYED_AT,
        "updatedAt": DEPLOYED_AT,
        "rolloutState": rollout,
        "rolloutStateReason": reason or f"ECS deployment {deployment_id} {rollout.lower()}.",
    }


def service_with(
    name: str,
    cluster: str,
    deployments: list[dict[str, Any]],
    *,
    target_group_arns: tuple[str, ...] = (),
    events: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """A `services[]` entry holding `deployments`; `events` are (id, message), newest first."""
    primary = next(d for d in deployments if d["status"] == "PRIMARY")
    return {
        "serviceName": name,
        "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}",
        "status": "ACTIVE",
        "desiredCount": primary["desiredCount"],
        "runningCount": sum(d["runningCount"] for d in deployments),
        "pendingCount": sum(d["pendingCount"] for d in deployments),
        "taskDefinition": primary["taskDefinition"],
        "deployments": deployments,
        "loadBalancers": [
            {"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}
            for arn in target_group_arns
        ],
        "events": [
            {"id": event_id, "createdAt": DEPLOYED_AT, "message": message}
            for event_id, message in events
        ],
    }


def stopped_task(
    task_id: str,
    reason: str = "Essential container in task exited",
    *,
    exit_code: int | None = 1,
    container_reason: str | None = None,
    started_by: str = "ecs-svc/new",
    stop_code: str = "EssentialContainerExited",
    last_status: str = "STOPPED",
    cluster: str = "event-planner-dev-cluster",
    container: str = "event-planner-dev-auth-service",
    after: int = 60,
) -> dict[str, Any]:
    """A DescribeTasks `tasks[]` entry of a service task that stopped `after` seconds after
    the deployment began. `task_id` is padded to ECS's 32 hex digits."""
    return {
        "taskArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{task_id.ljust(32, '0')}",
        "startedBy": started_by,
        "group": "service:event-planner-dev-auth-service",
        "lastStatus": last_status,
        "desiredStatus": "STOPPED",
        "stopCode": stop_code,
        "stoppedReason": reason,
        "stoppedAt": DEPLOYED_AT + timedelta(seconds=after),
        "containers": [
            {
                "name": container,
                "lastStatus": last_status,
                **({"exitCode": exit_code} if exit_code is not None else {}),
                **({"reason": container_reason} if container_reason else {}),
            }
        ],
    }
