"""`eventctl deploy service` end to end against moto: checks, the new revision, --no-wait,
errors, Ctrl-C; a wait that succeeds uses an ECS client that finishes moto's rollouts (moto
never starts tasks)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from eventctl.adapters.aws.ecs import Ecs
from platform_model import build_platform
from tests.core.test_deploy import create_environment
from tests.fakes.ecs import stopped_task

SERVICES = ["event-planner-dev-auth-service", "event-planner-dev-booking-service"]


def live_task_definitions(moto_server: Any) -> dict[str, str]:
    described = moto_server.client("ecs").describe_services(
        cluster="event-planner-dev-cluster", services=SERVICES
    )["services"]
    return {s["serviceName"]: s["taskDefinition"].rsplit("/", 1)[-1] for s in described}


def test_no_wait_starts_the_rollout_and_returns(run_cli: Any, moto_server: Any) -> None:
    create_environment(moto_server, build_platform())

    result = run_cli(
        "deploy", "service", "auth", "booking", "--env", "dev", "--image-tag", "v2", "--no-wait",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 0, result
    assert live_task_definitions(moto_server) == {
        "event-planner-dev-auth-service": "event-planner-dev-auth-service:2",
        "event-planner-dev-booking-service": "event-planner-dev-booking-service:2",
    }
    assert (
        "auth: event-planner-dev-auth-service:1 -> event-planner-dev-auth-service:2 "
        "(123456789012.dkr.ecr.eu-west-1.amazonaws.com/event-planner-dev-auth-svc:v2)"
    ) in result.stderr
    assert "dev: started deploying auth, booking (not waiting)" in result.stdout


def test_no_wait_json(run_cli: Any, moto_server: Any) -> None:
    create_environment(moto_server, build_platform(), services=("auth",))

    result = run_cli(
        "deploy", "service", "auth", "-e", "dev", "-t", "v2", "--no-wait", "--json",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["image_tag"] == "v2"
    (auth,) = report["services"]
    assert auth["outcome"] == "started"
    assert auth["task_definition"].endswith(":task-definition/event-planner-dev-auth-service:2")
    assert auth["previous_task_definition"].endswith("event-planner-dev-auth-service:1")
    assert auth["previous_image"].endswith("/event-planner-dev-auth-svc:bootstrap")


class FinishingEcs:
    """moto's ECS client, except that DescribeServices shows the PRIMARY deployment on the
    service's task definition, COMPLETED, its tasks running: what ECS does and moto does not
    (its UpdateService starts no deployment; its tasks never run)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def describe_services(self, **kwargs: Any) -> dict[str, Any]:
        response: dict[str, Any] = self.real.describe_services(**kwargs)
        for service in response["services"]:
            service["runningCount"] = service["desiredCount"]
            for deployment in service["deployments"]:
                deployment.update(
                    taskDefinition=service["taskDefinition"],
                    rolloutState="COMPLETED",
                    runningCount=deployment["desiredCount"],
                    pendingCount=0,
                )
        return response


def test_waiting_ends_when_the_rollout_completes(
    run_cli: Any, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventctl.adapters.aws import clients

    create_environment(moto_server, build_platform())
    real_make_client = clients.make_client

    def make_client(service: str, target: Any) -> Any:
        client = real_make_client(service, target)
        return FinishingEcs(client) if service == "ecs" else client

    monkeypatch.setattr(clients, "make_client", make_client)

    result = run_cli(
        "deploy", "service", "booking", "--env", "dev", "--image-tag", "v2",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 0, result
    assert "booking  rev 2  COMPLETED  desired 2 running 2 pending 0 failed 0" in result.stderr
    assert "targets 1/1 healthy  -> succeeded" in result.stderr
    assert "dev: deployed booking (v2)" in result.stdout


class RecordingEcs(FinishingEcs):
    """FinishingEcs that records the stopped-task calls it passes on to moto."""

    def __init__(self, real: Any) -> None:
        super().__init__(real)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("ListTasks", kwargs))
        response: dict[str, Any] = self.real.list_tasks(**kwargs)
        return response

    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("DescribeTasks", kwargs))
        response: dict[str, Any] = self.real.describe_tasks(**kwargs)
        return response


