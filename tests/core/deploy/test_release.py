"""Releases against moto (task definitions, services, ECR, S3 ledger, DynamoDB locks, logs are
real there) with the rollouts moto never runs played by `tests.fakes.ecs.RolloutEcs`: success,
a circuit-breaker rollback, a crash loop with its log lines, a timeout, throttling, Ctrl-C, a
failure in the middle of `deploy all`, and `deploy rollback` to an earlier release."""

from __future__ import annotations

import random
from typing import Any

import pytest

from eventctl.adapters.aws._calls import Backoff
from eventctl.adapters.aws.dynamodb import LockItems
from eventctl.adapters.aws.ecr import Ecr
from eventctl.adapters.aws.ecs import Ecs
from eventctl.adapters.aws.elbv2 import LoadBalancing
from eventctl.adapters.aws.logs import CloudWatchLogs
from eventctl.adapters.aws.s3 import S3Objects
from eventctl.core.deploy.images import resolve_tag
from eventctl.core.deploy.ledger import Ledger, final_entries
from eventctl.core.deploy.lock import DeployLocks
from eventctl.core.deploy.release import (
    ReleaseOptions,
    ReleaseReport,
    ReleaseTools,
    dependency_levels,
    run_release,
    run_return,
)
from eventctl.core.deploy.state import (
    CRASH_LOOP,
    FAILED,
    IN_PROGRESS,
    INTERRUPTED,
    ROLLED_BACK,
    SUCCEEDED,
    TIMED_OUT,
)
from eventctl.errors import EventctlError
from platform_model import build_platform
from tests.fakes.ecs import RolloutEcs
from tests.helpers.deploy_env import ENV, create_environment, create_state_backend, push_image

CALLER = "arn:aws:iam::123456789012:user/ops"
ALL = ("auth", "event", "booking", "payment", "notification")


class World:
    """An environment in moto with a state backend, and the tools a release runs with."""

    def __init__(self, moto_server: Any, services: tuple[str, ...] = ("auth", "booking")) -> None:
        self.moto = moto_server
        self.platform = build_platform()
        self.names = self.platform.names(ENV)
        self.before = create_environment(
            moto_server, self.platform, services=services, tags=("bootstrap",)
        )
        self.bucket = create_state_backend(moto_server, self.platform)
        self.digests: dict[tuple[str, str], str] = {}
        self.now = 1_780_000_000.0
        self.sleeps: list[float] = []
        self.steps: list[str] = []
        self.interrupt_at: int | None = None
        self.kill_at: int | None = None
        self.answer = True

    def push(self, tag: str, services: tuple[str, ...]) -> None:
        for name in services:
            repository = self.names.ecr_repository(self.platform.service(name))
            self.digests[(name, tag)] = push_image(self.moto, repository, tag)

    def ecs_client(self, behaviour: dict[tuple[str, str], str], **kwargs: Any) -> RolloutEcs:
        by_digest = {self.digests[key]: kind for key, kind in behaviour.items()}
        self.fake = RolloutEcs(
            self.moto.client("ecs"), by_digest, logs=self.moto.client("logs"), **kwargs
        )
        return self.fake

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.interrupt_at is not None and len(self.sleeps) == self.interrupt_at:
            raise KeyboardInterrupt
        if self.kill_at is not None and len(self.sleeps) == self.kill_at:
            raise Killed

    def tools(self, ecs_client: Any) -> ReleaseTools:
        backoff = Backoff(sleep=self.sleep, rng=random.Random(1))
        return ReleaseTools(
            ecs=Ecs(ecs_client, backoff),
            load_balancing=LoadBalancing(self.moto.client("elbv2")),
            ledger=self.ledger(),
            locks=self.locks(),
            who=CALLER,
            logs=CloudWatchLogs(self.moto.client("logs")),
            clock=self.clock,
            wall=self.clock,
            sleep=self.sleep,
            rng=random.Random(7),
            on_step=self.steps.append,
            on_interrupt=lambda: self.answer,
        )

    def ledger(self) -> Ledger:
        return Ledger(S3Objects(self.moto.client("s3")), self.bucket, self.names.release_prefix)

    def locks(self) -> DeployLocks:
        return DeployLocks(LockItems(self.moto.client("dynamodb")), self.names)

    def release(
        self,
        tag: str,
        services: tuple[str, ...],
        behaviour: dict[tuple[str, str], str] | None = None,
        **options: Any,
    ) -> ReleaseReport:
        images = resolve_tag(self.platform, ENV, services, tag, ecr=Ecr(self.moto.client("ecr")))
        ecs_options = {k: options.pop(k) for k in ("throttle", "throttle_from") if k in options}
        tools = self.tools(self.ecs_client(behaviour or {}, **ecs_options))
        settings = ReleaseOptions(timeout=options.pop("timeout", 600.0), interval=4.0, **options)
        return run_release(self.platform, ENV, images, tools, settings)

    def live(self) -> dict[str, str]:
        ecs_names = [self.names.ecs_service(self.platform.service(name)) for name in self.before]
        described = self.moto.client("ecs").describe_services(
            cluster=self.names.cluster, services=ecs_names
        )["services"]
        return {
            s["serviceName"].removeprefix("event-planner-dev-").removesuffix("-service"): s[
                "taskDefinition"
            ].rsplit(":", 1)[-1]
            for s in described
        }

    def lock_items(self) -> list[dict[str, Any]]:
        items = self.moto.client("dynamodb").scan(TableName=self.names.lock_table)["Items"]
        return list(items)


