"""The transactional outbox: a broker outage delays messages, never loses them, and never fails
the request that produced them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from services.auth.app import create_app
from services.auth.settings import AuthSettings
from tests.services.conftest import receive_all, register


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Broker:
    """A moto server this test can stop and start again on the same port."""

    def __init__(self) -> None:
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        if executable is None:
            pytest.skip("moto_server is not installed (pip install 'moto[server]')")
        self.executable = executable
        self.port = _free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.executable, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError("moto_server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            region_name="eu-west-1",
            endpoint_url=self.endpoint_url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture
def broker(aws: Any) -> Iterator[Broker]:  # `aws` sets the credentials variables
    server = Broker()
    try:
        yield server
    finally:
        server.stop()


def test_registration_survives_a_broker_outage(broker: Broker, make_settings: Any) -> None:
    from tests.helpers.messaging import provision_messaging

    broker.start()
    provision_messaging(broker)
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

        broker.start()  # back, empty: the infrastructure is recreated as Terraform would
        provision_messaging(broker)
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
