"""ECS responses moto cannot produce: services whose tasks run and whose rollouts finish or fail.

moto never starts service tasks (runningCount stays 0, rolloutState stays IN_PROGRESS), so a
healthy or a failed rollout is scripted here and fed through botocore's Stubber.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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
    """

    def __init__(self, steps: list[list[dict[str, Any]] | Exception]) -> None:
        self.steps = list(steps)
        self.asked: list[list[str]] = []

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