class Killed(BaseException):
    """The deploy's process ends here, as under SIGKILL: nothing after it runs (except the
    `finally` blocks, which a real kill would not run either: the lock would stay)."""


@pytest.fixture
def world(moto_server: Any) -> World:
    return World(moto_server)


def test_a_healthy_release_moves_the_services_and_records_them(world: World) -> None:
    world.push("v2", ("auth", "booking"))

    report = world.release("v2", ("booking", "auth"))

    assert report.ok, report.to_dict()
    assert [(s.service, s.outcome, s.running) for s in report.services] == [
        ("auth", SUCCEEDED, "event-planner-dev-auth-service:2"),
        ("booking", SUCCEEDED, "event-planner-dev-booking-service:2"),
    ]
    assert world.live() == {"auth": "2", "booking": "2"}
    # pinned by digest, never by the tag
    image = world.moto.client("ecs").describe_task_definition(
        taskDefinition="event-planner-dev-auth-service:2"
    )["taskDefinition"]["containerDefinitions"][0]["image"]
    assert image.endswith(f"/event-planner-dev-auth-svc@{world.digests[('auth', 'v2')]}")
    entries = world.ledger().entries()
    assert [(e.service, e.step, e.kind, e.outcome) for e in entries] == [
        ("auth", 1, "deploy", SUCCEEDED),
        ("booking", 1, "deploy", SUCCEEDED),
    ]
    auth = entries[0]
    assert auth.release_id == report.release_id
    assert auth.image_digest == world.digests[("auth", "v2")]
    assert auth.task_definition.endswith("task-definition/event-planner-dev-auth-service:2")
    assert auth.previous_task_definition.endswith("event-planner-dev-auth-service:1")
    assert auth.who == CALLER and auth.duration_seconds >= 0
    assert world.lock_items() == []  # the locks were given back


def test_a_circuit_breaker_rollback_fails_the_release_and_is_waited_on(world: World) -> None:
    world.push("v2", ("auth",))

    report = world.release("v2", ("auth",), {("auth", "v2"): "circuit-breaker"})

    (auth,) = report.services
    assert not report.ok
    assert auth.outcome == ROLLED_BACK, auth.rollout.detail if auth.rollout else None
    assert "ECS rolled the service back to event-planner-dev-auth-service:1" in (
        auth.rollout.detail if auth.rollout else ""
    )
    assert auth.rollback is not None and auth.rollback.outcome == SUCCEEDED
    assert auth.running == "event-planner-dev-auth-service:1"
    assert world.live() == {"auth": "1", "booking": "1"}
    # ECS had already gone back: eventctl waited for it to be healthy, and did not move it again
    assert [td.rsplit(":", 1)[-1] for _, td in world.fake.updates] == ["2"]
    entries = world.ledger().entries("auth")
    assert [(e.step, e.kind, e.outcome, e.revision) for e in entries] == [
        (1, "deploy", ROLLED_BACK, "event-planner-dev-auth-service:2"),
        (2, "automatic rollback", SUCCEEDED, "event-planner-dev-auth-service:1"),
    ]


