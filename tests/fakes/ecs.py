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
