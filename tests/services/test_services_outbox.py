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
    from tests.services.conftest import provision_messaging

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