def test_a_crash_loop_is_rolled_back_at_once_with_the_last_log_lines(world: World) -> None:
    world.push("v2", ("auth",))

    report = world.release("v2", ("auth",), {("auth", "v2"): "crash"})

    (auth,) = report.services
    assert auth.outcome == CRASH_LOOP
    assert auth.rollout is not None
    assert "3 tasks of the new deployment stopped with the same reason" in auth.rollout.detail
    assert "ImportError: cannot import name 'settings'" in auth.rollout.detail
    # the last 20 of the 25 lines the last crashed task wrote, through the logs engine
    assert len(auth.crash_logs) == 20
    assert [e.message for e in auth.crash_logs[-2:]] == ["030001 line 24", "030001 line 25"]
    assert auth.rollback is not None and auth.rollback.outcome == SUCCEEDED
    assert world.live()["auth"] == "1"
    assert world.steps[-1] == "rolling auth back to event-planner-dev-auth-service:1"
    # acted on at the third stopped task, long before ECS's circuit breaker (ten tasks)
    assert len(world.fake.stopped["event-planner-dev-auth-service"]) < 10


def test_no_rollback_leaves_the_failed_deployment(world: World) -> None:
    world.push("v2", ("auth",))

    report = world.release("v2", ("auth",), {("auth", "v2"): "crash"}, roll_back=False)

    (auth,) = report.services
    assert auth.outcome == CRASH_LOOP and auth.rollback is None
    assert world.live()["auth"] == "2"
    assert [e.kind for e in world.ledger().entries("auth")] == ["deploy"]


def test_the_next_release_goes_back_past_a_failure_left_in_place(world: World) -> None:
    """v2 healthy; v3 crashes and is left in place; v4 fails: back to v2, not to v3."""
    world.push("v2", ("auth",))
    world.push("v3", ("auth",))
    world.push("v4", ("auth",))
    assert world.release("v2", ("auth",)).ok
    world.release("v3", ("auth",), {("auth", "v3"): "crash"}, roll_back=False)

    report = world.release("v4", ("auth",), {("auth", "v4"): "fail"})

    (auth,) = report.services
    assert auth.outcome == FAILED
    assert auth.rollback is not None and auth.rollback.outcome == SUCCEEDED
    assert auth.rollback.revision == "event-planner-dev-auth-service:2"
    assert world.live()["auth"] == "2"


def test_a_timeout_rolls_back(world: World) -> None:
    world.push("v2", ("auth",))

    report = world.release("v2", ("auth",), {("auth", "v2"): "stall"}, timeout=60.0)

    (auth,) = report.services
    assert auth.outcome == TIMED_OUT
    assert auth.rollout is not None and "gave up after 1m waiting for rollout IN_PROGRESS" in (
        auth.rollout.detail
    )
    assert auth.rollback is not None and auth.rollback.outcome == SUCCEEDED
    assert world.live()["auth"] == "1"


def test_throttling_is_waited_out(world: World) -> None:
    world.push("v2", ("auth",))

    report = world.release("v2", ("auth",), throttle=10, throttle_from=2)

    assert report.ok, report.to_dict()
    # eight attempts of one poll backed off inside the call, then the watcher itself backed off
    assert world.fake.describe_calls > 10
    assert max(world.sleeps) >= 8.0


def test_ctrl_c_asks_and_rolls_back(world: World) -> None:
    world.push("v2", ("auth",))
    world.interrupt_at = 1

    report = world.release("v2", ("auth",), {("auth", "v2"): "stall"})

    (auth,) = report.services
    assert report.interrupted and report.rollback_asked
    assert auth.outcome == INTERRUPTED
    assert auth.rollback is not None and auth.rollback.outcome == SUCCEEDED
    assert world.live()["auth"] == "1"
    assert world.lock_items() == []


def test_ctrl_c_answered_no_leaves_the_rollout(world: World) -> None:
    world.push("v2", ("auth",))
    world.interrupt_at = 1
    world.answer = False

    report = world.release("v2", ("auth",), {("auth", "v2"): "stall"})

    (auth,) = report.services
    assert report.interrupted and not report.rollback_asked
    assert auth.outcome == INTERRUPTED and auth.rollback is None
    assert world.live()["auth"] == "2"
    assert [e.outcome for e in world.ledger().entries("auth")] == [INTERRUPTED]


