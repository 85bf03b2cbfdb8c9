"""ECS responses moto cannot produce: services whose tasks run and whose rollouts finish or fail.

moto never starts service tasks (runningCount stays 0, rolloutState stays IN_PROGRESS), so a
healthy or a failed rollout is scripted here and fed through botocore's Stubber.
"""

from __future__ import annotations

import contextlib
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


class RolloutEcs:
    """moto's ECS client, with the rollouts moto never runs played out per image.

    moto keeps the task definitions and services (register, update, describe are real);
    this wrapper adds what ECS does next. Each UpdateService starts a deployment whose course
    depends on the image of its task definition, looked up in `behaviour` by digest
    (anything not listed is healthy):

    - "healthy": IN_PROGRESS at the first look, COMPLETED with its tasks running after;
    - "crash": never completes; one more task stops at each look, exit 1, and writes
      `log_lines` lines to its awslogs stream in moto's CloudWatch Logs;
    - "fail": FAILED at the second look, still PRIMARY (no circuit-breaker rollback);
    - "circuit-breaker": FAILED at the second look, and ECS starts a deployment of the
      task definition it replaced (which then completes), as the circuit breaker does;
    - "stall": IN_PROGRESS forever.

    `throttle` DescribeServices calls in a row answer ThrottlingException, from call
    number `throttle_from` on.
    """

    def __init__(
        self,
        real: Any,
        behaviour: dict[str, str],
        *,
        logs: Any = None,
        log_lines: int = 25,
        throttle: int = 0,
        throttle_from: int = 3,
    ) -> None:
        self.real = real
        self.behaviour = behaviour
        self.logs = logs
        self.log_lines = log_lines
        self.throttle = throttle
        self.throttle_from = throttle_from
        self.describe_calls = 0
        self.deployments: dict[str, list[dict[str, Any]]] = {}
        self.stopped: dict[str, list[dict[str, Any]]] = {}
        self.updates: list[tuple[str, str]] = []
        self._serial = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    # -- writes ------------------------------------------------------------------------

    def update_service(self, **kwargs: Any) -> dict[str, Any]:
        before = self.real.describe_services(
            cluster=kwargs["cluster"], services=[kwargs["service"]]
        )["services"][0]["taskDefinition"]
        response: dict[str, Any] = self.real.update_service(**kwargs)
        service = response["service"]["serviceName"]
        self.updates.append((service, kwargs["taskDefinition"]))
        desired = response["service"]["desiredCount"]
        self._start(service, kwargs["taskDefinition"], desired, replaced=before)
        return response

    def _start(
        self, service: str, task_definition: str, desired: int, replaced: str | None = None
    ) -> None:
        self._serial += 1
        history = self.deployments.setdefault(service, [])
        for old in history:
            if old["status"] == "PRIMARY":
                old["status"] = "ACTIVE"
        history.insert(
            0,
            {
                "id": f"ecs-svc/{self._serial:04d}",
                "status": "PRIMARY",
                "taskDefinition": task_definition,
                "desiredCount": desired,
                "looks": 0,
                "kind": self._kind(task_definition),
                "replaced": replaced,
            },
        )

    def _kind(self, task_definition: str) -> str:
        definition = self.real.describe_task_definition(taskDefinition=task_definition)
        images = [c["image"] for c in definition["taskDefinition"]["containerDefinitions"]]
        for image in images:
            digest = image.partition("@")[2]
            if digest in self.behaviour:
                return self.behaviour[digest]
        return "healthy"

    # -- reads -------------------------------------------------------------------------

    def describe_services(self, **kwargs: Any) -> dict[str, Any]:
        self.describe_calls += 1
        first = self.throttle_from
        if self.throttle and first <= self.describe_calls < first + self.throttle:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "DescribeServices",
            )
        response: dict[str, Any] = self.real.describe_services(**kwargs)
        for service in response["services"]:
            self._play(service)
        return response

    def _play(self, service: dict[str, Any]) -> None:
        name = service["serviceName"]
        history = self.deployments.get(name)
        if not history:
            service["deployments"] = [
                _shown(
                    {"id": "ecs-svc/initial", "status": "PRIMARY", "kind": "healthy"},
                    service["taskDefinition"],
                    service["desiredCount"],
                    "COMPLETED",
                )
            ]
            return
        primary = history[0]
        primary["looks"] += 1
        kind, looks = primary["kind"], primary["looks"]
        if kind in ("fail", "circuit-breaker") and looks >= 2 and "failed" not in primary:
            primary["failed"] = True
            if kind == "circuit-breaker" and primary["replaced"]:
                self.real.update_service(
                    cluster=service["clusterArn"].rsplit("/", 1)[-1],
                    service=name,
                    taskDefinition=primary["replaced"],
                )
                self._start(name, primary["replaced"], primary["desiredCount"])
                history[0]["kind"] = "healthy"
                history[0]["looks"] = 1
                service["events"] = [
                    {
                        "id": f"cb-{primary['id']}",
                        "createdAt": DEPLOYED_AT,
                        "message": f"(service {name}) rolling back to deployment "
                        f"{history[0]['id']}: circuit breaker: tasks failed to start.",
                    }
                ]
        if kind == "crash" and history[0] is primary:
            self._crash(service, primary)
        shown = []
        for entry in self.deployments[name]:
            state = self._state(entry)
            if entry["status"] == "ACTIVE" and state == "COMPLETED":
                continue  # drained
            shown.append(_shown(entry, entry["taskDefinition"], entry["desiredCount"], state))
        top = self.deployments[name][0]
        if self._state(top) == "COMPLETED":
            shown = [s for s in shown if s["status"] == "PRIMARY"]
        service["deployments"] = shown
        service["taskDefinition"] = top["taskDefinition"]

    def _state(self, entry: dict[str, Any]) -> str:
        if entry.get("failed"):
            return "FAILED"
        if entry["kind"] == "healthy" and entry.get("looks", 0) >= 2:
            return "COMPLETED"
        if entry["id"] == "ecs-svc/initial":
            return "COMPLETED"
        return "IN_PROGRESS" if entry["status"] == "PRIMARY" else "COMPLETED"

    def _crash(self, service: dict[str, Any], deployment: dict[str, Any]) -> None:
        name = service["serviceName"]
        tasks = self.stopped.setdefault(name, [])
        task_id = f"{len(tasks) + 1:02d}{deployment['id'][-4:]}"
        container = name.removeprefix("event-planner-dev-")
        task = stopped_task(
            task_id,
            started_by=deployment["id"],
            container=container,
            container_reason="exited: ImportError: cannot import name 'settings'",
        )
        tasks.append(task)
        if self.logs is not None:
            group = f"/ecs/event-planner/dev/{container}"
            stream = f"ecs/{container}/{task['taskArn'].rsplit('/', 1)[-1]}"
            with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
                self.logs.create_log_group(logGroupName=group)
            self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
            now = int(datetime.now(UTC).timestamp() * 1000)
            self.logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[
                    {"timestamp": now + i, "message": f"{task_id} line {i + 1}"}
                    for i in range(self.log_lines)
                ],
            )

    def list_tasks(self, **kwargs: Any) -> dict[str, Any]:
        tasks = self.stopped.get(kwargs.get("serviceName", ""), [])
        return {"taskArns": [t["taskArn"] for t in tasks]}

    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]:
        wanted = set(kwargs["tasks"])
        every = [t for tasks in self.stopped.values() for t in tasks]
        return {"tasks": [t for t in every if t["taskArn"] in wanted], "failures": []}


def _shown(entry: dict[str, Any], task_definition: str, desired: int, state: str) -> dict[str, Any]:
    running = desired if state == "COMPLETED" else 0
    return {
        "id": entry["id"],
        "status": entry["status"],
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": desired - running,
        "failedTasks": 3 if state == "FAILED" else 0,
        "createdAt": DEPLOYED_AT,
        "updatedAt": DEPLOYED_AT,
        "rolloutState": state,
        "rolloutStateReason": f"ECS deployment {entry['id']} {state.lower()}.",
    }