def use_ecs(monkeypatch: pytest.MonkeyPatch, wrapper: Any) -> list[Any]:
    """Wrap every `ecs` client the CLI makes in `wrapper`; the wrapped clients."""
    from eventctl.adapters.aws import clients

    real_make_client = clients.make_client
    made: list[Any] = []

    def make_client(service: str, target: Any) -> Any:
        client = real_make_client(service, target)
        if service != "ecs":
            return client
        made.append(wrapper(client))
        return made[-1]

    monkeypatch.setattr(clients, "make_client", make_client)
    return made


def test_the_stopped_tasks_are_read_from_moto(
    run_cli: Any, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's ListTasks/DescribeTasks answer the new calls; it has no stopped tasks, so the
    deploy ends as before."""
    create_environment(moto_server, build_platform())
    made = use_ecs(monkeypatch, RecordingEcs)

    result = run_cli(
        "deploy", "service", "booking", "--env", "dev", "--image-tag", "v2", "--json",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 0, result
    (ecs,) = made
    (booking,) = json.loads(result.stdout)["services"]
    assert booking["outcome"] == "succeeded"
    assert booking["deployment_id"].startswith("ecs-svc/")
    assert booking["stopped_tasks"] == [] and booking["crash_loop"] is None
    assert ecs.calls == [
        (
            "ListTasks",
            {
                "cluster": "event-planner-dev-cluster",
                "serviceName": "event-planner-dev-booking-service",
                "desiredStatus": "STOPPED",
            },
        )
    ]
    # DescribeTasks went unused (nothing listed): moto answers it too, for a task it lost
    gone = "arn:aws:ecs:eu-west-1:123456789012:task/event-planner-dev-cluster/" + "a" * 32
    assert Ecs(moto_server.client("ecs")).describe_tasks("event-planner-dev-cluster", [gone]) == []


class CrashingEcs(FinishingEcs):
    """moto's ECS client whose new deployment never completes and whose three tasks stopped
    the same way (moto never runs tasks, so they are scripted)."""

    def __init__(self, real: Any) -> None:
        super().__init__(real)
        self.deployment_id = ""

    def describe_services(self, **kwargs: Any) -> dict[str, Any]:
        response = super().describe_services(**kwargs)
        for service in response["services"]:
            for deployment in service["deployments"]:
                deployment.update(rolloutState="IN_PROGRESS", runningCount=0, pendingCount=2)
                self.deployment_id = deployment["id"]
        return response

    def tasks(self) -> list[dict[str, Any]]:
        return [
            stopped_task(
                task_id,
                "Essential container in task exited",
                started_by=self.deployment_id,
                container="event-planner-dev-booking-service",
                container_reason="OutOfMemoryError: Container killed due to memory usage",
                exit_code=137,
            )
            for task_id in ("a1", "b2", "c3")
        ]

    def list_tasks(self, **kwargs: Any) -> dict[str, Any]:
        return {"taskArns": [t["taskArn"] for t in self.tasks()]}

    def describe_tasks(self, cluster: str, tasks: list[str]) -> dict[str, Any]:
        return {"tasks": [t for t in self.tasks() if t["taskArn"] in tasks], "failures": []}


def test_a_crash_loop_ends_the_wait_and_points_at_the_logs(
    run_cli: Any, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_environment(moto_server, build_platform())
    use_ecs(monkeypatch, CrashingEcs)

    result = run_cli(
        "deploy", "service", "booking", "--env", "dev", "--image-tag", "v2",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 1, result
    reason = (
        "Essential container in task exited (event-planner-dev-booking-service exit 137: "
        "OutOfMemoryError: Container killed due to memory usage)"
    )
    for task_id in ("a1000000", "b2000000", "c3000000"):
        assert f"  booking: task {task_id} stopped: {reason}\n" in result.stderr
    assert "booking  rev 2  IN_PROGRESS  desired 2 running 0 pending 2" in result.stderr
    assert "-> crash loop" in result.stderr
    assert (
        f"booking: 3 tasks of the new deployment stopped with the same reason: {reason}"
    ) in result.stdout
    assert "the rollout continues in ECS, whose circuit breaker will roll it back" in (
        result.stdout
    )
    assert "`eventctl logs tail booking --env dev --since 15m`" in result.stdout
    assert "dev: deploy NOT done: booking crash loop" in result.stdout


def test_crash_loop_sets_how_many_stops_end_the_wait(
    run_cli: Any, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three same stops with --crash-loop 4: the watcher keeps waiting (and is interrupted)."""
    create_environment(moto_server, build_platform())
    use_ecs(monkeypatch, CrashingEcs)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupted)

    result = run_cli(
        "deploy", "service", "booking", "--env", "dev", "--image-tag", "v2", "--crash-loop", "4",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 130, result
    assert result.stderr.count("stopped: Essential container in task exited") == 3
    assert "crash loop" not in result.stderr + result.stdout


def test_ctrl_c_stops_waiting_not_the_rollout(
    run_cli: Any, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's rollout stays IN_PROGRESS, so the watcher sleeps: the interrupt comes there."""
    create_environment(moto_server, build_platform(), services=("auth",))

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupted)

    result = run_cli(
        "deploy", "service", "auth", "--env", "dev", "--image-tag", "v2", env=moto_server.environ
    )

    assert result.exit_code == 130, result
    assert "auth  rev 2  IN_PROGRESS  desired 2 running 0" in result.stderr
    assert "stopped waiting; the rollout continues in ECS" in result.stderr
    assert "eventctl status --env dev" in result.stderr
    assert live_task_definitions(moto_server)["event-planner-dev-auth-service"].endswith(":2")


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (
            ["billing", "--env", "dev"],
            "error: unknown service 'billing'",
            "hint: known services: auth, event, booking, payment, notification",
        ),
        (
            ["auth", "--env", "local"],
            "error: deploy rolls images out to ECS; the local environment runs the services",
            "hint: use --env dev or --env prod",
        ),
        (
            ["auth", "--env", "staging"],
            "error: unknown environment 'staging'",
            "hint: known environments: local, dev, prod",
        ),
        (
            ["auth", "--env", "dev", "--timeout", "soon"],
            "error: cannot read the duration 'soon'",
            "hint: use a duration like 90s, 15m or 1h",
        ),
    ],
)
def test_bad_input_is_refused_before_any_call(
    run_cli: Any, moto_server: Any, args: list[str], message: str, hint: str
) -> None:
    result = run_cli("deploy", "service", *args, "--image-tag", "v2", env=moto_server.environ)

    assert result.exit_code == 1, result
    assert message in result.stderr
    assert hint in result.stderr