def test_a_deploy_killed_while_waiting_is_still_in_the_ledger(world: World) -> None:
    world.push("v2", ("auth",))
    world.kill_at = 1

    with pytest.raises(Killed):
        world.release("v2", ("auth",), {("auth", "v2"): "stall"})

    (entry,) = world.ledger().entries("auth")
    assert (entry.step, entry.kind, entry.outcome) == (0, "deploy", IN_PROGRESS)
    assert entry.revision == "event-planner-dev-auth-service:2"
    assert entry.image.endswith(f"@{world.digests[('auth', 'v2')]}")
    assert entry.who == CALLER and "ended unfinished" in entry.detail
    # It says how the release began, not how it ended: rollback decisions do not count it.
    assert final_entries(world.ledger().entries("auth")) == []


def test_deploy_all_with_one_failure_moves_every_moved_service_back(moto_server: Any) -> None:
    world = World(moto_server, services=ALL)
    world.push("v2", ALL)

    report = world.release("v2", ALL, {("booking", "v2"): "crash"})

    outcomes = {
        s.service: (s.outcome, s.rollback.outcome if s.rollback else None) for s in report.services
    }
    assert outcomes == {
        "auth": (SUCCEEDED, SUCCEEDED),
        "event": (SUCCEEDED, SUCCEEDED),
        "payment": (SUCCEEDED, SUCCEEDED),
        "notification": (SUCCEEDED, SUCCEEDED),
        "booking": (CRASH_LOOP, SUCCEEDED),
    }
    assert world.live() == dict.fromkeys(ALL, "1")
    # booking calls event and payment: it moved after them, alone
    assert world.steps[:2] == ["moving auth, event, payment, notification", "moving booking"]
    finals = {(e.service, e.step): e.outcome for e in world.ledger().entries()}
    assert finals[("booking", 2)] == SUCCEEDED and finals[("auth", 2)] == SUCCEEDED


def test_a_failure_in_the_first_level_moves_nothing_after_it(moto_server: Any) -> None:
    world = World(moto_server, services=ALL)
    world.push("v2", ALL)

    report = world.release("v2", ALL, {("event", "v2"): "fail"})

    booking = next(s for s in report.services if s.service == "booking")
    assert booking.outcome == "not started" and booking.rollback is None
    assert world.live() == dict.fromkeys(ALL, "1")


def test_dependency_levels_put_callers_after_callees() -> None:
    platform = build_platform()
    services = [platform.service(n) for n in ALL]

    levels = dependency_levels(platform, services)

    assert [[s.name for s in level] for level in levels] == [
        ["auth", "event", "payment", "notification"],
        ["booking"],
    ]
    alone = dependency_levels(platform, [platform.service("booking")])
    assert [[s.name for s in level] for level in alone] == [["booking"]]


def test_a_second_deploy_of_a_locked_service_fails_at_once_naming_the_holder(
    world: World,
) -> None:
    world.push("v2", ("auth", "booking"))
    auth = world.platform.service("auth")
    world.locks().acquire(
        [auth], who="arn:aws:iam::123456789012:user/ana", since="2026-12-04T03:00:00Z",
        operation="deploy", release="20261204T030000Z-000001",
    )  # fmt: skip
    revisions = world.moto.client("ecs").list_task_definitions()["taskDefinitionArns"]

    with pytest.raises(EventctlError) as caught:
        world.release("v2", ("auth", "booking"))

    assert caught.value.message == (
        "auth in dev is being deployed by arn:aws:iam::123456789012:user/ana since "
        "2026-12-04T03:00:00Z (deploy, release 20261204T030000Z-000001): nothing was changed"
    )
    assert "--force-unlock" in str(caught.value.hint)
    assert world.moto.client("ecs").list_task_definitions()["taskDefinitionArns"] == revisions
    assert len(world.lock_items()) == 1  # the holder's lock, untouched; booking's given back
    assert world.ledger().entries() == []


def test_force_unlock_removes_only_the_lock_it_was_shown(world: World) -> None:
    auth = world.platform.service("auth")
    locks = world.locks()
    (theirs,) = locks.acquire([auth], who="ana", since="t1", operation="deploy", release="r1")
    shown = locks.holder(auth)
    assert shown == theirs

    assert locks.force_unlock(auth, theirs)
    (newer,) = locks.acquire([auth], who="bo", since="t2", operation="deploy", release="r2")

    assert not locks.force_unlock(auth, theirs)  # someone else's lock by now: kept
    assert locks.holder(auth) == newer


