"""The health-gated watcher against scripted ECS answers: moto never runs service tasks, so
rollouts that complete, fail, roll back or stall are written out in tests/fakes/ecs.py."""

from __future__ import annotations

import copy
import random
from typing import Any

from botocore.exceptions import ClientError

from eventctl.adapters.aws._calls import Backoff
from eventctl.adapters.aws.ecs import Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.core.deploy.state import (
    CRASH_LOOP,
    FAILED,
    ROLLED_BACK,
    SUCCEEDED,
    TIMED_OUT,
    DeployResult,
    Poll,
    ServiceRollout,
)
from eventctl.core.deploy.watch import watch_deploy
from tests.fakes.ecs import (
    FakeTargetHealth,
    ScriptedEcsClient,
    deployment,
    service_with,
    stopped_task,
    task_definition_arn,
)

ENV = "dev"


# -- watching a rollout (scripted ECS: moto never runs tasks) ----------------------------------

CLUSTER = "event-planner-dev-cluster"
OLD = task_definition_arn("event-planner-dev-auth-service", 7)
NEW = task_definition_arn("event-planner-dev-auth-service", 8)
GROUP = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/event-planner-dev-auth/1"


class Clock:
    """Time that moves only when the watcher sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def started(service: str = "auth", old: str = OLD, new: str = NEW) -> ServiceRollout:
    return ServiceRollout(
        service=service,
        ecs_service=f"event-planner-dev-{service}-service",
        image=f"repo/{service}:v8",
        image_digest="sha256:ab",
        previous_task_definition=old,
        previous_image=f"repo/{service}:v7",
        task_definition=new,
        replaced_deployment="ecs-svc/old",
        seen_event_ids={"old-1"},
    )


def auth(*deployments: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return service_with("event-planner-dev-auth-service", CLUSTER, list(deployments), **kwargs)


def watch(
    steps: list[Any],
    targets: list[list[str]] | None = None,
    *,
    rollouts: list[ServiceRollout] | None = None,
    timeout: float = 900,
    stopped: list[Any] | None = None,
    page_size: int = 100,
    crash_loop: int = 3,
) -> tuple[DeployResult, Clock, list[Poll], ScriptedEcsClient]:
    result = DeployResult(ENV, CLUSTER, "v8", rollouts or [started()])
    clock = Clock()
    polls: list[Poll] = []
    client = ScriptedEcsClient(steps, stopped, page_size)
    watch_deploy(
        result,
        ecs=Ecs(client, Backoff(attempts=1)),
        load_balancing=LoadBalancing(FakeTargetHealth({GROUP: targets or [["healthy"] * 2]})),
        timeout=timeout,
        clock=clock.clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        on_poll=lambda poll: polls.append(copy.deepcopy(poll)),  # as it was at that poll
        crash_loop=crash_loop,
    )
    return result, clock, polls, client


def test_a_completed_rollout_with_healthy_targets_succeeds() -> None:
    steps = [
        [auth(deployment(NEW, pending=2), deployment(OLD, status="ACTIVE", running=2))],
        [auth(deployment(NEW, running=1, pending=1), deployment(OLD, status="ACTIVE", running=1))],
        [auth(deployment(NEW, rollout="COMPLETED", running=2), target_group_arns=(GROUP,))],
    ]

    result, clock, polls, _ = watch(steps)

    (rollout,) = result.rollouts
    assert rollout.outcome == SUCCEEDED and result.ok
    assert (rollout.desired, rollout.running, rollout.rollout) == (2, 2, "COMPLETED")
    assert rollout.targets == {"healthy": 2}
    assert len(polls) == 3 and len(clock.sleeps) == 2
    assert all(4 <= s < 5 for s in clock.sleeps)  # the poll interval plus jitter


def test_success_waits_for_the_load_balancer_targets() -> None:
    done = [auth(deployment(NEW, rollout="COMPLETED", running=2), target_group_arns=(GROUP,))]

    result, _, polls, _ = watch(
        [done], targets=[["initial", "initial"], ["healthy", "unhealthy"], ["healthy", "healthy"]]
    )

    assert result.rollouts[0].outcome == SUCCEEDED
    assert len(polls) == 3


def test_targets_that_stay_unhealthy_time_out() -> None:
    done = [auth(deployment(NEW, rollout="COMPLETED", running=2), target_group_arns=(GROUP,))]

    result, clock, _, _ = watch([done], targets=[["healthy", "unhealthy"]], timeout=60)

    (rollout,) = result.rollouts
    assert rollout.outcome == TIMED_OUT and not result.ok
    assert rollout.detail == (
        "gave up after 1m waiting for load balancer targets to become healthy (1 of 2; 1 unhealthy)"
    )
    assert clock.now >= 1060


def test_a_failed_rollout_fails_and_shows_its_trouble_once() -> None:
    events = (
        ("e2", "(service auth) is unable to consistently start tasks successfully."),
        ("e1", "(service auth) has started 2 tasks: (task a) (task b)."),
        ("old-1", "(service auth) failed container health checks last week."),
    )
    failing = auth(deployment(NEW, pending=2), deployment(OLD, status="ACTIVE"), events=events[1:])
    failed = auth(
        deployment(NEW, rollout="FAILED", failed=3, reason="tasks failed to start."),
        deployment(OLD, status="ACTIVE", running=2),
        events=events,
    )

    result, _, polls, _ = watch([[failing], [failed], [failed]])

    (rollout,) = result.rollouts
    assert rollout.outcome == FAILED
    assert rollout.detail == "the deployment failed: tasks failed to start."
    assert rollout.failed_tasks == 3
    reported = [event.id for poll in polls for _, event in poll.new_events]
    assert reported == ["e2"]  # e1 is no trouble, old-1 predates the deploy
    assert len(polls) == 2


def test_a_circuit_breaker_rollback_is_a_failure() -> None:
    """The rollback's PRIMARY deployment runs the old task definition: ANCHORS' bug."""
    rolled_back = auth(
        deployment(OLD, rollout="IN_PROGRESS", running=1, deployment_id="ecs-svc/rollback"),
        deployment(
            NEW,
            status="ACTIVE",
            rollout="FAILED",
            failed=2,
            reason="ECS deployment circuit breaker: tasks failed to start.",
        ),
        events=(("e9", "(service auth) rolling back to deployment ecs-svc/old."),),
    )

    result, _, polls, _ = watch([[auth(deployment(NEW, pending=2))], [rolled_back]])

    (rollout,) = result.rollouts
    assert rollout.outcome == ROLLED_BACK and not result.ok
    assert rollout.detail == (
        "the deployment failed and ECS rolled the service back to "
        "event-planner-dev-auth-service:7: ECS deployment circuit breaker: tasks failed to start."
    )
    assert rollout.live_task_definition == OLD
    assert [e.id for _, e in polls[-1].new_events] == ["e9"]


def test_a_finished_rollback_is_still_a_failure() -> None:
    """The rollback has completed and our deployment is gone: still not a success."""
    back = auth(deployment(OLD, rollout="COMPLETED", running=2, deployment_id="ecs-svc/rollback"))

    result, _, _, _ = watch([[back]])

    assert result.rollouts[0].outcome == ROLLED_BACK


def test_the_replaced_deployment_still_primary_is_not_a_rollback() -> None:
    """Until ECS shows the new deployment, the one it replaces stays PRIMARY (moto: always)."""
    not_yet = auth(deployment(OLD, rollout="COMPLETED", running=2, deployment_id="ecs-svc/old"))
    done = auth(deployment(NEW, rollout="COMPLETED", running=2))

    result, _, polls, _ = watch([[not_yet], [done]])

    assert result.rollouts[0].outcome == SUCCEEDED
    assert polls[0].rollouts[0].detail == "ECS to start the new deployment"


def test_another_deployment_taking_over_is_a_failure() -> None:
    other = task_definition_arn("event-planner-dev-auth-service", 9)

    result, _, _, _ = watch([[auth(deployment(other, deployment_id="ecs-svc/other"))]])

    (rollout,) = result.rollouts
    assert rollout.outcome == FAILED
    assert "another deployment (event-planner-dev-auth-service:9)" in rollout.detail


def test_a_rollout_that_never_finishes_times_out_saying_what_it_waited_for() -> None:
    stuck = [auth(deployment(NEW, running=1, pending=1), deployment(OLD, status="ACTIVE"))]

    result, clock, _, _ = watch([stuck], timeout=30)

    (rollout,) = result.rollouts
    assert rollout.outcome == TIMED_OUT
    assert (
        rollout.detail == "gave up after 30s waiting for rollout IN_PROGRESS, 1 of 2 tasks running"
    )
    assert clock.now == 1030  # the last sleep is cut to the deadline


def test_throttling_backs_off_then_recovers() -> None:
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "DescribeServices"
    )
    done = [auth(deployment(NEW, rollout="COMPLETED", running=2))]

    result, clock, polls, _ = watch([throttled, throttled, done])

    assert result.rollouts[0].outcome == SUCCEEDED
    assert [p.throttled_for for p in polls] == [8.0, 16.0, None]
    assert 8 <= clock.sleeps[0] < 9 and 16 <= clock.sleeps[1] < 17


def test_each_service_is_watched_until_it_ends() -> None:
    booking_old = task_definition_arn("event-planner-dev-booking-service", 3)
    booking_new = task_definition_arn("event-planner-dev-booking-service", 4)
    booking = "event-planner-dev-booking-service"
    auth_done = auth(deployment(NEW, rollout="COMPLETED", running=2))
    booking_busy = service_with(booking, CLUSTER, [deployment(booking_new, pending=2)])
    booking_failed = service_with(booking, CLUSTER, [deployment(booking_new, rollout="FAILED")])
    rollouts = [started(), started("booking", booking_old, booking_new)]

    result, _, _, client = watch(
        [[auth_done, booking_busy], [auth_done, booking_failed]], rollouts=rollouts
    )

    assert [r.outcome for r in result.rollouts] == [SUCCEEDED, FAILED]
    assert client.asked == [["event-planner-dev-auth-service", booking], [booking]]
    assert result.to_dict()["ok"] is False


# -- stopped tasks and crash loops (scripted ListTasks/DescribeTasks) --------------------------

ROLLING = [auth(deployment(NEW, pending=2), deployment(OLD, status="ACTIVE", running=2))]
DONE = [auth(deployment(NEW, rollout="COMPLETED", running=2))]
CRASH = "Essential container in task exited"


def shown(polls: list[Poll]) -> list[list[str]]:
    """The task ids each poll reported stopped."""
    return [[task.task_id[:2] for _, task in poll.stopped_tasks] for poll in polls]


def test_stopped_tasks_of_the_new_deployment_are_shown_once_each() -> None:
    not_yet = auth(deployment(OLD, rollout="COMPLETED", running=2, deployment_id="ecs-svc/old"))
    stopping = stopped_task("a1", last_status="DEPROVISIONING", exit_code=None)
    first = stopped_task("a1", exit_code=137, container_reason="OutOfMemoryError: killed")
    old = stopped_task(
        "0d",
        "Scaling activity initiated by (deployment ecs-svc/new)",
        started_by="ecs-svc/old",
        stop_code="ServiceSchedulerInitiated",
    )
    health = stopped_task(
        "b2",
        "Task failed ELB health checks in (target-group x)",
        stop_code="ServiceSchedulerInitiated",
        exit_code=143,
        after=90,
    )

    result, _, polls, client = watch(
        [[not_yet], ROLLING, ROLLING, ROLLING, DONE],
        stopped=[[stopping], [first, old], [first, old, health]],
        page_size=1,  # every task on its own ListTasks page
    )

    (rollout,) = result.rollouts
    assert rollout.outcome == SUCCEEDED
    assert rollout.deployment_id == "ecs-svc/new"
    # nothing is listed before ECS shows our deployment; a1 is shown once it has stopped
    assert shown(polls) == [[], [], ["a1"], ["b2"], []]
    assert polls[2].stopped_tasks[0][1].summary == (
        "Essential container in task exited "
        "(event-planner-dev-auth-service exit 137: OutOfMemoryError: killed)"
    )
    assert [t.task_id[:2] for t in rollout.stopped_tasks] == ["a1", "b2"]
    described = [arn[-32:-30] for arns in client.described for arn in arns]
    assert described == ["a1", "a1", "0d", "b2"]  # the old deployment's task only once
    assert {call["serviceName"] for call in client.listed} == {"event-planner-dev-auth-service"}
    report = result.to_dict()["services"][0]
    assert report["crash_loop"] is None
    assert [t["containers"][0]["exit_code"] for t in report["stopped_tasks"]] == [137, 143]


def test_three_tasks_stopped_for_the_same_reason_are_a_crash_loop() -> None:
    a, b, c = (stopped_task(i, CRASH, after=n) for n, i in enumerate(("a1", "b2", "c3")))

    result, _, polls, _ = watch([ROLLING], stopped=[[a], [a, b], [a, b, c]])

    (rollout,) = result.rollouts
    assert rollout.outcome == CRASH_LOOP and not result.ok
    assert len(polls) == 3  # it did not wait for the circuit breaker
    assert rollout.crash_loop == {
        "reason": "Essential container in task exited (event-planner-dev-auth-service exit 1)",
        "count": 3,
        "logs": "eventctl logs tail auth --env dev --since 15m",
    }
    assert rollout.detail == (
        "3 tasks of the new deployment stopped with the same reason: "
        "Essential container in task exited (event-planner-dev-auth-service exit 1)"
    )
    assert result.to_dict()["services"][0]["outcome"] == "crash loop"


def test_a_failed_image_pull_is_one_reason_whatever_its_retry_count() -> None:
    pulls = [
        stopped_task(
            task_id,
            f"CannotPullContainerError: pull image manifest has been retried {n} time(s): "
            "failed to resolve ref repo/auth:v8: not found",
            exit_code=None,
            stop_code="TaskFailedToStart",
        )
        for n, task_id in ((1, "a1"), (5, "b2"), (3, "c3"))
    ]

    result, _, _, _ = watch([ROLLING], stopped=[pulls])

    assert result.rollouts[0].outcome == CRASH_LOOP
    assert result.rollouts[0].crash_loop is not None
    assert result.rollouts[0].crash_loop["count"] == 3


def test_stops_for_different_reasons_are_no_crash_loop() -> None:
    stops = [
        stopped_task("a1", CRASH, exit_code=1),
        stopped_task("b2", CRASH, exit_code=137),  # same reason, another exit code
        stopped_task("c3", CRASH, exit_code=1),
        stopped_task(
            "d4",
            "Task failed ELB health checks in (target-group x)",
            exit_code=143,
            stop_code="ServiceSchedulerInitiated",
        ),
        # stopped from outside, or to scale in: however many, no crash
        *(
            stopped_task(f"e{n}", "Stopped by user", exit_code=0, stop_code="UserInitiated")
            for n in range(3)
        ),
        *(
            stopped_task(
                f"f{n}",
                "Scaling activity initiated by (deployment ecs-svc/new)",
                exit_code=0,
                stop_code="ServiceSchedulerInitiated",
            )
            for n in range(3)
        ),
    ]

    result, _, polls, _ = watch([ROLLING, ROLLING, DONE], stopped=[stops])

    assert result.rollouts[0].outcome == SUCCEEDED
    assert len(polls[0].stopped_tasks) == 10


def test_crash_loop_zero_waits_for_ecs_to_decide() -> None:
    a, b, c = (stopped_task(i, CRASH) for i in ("a1", "b2", "c3"))
    failed = [auth(deployment(NEW, rollout="FAILED", failed=3, reason="tasks failed to start."))]

    result, _, polls, _ = watch([ROLLING, ROLLING, failed], stopped=[[a, b, c]], crash_loop=0)

    (rollout,) = result.rollouts
    assert rollout.outcome == FAILED and rollout.crash_loop is None
    assert shown(polls) == [["a1", "b2", "c3"], [], []]


def test_throttled_stopped_task_calls_carry_on() -> None:
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "ListTasks"
    )

    result, clock, polls, _ = watch(
        [ROLLING, DONE], stopped=[throttled, [stopped_task("a1", CRASH)]]
    )

    assert result.rollouts[0].outcome == SUCCEEDED
    assert [p.throttled_for for p in polls] == [8.0, None]
    assert 8 <= clock.sleeps[0] < 9  # backed off
    assert shown(polls) == [[], ["a1"]]  # read at the next look


def test_more_than_a_hundred_stopped_tasks_are_described_a_hundred_at_a_time() -> None:
    others = [stopped_task(f"{n:03x}", started_by="ecs-svc/old") for n in range(150)]

    _, _, polls, client = watch([DONE], stopped=[[*others, stopped_task("ff", CRASH)]])

    assert [len(arns) for arns in client.described] == [100, 51]
    assert len(client.listed) == 2  # two ListTasks pages
    assert shown(polls) == [["ff"]]
