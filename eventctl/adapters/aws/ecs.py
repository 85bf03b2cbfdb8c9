"""ECS: the describe calls `status` needs, the two writes `deploy` makes and the stopped tasks
it reads while watching, throttling retried."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call

DESCRIBE_SERVICES_LIMIT = 10
DESCRIBE_TASKS_LIMIT = 100


class ClusterNotFound(AwsError):
    """The ECS cluster does not exist."""

    def __init__(self, cluster: str) -> None:
        super().__init__(
            f"ECS cluster {cluster} does not exist",
            hint="deploy the environment first (eventctl env up ENV), or check --env and --region",
            code="ClusterNotFoundException",
        )
        self.cluster = cluster


class Ecs:
    """ECS calls on one boto3 `ecs` client: describes, and the writes a deploy makes."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()
        self._task_definitions: dict[str, dict[str, Any]] = {}

    def _in_cluster(self, what: str, method: Any, *, cluster: str, **kwargs: Any) -> Any:
        """`call` for an operation on `cluster`; a missing cluster is ClusterNotFound."""
        try:
            return call(what, method, self.backoff, cluster=cluster, **kwargs)
        except AwsError as exc:
            if exc.code == "ClusterNotFoundException":
                raise ClusterNotFound(cluster) from None
            raise

    def describe_services(
        self, cluster: str, names: Sequence[str]
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """({service name: description}, [names ECS reports missing]), ten at a time."""
        found: dict[str, dict[str, Any]] = {}
        missing: list[str] = []
        for start in range(0, len(names), DESCRIBE_SERVICES_LIMIT):
            chunk = list(names[start : start + DESCRIBE_SERVICES_LIMIT])
            response = self._in_cluster(
                f"DescribeServices in {cluster}",
                self.client.describe_services,
                cluster=cluster,
                services=chunk,
            )
            for service in response.get("services", []):
                if service.get("status") == "INACTIVE":
                    continue
                found[service["serviceName"]] = service
            missing += [n for n in chunk if n not in found]
        return found, missing

    def task_definition(self, arn: str) -> dict[str, Any]:
        """The task definition `arn` (cached: revisions never change)."""
        if arn not in self._task_definitions:
            response = call(
                f"DescribeTaskDefinition {arn.rsplit('/', 1)[-1]}",
                self.client.describe_task_definition,
                self.backoff,
                taskDefinition=arn,
            )
            self._task_definitions[arn] = response["taskDefinition"]
        return self._task_definitions[arn]

    def task_definition_with_tags(self, arn: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """The task definition `arn` as DescribeTaskDefinition returns it, and its tags."""
        response = call(
            f"DescribeTaskDefinition {arn.rsplit('/', 1)[-1]}",
            self.client.describe_task_definition,
            self.backoff,
            taskDefinition=arn,
            include=["TAGS"],
        )
        return response["taskDefinition"], list(response.get("tags") or [])

    def register_task_definition(
        self, definition: dict[str, Any], tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        """Register a new revision of `definition['family']`; the registered definition."""
        kwargs = {**definition, **({"tags": tags} if tags else {})}
        response = call(
            f"RegisterTaskDefinition {definition.get('family', '')}",
            self.client.register_task_definition,
            self.backoff,
            **kwargs,
        )
        registered: dict[str, Any] = response["taskDefinition"]
        return registered

    def update_service(self, cluster: str, service: str, task_definition: str) -> dict[str, Any]:
        """Point `service` at `task_definition` (ECS starts a rolling deployment); the service."""
        response = self._in_cluster(
            f"UpdateService {service}",
            self.client.update_service,
            cluster=cluster,
            service=service,
            taskDefinition=task_definition,
        )
        updated: dict[str, Any] = response["service"]
        return updated

    def stopped_task_arns(self, cluster: str, service: str) -> list[str]:
        """ARNs of `service`'s tasks whose desired status is STOPPED, every page.

        ECS lists a stopped task for about an hour. The filter is the service name, not
        `startedBy`: the ListTasks reference says a `startedBy` filter must be the only one,
        and without `desiredStatus` only running tasks are listed. Callers pick the tasks of
        one deployment by each task's `startedBy` (Copilot does the same).
        """
        request: dict[str, Any] = {
            "cluster": cluster,
            "serviceName": service,
            "desiredStatus": "STOPPED",
        }
        arns: list[str] = []
        while True:
            response = self._in_cluster(
                f"ListTasks of {service}", self.client.list_tasks, **request
            )
            arns += [str(arn) for arn in response.get("taskArns", [])]
            token = response.get("nextToken")
            if not token or token == request.get("nextToken"):
                return arns
            request["nextToken"] = token

    def describe_tasks(self, cluster: str, arns: Sequence[str]) -> list[dict[str, Any]]:
        """The tasks `arns` as DescribeTasks returns them, a hundred at a time (tasks ECS no
        longer knows are left out)."""
        tasks: list[dict[str, Any]] = []
        for start in range(0, len(arns), DESCRIBE_TASKS_LIMIT):
            chunk = list(arns[start : start + DESCRIBE_TASKS_LIMIT])
            response = self._in_cluster(
                f"DescribeTasks in {cluster}",
                self.client.describe_tasks,
                cluster=cluster,
                tasks=chunk,
            )
            tasks += list(response.get("tasks", []))
        return tasks