def test_a_missing_tag_names_repository_and_tag(run_cli: Any, moto_server: Any) -> None:
    create_environment(moto_server, build_platform())

    result = run_cli(
        "deploy", "service", "auth", "booking", "--env", "dev", "--image-tag", "v9",
        env=moto_server.environ,
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: ECR repository event-planner-dev-auth-svc has no image tagged 'v9'\nhint: "
    )
    assert live_task_definitions(moto_server) == {
        "event-planner-dev-auth-service": "event-planner-dev-auth-service:1",
        "event-planner-dev-booking-service": "event-planner-dev-booking-service:1",
    }


def test_an_environment_not_deployed_points_at_env_up(run_cli: Any, moto_server: Any) -> None:
    result = run_cli(
        "deploy", "service", "auth", "--env", "dev", "-t", "v2", env=moto_server.environ
    )

    assert result.exit_code == 1
    assert "error: ECS cluster event-planner-dev-cluster does not exist" in result.stderr
    assert "hint: create it with `eventctl env up dev`" in result.stderr


def test_missing_credentials_say_how_to_set_them(
    run_cli: Any, moto_server: Any, tmp_path: Any
) -> None:
    nowhere = str(tmp_path / "absent")
    environ: dict[str, Any] = {
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_SHARED_CREDENTIALS_FILE": nowhere,
        "AWS_CONFIG_FILE": nowhere,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    }

    result = run_cli("deploy", "service", "auth", "--env", "dev", "-t", "v2", env=environ)

    assert result.exit_code == 1
    assert "AWS credentials missing or invalid" in result.stderr
    assert "hint: set AWS_PROFILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_and_tag_are_required(run_cli: Any) -> None:
    result = run_cli("deploy", "service", "auth", "--image-tag", "v2")

    assert result.exit_code == 2
    assert "Missing option '--env'" in result.stderr
