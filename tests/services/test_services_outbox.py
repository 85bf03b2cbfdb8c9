"""The transactional outbox: a broker outage delays messages, never loses them, and never fails
the request that produced them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from services.auth.app import create_app
from services.auth.settings import AuthSettings
from tests.helpers.broker import Broker
from tests.helpers.services import receive_all, register


def test_registration_survives_a_broker_outage(broker: Broker, make_settings: Any) -> None:
    from tests.helpers.messaging import provision_messaging

    broker.start(provision_messaging)
    settings = make_settings(AuthSettings, aws_endpoint_url=broker.endpoint_url)
    with TestClient(create_app(settings)) as auth:
        relay = auth.app.state.kit.relay
        before = register(auth)
        assert [m["data"]["user_id"] for m in receive_all(broker, "user-registration")] == [
            before["id"]
        ]

        broker.stop()
        during = register(auth)  # the request succeeds while the broker is down
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the relay has tried and failed at least once
            row = auth.portal.call(_pending_row, auth)
            if row is not None and row["attempts"] >= 1 and row["last_error"]:
                break
            time.sleep(0.05)
        assert row is not None and row["attempts"] >= 1, row
        assert auth.portal.call(relay.pending) == 1

        broker.start(provision_messaging)  # back, with its queues and topics
        delivered = receive_all(broker, "user-registration", timeout=15)
        assert [m["data"]["user_id"] for m in delivered] == [during["id"]]
        assert auth.portal.call(relay.pending) == 0


async def _pending_row(auth: TestClient) -> dict[str, Any] | None:
    import sqlalchemy as sa

    from services.kit.outbox import outbox

    async with auth.app.state.kit.db.read() as conn:
        row = (
            await conn.execute(
                sa.select(outbox.c.attempts, outbox.c.last_error).where(outbox.c.sent_at.is_(None))
            )
        ).first()
    return None if row is None else dict(row._mapping)


def test_a_refused_registration_publishes_nothing(auth: TestClient, aws: Any) -> None:
    account = register(auth)
    # Same email again: refused, so no message may exist for it.
    again = auth.post(
        "/api/auth/register",
        json={"email": account["email"], "password": "another-pass", "name": "Again"},
    )
    assert again.status_code == 409
    messages = receive_all(aws, "user-registration", expect=2, timeout=1.5)
    assert [m["data"]["user_id"] for m in messages] == [account["id"]]


class _PartlyRefusing:
    """A publisher whose broker refuses some entries of a batch (moto never does)."""

    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.batches: list[tuple[str, list[str]]] = []

    def publish_batch(self, kind: str, name: str, entries: list[Any]) -> dict[str, str]:
        ids = [entry[0] for entry in entries]
        self.batches.append((name, ids))
        return {entry_id: "InternalError: try again" for entry_id in ids if entry_id in self.refuse}


def test_the_relay_sends_batches_and_retries_refused_entries(tmp_path: Path) -> None:
    import asyncio

    from services.kit.db import Database
    from services.kit.migrations import migrate
    from services.kit.outbox import MIGRATIONS, Outbox, OutboxRelay

    async def scenario() -> None:
        db = Database(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
        await migrate(db, list(MIGRATIONS))
        box = Outbox("booking")
        async with db.write() as conn:
            for n in range(12):
                await box.add(conn, "queue", "booking-created", {"n": n})
            await box.add(conn, "topic", "booking-confirmed", {"n": 99})
        publisher = _PartlyRefusing(refuse={"3"})
        relay = OutboxRelay(db, publisher, poll_seconds=0.01)  # type: ignore[arg-type]
        assert await relay.relay_once() == (12, 1)
        assert [(name, len(ids)) for name, ids in publisher.batches] == [
            ("booking-created", 10),
            ("booking-created", 2),
            ("booking-confirmed", 1),
        ]
        assert await relay.pending() == 1
        publisher.refuse.clear()
        await asyncio.sleep(0.05)  # its backoff
        assert await relay.relay_once() == (1, 0)
        assert publisher.batches[-1] == ("booking-created", ["3"])
        assert await relay.pending() == 0
        await db.close()

    asyncio.run(scenario())


def test_under_a_stream_of_commits_the_relay_sends_fuller_batches(tmp_path: Path) -> None:
    """Each commit wakes the relay; after a round that sent something it lingers, so the
    messages committed meanwhile go out in one call instead of one call each."""
    import asyncio

    from services.kit.db import Database
    from services.kit.migrations import migrate
    from services.kit.outbox import MIGRATIONS, Outbox, OutboxRelay

    async def scenario() -> None:
        db = Database(f"sqlite:///{tmp_path / 'relay.sqlite3'}")
        await migrate(db, list(MIGRATIONS))
        box = Outbox("booking")
        publisher = _PartlyRefusing(refuse=set())
        # A long linger, so the ten commits below fit in it even on a slow machine.
        relay = OutboxRelay(db, publisher, poll_seconds=30, linger_seconds=2.0)  # type: ignore[arg-type]
        box.relay = relay
        relay.start()
        try:

            async def commit(n: int) -> None:
                async with db.write() as conn:
                    await box.add(conn, "queue", "booking-created", {"n": n})

            await commit(0)  # wakes the relay, which sends it alone and then lingers
            async with asyncio.timeout(10):
                while not publisher.batches:
                    await asyncio.sleep(0.01)
            for n in range(1, 11):  # each commit wakes the relay again
                await commit(n)
            async with asyncio.timeout(15):
                while await relay.pending():
                    await asyncio.sleep(0.05)
        finally:
            await relay.stop()
            await db.close()
        assert [len(ids) for _, ids in publisher.batches] == [1, 10]

    asyncio.run(scenario())