def test_rollback_returns_to_the_last_healthy_release_before_the_current(world: World) -> None:
    world.push("v2", ("auth",))
    world.push("v3", ("auth",))
    first = world.release("v2", ("auth",))
    assert world.release("v3", ("auth",)).ok
    tools = world.tools(world.ecs_client({}))

    report = run_return(world.platform, ENV, "auth", tools, ReleaseOptions(timeout=600.0))

    assert report.ok, report.to_dict()
    assert world.live()["auth"] == "2"  # v2's revision, reused as it was
    families = world.moto.client("ecs").list_task_definitions(
        familyPrefix="event-planner-dev-auth-service"
    )["taskDefinitionArns"]
    assert len(families) == 3  # nothing new registered
    last = world.ledger().entries("auth")[-1]
    assert (last.kind, last.outcome, last.image_digest) == (
        "rollback",
        SUCCEEDED,
        world.digests[("auth", "v2")],
    )
    assert first.release_id < last.release_id


def test_rollback_to_a_named_release_and_bad_names(world: World) -> None:
    world.push("v2", ("auth",))
    world.push("v3", ("auth",))
    first = world.release("v2", ("auth",))
    world.release("v3", ("auth",))

    def back(to: str | None) -> ReleaseReport:
        tools = world.tools(world.ecs_client({}))
        options = ReleaseOptions(timeout=600.0)
        return run_return(world.platform, ENV, "auth", tools, options, to_release=to)

    with pytest.raises(EventctlError, match="has no release nope of auth: nothing was changed"):
        back("nope")
    world.push("v4", ("auth",))
    failed = world.release("v4", ("auth",), {("auth", "v4"): "fail"}, roll_back=False)
    with pytest.raises(EventctlError, match=f"release {failed.release_id} did not leave auth"):
        back(failed.release_id)
    assert back(first.release_id).ok
    assert world.live()["auth"] == "2"
    with pytest.raises(EventctlError, match="already runs event-planner-dev-auth-service:2"):
        back(first.release_id)


def test_rollback_without_history_says_so(world: World) -> None:
    tools = world.tools(world.ecs_client({}))

    with pytest.raises(EventctlError) as caught:
        run_return(world.platform, ENV, "auth", tools, ReleaseOptions(timeout=60.0))

    assert "has no healthy release of auth before the one running now" in caught.value.message
    assert world.lock_items() == []


def test_a_missing_state_backend_changes_nothing(moto_server: Any) -> None:
    platform = build_platform()
    create_environment(moto_server, platform, services=("auth",))
    names = platform.names(ENV)
    images = resolve_tag(platform, ENV, ["auth"], "v2", ecr=Ecr(moto_server.client("ecr")))
    tools = ReleaseTools(
        ecs=Ecs(moto_server.client("ecs")),
        load_balancing=LoadBalancing(moto_server.client("elbv2")),
        ledger=Ledger(S3Objects(moto_server.client("s3")), "nope-bucket", names.release_prefix),
        locks=DeployLocks(LockItems(moto_server.client("dynamodb")), names),
        who=CALLER,
    )

    with pytest.raises(EventctlError) as caught:
        run_release(platform, ENV, images, tools, ReleaseOptions(timeout=60.0))

    assert "the state bucket nope-bucket does not exist" in caught.value.message
    assert caught.value.hint == "create the state backend first: `eventctl env bootstrap dev`"
    assert len(moto_server.client("ecs").list_task_definitions()["taskDefinitionArns"]) == 1


class DeniedOnce(RolloutEcs):
    """RolloutEcs whose first ListTasks is refused, as a role without ecs:ListTasks would."""

    denied = False

    def list_tasks(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        if not self.denied:
            self.denied = True
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}},
                "ListTasks",
            )
        return super().list_tasks(**kwargs)


def test_a_watch_that_cannot_read_ecs_fails_the_release_and_rolls_back(world: World) -> None:
    world.push("v2", ("auth",))
    images = resolve_tag(world.platform, ENV, ["auth"], "v2", ecr=Ecr(world.moto.client("ecr")))
    fake = DeniedOnce(world.moto.client("ecs"), {})
    world.fake = fake

    report = run_release(
        world.platform, ENV, images, world.tools(fake), ReleaseOptions(timeout=600.0)
    )

    (auth,) = report.services
    assert auth.outcome == FAILED and auth.rollout is not None
    assert auth.rollout.detail.startswith("could not watch the rollout: ListTasks")
    assert "access denied" in auth.rollout.detail
    assert auth.rollback is not None and auth.rollback.outcome == SUCCEEDED
    assert world.live()["auth"] == "1"
