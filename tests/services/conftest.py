"""Fixtures for the service tests: each test runs on SQLite + the in-process store and, when
they are reachable, on PostgreSQL + Redis (fresh schema per test, unique key prefix).
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from services.auth.app import create_app as create_auth_app
from services.auth.settings import AuthSettings
from services.booking.app import create_app as create_booking_app
from services.booking.settings import BookingSettings
from services.event.app import create_app as create_event_app
from services.event.settings import EventSettings
from services.kit.app import Overrides
from services.kit.logs import configure_logging
from services.kit.settings import ServiceSettings
from services.notification.app import create_app as create_notification_app
from services.notification.settings import NotificationSettings
from services.payment.app import create_app as create_payment_app
from services.payment.settings import PaymentSettings
from tests.helpers.broker import Broker
from tests.helpers.messaging import provision_messaging
from tests.helpers.services import (
    ENV,
    NOTIFICATIONS_DB,
    PG_HOST,
    PG_PORT,
    PLATFORM,
    REDIS_URL,
    SERVICE_TOKEN,
    Backend,
    MotoServer,
    User,
    bearer,
    login,
    queue_url,
    receive_all,
    register,
    sent_emails,
    signed_in,
)

__all__ = [
    "ENV",
    "NOTIFICATIONS_DB",
    "PG_HOST",
    "PG_PORT",
    "PLATFORM",
    "REDIS_URL",
    "SERVICE_TOKEN",
    "Backend",
    "MotoServer",
    "User",
    "bearer",
    "login",
    "provision_messaging",
    "queue_url",
    "receive_all",
    "register",
    "sent_emails",
    "signed_in",
]


def _reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def _pg_admin(*statements: str, database: str = "postgres") -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user="postgres", database=database)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[dict[str, str]]:
    """One uniquely named PostgreSQL database per service database, dropped at the end."""
    if not _reachable(PG_PORT):
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    tag = f"evtest_{uuid.uuid4().hex[:10]}"
    names = {db.db_name: f"{tag}_{db.db_name}" for db in PLATFORM.databases}
    names[NOTIFICATIONS_DB] = f"{tag}_{NOTIFICATIONS_DB}"  # the service without a model database
    asyncio.run(_pg_admin(*(f'CREATE DATABASE "{name}"' for name in names.values())))
    try:
        yield names
    finally:
        asyncio.run(
            _pg_admin(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names.values()))
        )


@pytest.fixture(scope="session")
def redis_prefix_root() -> Iterator[str]:
    """A key prefix for this test session in Redis; its keys are deleted at the end."""
    if not _reachable(6379):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import redis

    root = f"evtest:{uuid.uuid4().hex[:10]}:"
    yield root
    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(match=root + "*", count=500):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Backend:
    """SQLite + in-process store, or PostgreSQL + Redis (skipped when unreachable)."""
    if request.param == "sqlite":
        return Backend("sqlite", None, None)
    databases = request.getfixturevalue("pg_databases")
    root = request.getfixturevalue("redis_prefix_root")
    for database in databases.values():
        asyncio.run(
            _pg_admin("DROP SCHEMA public CASCADE", "CREATE SCHEMA public", database=database)
        )
    return Backend("postgresql", databases, f"{root}{uuid.uuid4().hex[:8]}:")


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """The moto server with this environment's queues and topics (and subscriptions)."""
    for key, value in moto_server.environ.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    provision_messaging(moto_server)
    return moto_server


@pytest.fixture
def broker(aws: MotoServer) -> Iterator[Broker]:  # `aws` sets the credentials variables
    """A broker of its own that the test can take down and bring back (tests/helpers/broker.py)."""
    server = Broker()
    try:
        yield server
    finally:
        server.stop()


SettingsFactory = Callable[..., Any]


@pytest.fixture
def make_settings(backend: Backend, aws: MotoServer, tmp_path: Path) -> SettingsFactory:
    """Settings for a service class on this test's backend, fast timings, the moto server."""

    def make(cls: type[ServiceSettings], **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "environment": ENV,
            "data_dir": tmp_path / "data",
            "database_url": backend.database_url(cls),
            "redis_url": REDIS_URL if backend.redis_prefix else None,
            "redis_prefix": f"{backend.redis_prefix}{cls.service_name}:"
            if backend.redis_prefix
            else None,
            "aws_endpoint_url": aws.endpoint_url,
            "outbox_poll_seconds": 0.05,
            "outbox_max_backoff_seconds": 0.3,
            "audit_flush_seconds": 0.05,
            "db_pool_size": 5,
            "service_tokens": {"booking": SERVICE_TOKEN},
            "consumer_wait_seconds": 1,
            "consumer_retry_base_seconds": 0,
            "consumer_shutdown_grace_seconds": 5,
        }
        if cls is AuthSettings:
            values.update(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
        values.update(overrides)
        return cls(**values)

    return make


@pytest.fixture
def auth_app(make_settings: SettingsFactory) -> Starlette:
    return create_auth_app(make_settings(AuthSettings))


@pytest.fixture
def auth(auth_app: Starlette) -> Iterator[TestClient]:
    with TestClient(auth_app) as client:
        yield client


@pytest.fixture
def events(auth: TestClient, make_settings: SettingsFactory) -> Iterator[TestClient]:
    """The event service, verifying tokens with the JWKS of the running auth service."""
    overrides = Overrides(http_transport=httpx.ASGITransport(app=auth.app))
    with TestClient(create_event_app(make_settings(EventSettings), overrides)) as client:
        yield client


@pytest.fixture
def payments(auth: TestClient, make_settings: SettingsFactory) -> Iterator[TestClient]:
    """The payment service, verifying tokens with the JWKS of the running auth service."""
    overrides = Overrides(http_transport=httpx.ASGITransport(app=auth.app))
    with TestClient(create_payment_app(make_settings(PaymentSettings), overrides)) as client:
        yield client


PlatformFactory = Callable[..., Any]


@pytest.fixture
def start_platform(make_settings: SettingsFactory) -> Iterator[PlatformFactory]:
    """Start the services in one event loop, calling each other in-process (see cluster.py).

    `start_platform(booking={...})` passes setting overrides to a service; the result is a
    `Cluster` whose clients are `cluster["auth"]`, `cluster["booking"]`, ...
    """
    from tests.helpers.cluster import cluster

    with cluster() as running:

        def start(
            names: tuple[str, ...] = ("auth", "event", "payment", "booking", "notification"),
            **overrides: dict[str, Any],
        ) -> Any:
            transport = Overrides(http_transport=running.network)
            factories: dict[str, tuple[Any, type[ServiceSettings], dict[str, Any]]] = {
                "auth": (create_auth_app, AuthSettings, {}),
                "event": (create_event_app, EventSettings, {}),
                "payment": (create_payment_app, PaymentSettings, {}),
                "booking": (
                    create_booking_app,
                    BookingSettings,
                    {"service_token": SERVICE_TOKEN, "reconcile_interval_seconds": 0.1},
                ),
                "notification": (create_notification_app, NotificationSettings, {}),
            }
            for name in names:
                factory, settings_cls, defaults = factories[name]
                settings = make_settings(settings_cls, **{**defaults, **overrides.get(name, {})})
                running.start(name, factory(settings, transport))
            return running

        yield start


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted by the services' production log config
    at DEBUG level."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    configure_logging("test", "DEBUG", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
