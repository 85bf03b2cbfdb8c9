"""The release ledger and the deploy lock against moto's S3 and DynamoDB: concurrent writers
lose nothing, a conditional write never overwrites, exactly one of many takes a lock."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from eventctl.adapters.aws.dynamodb import LockItems
from eventctl.adapters.aws.s3 import S3Objects
from eventctl.core.deploy.ledger import (
    Ledger,
    LedgerEntry,
    earlier_healthy,
    new_release_id,
    rollback_target,
)
from eventctl.core.deploy.lock import DeployLocks
from eventctl.errors import EventctlError
from platform_model import build_platform
from tests.helpers.deploy_env import ENV, create_state_backend

TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/event-planner-dev-auth-service:"


def entry(release: str, revision: int, outcome: str = "succeeded", step: int = 1) -> LedgerEntry:
    return LedgerEntry(
        release_id=release,
        env=ENV,
        service="auth",
        step=step,
        kind="deploy" if step == 1 else "automatic rollback",
        image=f"repo@sha256:{revision:064x}",
        image_digest=f"sha256:{revision:064x}",
        task_definition=f"{TD}{revision}",
        previous_task_definition=f"{TD}{revision - 1}",
        git_sha="3f9c2e1",
        who="arn:aws:iam::123456789012:user/ops",
        started_at="2026-12-04T03:00:00Z",
        finished_at="2026-12-04T03:05:00Z",
        duration_seconds=300.0,
        outcome=outcome,
    )


@pytest.fixture
def ledger(moto_server: Any) -> Ledger:
    platform = build_platform()
    bucket = create_state_backend(moto_server, platform)
    store = S3Objects(moto_server.client("s3"))
    return Ledger(store, bucket, platform.names(ENV).release_prefix)


def test_twenty_concurrent_appends_lose_nothing(moto_server: Any, ledger: Ledger) -> None:
    start = threading.Barrier(20)

    def append(n: int) -> str:
        own = Ledger(S3Objects(moto_server.client("s3")), ledger.bucket, ledger.prefix)
        release = new_release_id(1_780_000_000.0, random.Random(n))  # the same second for all
        start.wait(timeout=30)
        return own.append(entry(release, n + 2))

    with ThreadPoolExecutor(max_workers=20) as pool:
        keys = list(pool.map(append, range(20)))

    assert len(set(keys)) == 20
    entries = ledger.entries("auth")
    assert len(entries) == 20
    assert sorted(e.task_definition for e in entries) == sorted(f"{TD}{n + 2}" for n in range(20))
    assert all(k.startswith("releases/dev/") for k in keys)


def test_an_entry_is_never_overwritten(ledger: Ledger) -> None:
    first = entry("20261204T030000Z-000001", 2)
    ledger.append(first)

    with pytest.raises(EventctlError, match=r"the ledger already holds s3://.*nothing was"):
        ledger.append(entry("20261204T030000Z-000001", 3, outcome="failed"))

    assert ledger.entries() == [first]


def test_entries_filter_by_service_and_come_oldest_first(ledger: Ledger) -> None:
    later = entry("20261204T040000Z-000002", 3)
    earlier = entry("20261204T030000Z-000001", 2)
    ledger.append(later)
    ledger.append(earlier)
    other = LedgerEntry(**{**earlier.to_dict(), "service": "booking"})
    ledger.append(other)

    assert ledger.entries("auth") == [earlier, later]
    assert len(ledger.entries()) == 3


def test_a_missing_bucket_says_how_to_create_it(moto_server: Any) -> None:
    missing = Ledger(S3Objects(moto_server.client("s3")), "no-such-state-bucket", "releases/dev/")

    with pytest.raises(EventctlError) as caught:
        missing.check_bucket(ENV)

    assert caught.value.hint == "create the state backend first: `eventctl env bootstrap dev`"


def test_the_rollback_target_skips_a_release_that_never_became_healthy() -> None:
    history = [
        entry("r1", 2),
        entry("r2", 3, outcome="crash loop"),  # left in place with --no-rollback
    ]

    assert rollback_target(history, f"{TD}3") == f"{TD}2"
    assert rollback_target(history, f"{TD}2") == f"{TD}2"
    assert rollback_target([], f"{TD}9") == f"{TD}9"  # nothing recorded: what ran before


def test_the_release_before_the_current_ignores_releases_that_were_rolled_back() -> None:
    history = [
        entry("r1", 2),
        entry("r2", 3),
        entry("r2", 2, step=2),  # r2 moved back to revision 2 (another service failed)
    ]

    assert earlier_healthy(history, f"{TD}2") is None
    assert earlier_healthy([entry("r1", 2), entry("r2", 3)], f"{TD}3") == entry("r1", 2)


def test_exactly_one_of_ten_concurrent_deploys_takes_the_lock(moto_server: Any) -> None:
    platform = build_platform()
    create_state_backend(moto_server, platform)
    names = platform.names(ENV)
    auth = platform.service("auth")
    start = threading.Barrier(10)

    def take(n: int) -> str:
        locks = DeployLocks(LockItems(moto_server.client("dynamodb")), names)
        start.wait(timeout=30)
        try:
            locks.acquire([auth], who=f"user-{n}", since="t", operation="deploy", release=f"r{n}")
        except EventctlError as exc:
            return exc.message
        return "taken"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(take, range(10)))

    assert outcomes.count("taken") == 1
    holder = DeployLocks(LockItems(moto_server.client("dynamodb")), names).holder(auth)
    assert holder is not None
    refused = [o for o in outcomes if o != "taken"]
    assert all(
        o.startswith(f"auth in dev is being deployed by {holder.who} since t") for o in refused
    )
