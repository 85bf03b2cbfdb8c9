"""The shared kit: store, migrations, OpenAPI, request ids, proxies, key rotation, readiness."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from services.auth.app import create_app as create_auth_app
from services.auth.keys import generate_private_key, private_key_pem
from services.auth.settings import AuthSettings
from services.event.app import create_app as create_event_app
from services.event.settings import EventSettings
from services.kit.app import Overrides
from services.kit.db import Database
from services.kit.migrations import Migration, MigrationError, create_tables, migrate
from services.kit.openapi import iter_routes
from services.kit.store import MemoryStore, RedisStore, Store
from tests.helpers.service_flows import event_body
from tests.helpers.services import REDIS_URL, Backend, signed_in


def _store(backend: Backend) -> Store:
    if backend.redis_prefix is None:
        return MemoryStore()
    return RedisStore(REDIS_URL, backend.redis_prefix + "kit:")


def test_store_contract(backend: Backend) -> None:
    async def scenario() -> None:
        store = _store(backend)
        assert await store.get("k") is None
        await store.set("k", b"v", ttl=30)
        assert await store.get("k") == b"v"
        assert 0 < (await store.ttl("k") or 0) <= 30
        assert await store.compare_and_set("k", b"other", b"x") is False
        assert await store.compare_and_set("k", b"v", b"w", ttl=30) is True
        assert await store.get("k") == b"w"
        assert await store.compare_and_set("k", b"w", None) is True
        assert await store.get("k") is None
        assert [await store.incr("n", ttl=0.2) for _ in range(3)] == [1, 2, 3]
        await asyncio.sleep(0.3)
        assert await store.incr("n", ttl=0.2) == 1  # the window ended
        await store.set("gone", b"1", ttl=0.05)
        await asyncio.sleep(0.1)
        assert await store.get("gone") is None
        await store.delete("n")
        assert await store.ttl("n") is None
        await store.close()

    asyncio.run(scenario())


def test_redis_keys_are_namespaced(redis_prefix_root: str) -> None:
    async def scenario() -> None:
        one = RedisStore(REDIS_URL, redis_prefix_root + "one:")
        two = RedisStore(REDIS_URL, redis_prefix_root + "two:")
        await one.set("k", b"1")
        assert await two.get("k") is None
        await one.close()
        await two.close()

    asyncio.run(scenario())


def _database(backend: Backend, tmp_path: Path) -> Database:
    url = backend.database_url(AuthSettings) or f"sqlite:///{tmp_path / 'kit.sqlite3'}"
    return Database(url)


def test_migrations_apply_once_and_refuse_unknown_history(backend: Backend, tmp_path: Path) -> None:
    def step(name: str) -> Migration:
        return Migration(
            name,
            create_tables(
                sa.Table(name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
            ),
        )

    async def scenario() -> None:
        db = _database(backend, tmp_path)
        try:
            assert await migrate(db, [step("t_one")]) == ["t_one"]
            assert await migrate(db, [step("t_one"), step("t_two")]) == ["t_two"]
            assert await migrate(db, [step("t_one"), step("t_two")]) == []
            with pytest.raises(MigrationError, match="does not know"):
                await migrate(db, [step("t_one")])
        finally:
            await db.close()

    asyncio.run(scenario())


def _apps() -> list[tuple[Any, Any]]:
    from services.booking.app import create_app as create_booking_app
    from services.booking.settings import BookingSettings
    from services.notification.app import create_app as create_notification_app
    from services.notification.settings import NotificationSettings
    from services.payment.app import create_app as create_payment_app
    from services.payment.settings import PaymentSettings

    return [
        (create_auth_app, AuthSettings),
        (create_event_app, EventSettings),
        (create_booking_app, BookingSettings),
        (create_payment_app, PaymentSettings),
        (create_notification_app, NotificationSettings),
    ]


@pytest.mark.parametrize(("factory", "settings_cls"), _apps())
def test_openapi_documents_exactly_the_routes(
    factory: Any, settings_cls: Any, make_settings: Any
) -> None:
    extra = {"service_token": "t"} if settings_cls.service_name == "booking" else {}
    app = factory(make_settings(settings_cls, **extra))
    with TestClient(app) as client:
        service = app.state.kit.service
        document = client.get(f"{service.path_prefix}/openapi.json").json()
    routed = {
        (path, method.lower())
        for path, route in iter_routes(app.routes)
        for method in (route.methods or set()) - {"HEAD"}
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routed == documented
    assert all(
        path.startswith((service.path_prefix, service.internal_prefix, "/healthz", "/readyz"))
        for path, _ in routed
    )


def test_request_ids_are_kept_or_made(auth: TestClient) -> None:
    given = auth.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = auth.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] != "bad id\twith spaces"
    assert len(made.headers["x-request-id"]) == 32


def test_request_id_is_passed_downstream(auth: TestClient, make_settings: Any) -> None:
    seen: list[str | None] = []

    async def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-request-id"))
        return httpx.Response(200, json=auth.get("/api/auth/.well-known/jwks.json").json())

    user = signed_in(auth, "organizer")
    overrides = Overrides(http_transport=httpx.MockTransport(record))
    with TestClient(create_event_app(make_settings(EventSettings), overrides)) as events:
        events.post(
            "/api/events/", json=event_body(), headers={**user.headers, "X-Request-ID": "trace-42"}
        )
    assert seen == ["trace-42"]


def test_client_ip_honours_only_trusted_proxies(make_settings: Any) -> None:
    from services.kit.middleware import client_ip

    scope: dict[str, Any] = {
        "client": ("10.0.1.7", 5000),
        "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9")],
    }
    assert client_ip(scope, 0) == "10.0.1.7"
    assert client_ip(scope, 1) == "203.0.113.9"  # what the ALB saw, not what the client claims
    assert client_ip({"client": None, "headers": []}, 1) is None


def test_event_service_follows_a_key_rotation(make_settings: Any) -> None:
    """Tokens signed by a new key are accepted once the JWKS lists it (refresh on unknown kid)."""
    old_key, new_key = (
        private_key_pem(generate_private_key()),
        private_key_pem(generate_private_key()),
    )
    auth_old = create_auth_app(make_settings(AuthSettings, jwt_private_key=old_key))
    auth_new = create_auth_app(make_settings(AuthSettings, jwt_private_key=new_key))
    current = {"app": auth_old}

    async def route(request: httpx.Request) -> httpx.Response:
        transport = httpx.ASGITransport(app=current["app"])
        return await transport.handle_async_request(request)

    with TestClient(auth_old) as old, TestClient(auth_new) as new:
        organizer = signed_in(old, "organizer")
        overrides = Overrides(http_transport=httpx.MockTransport(route))
        settings = make_settings(EventSettings)
        with TestClient(create_event_app(settings, overrides)) as events:
            assert (
                events.post(
                    "/api/events/", json=event_body(), headers=organizer.headers
                ).status_code
                == 201
            )
            current["app"] = auth_new
            rotated = signed_in(new, "organizer")
            events.app.state.kit.verifier.keys.min_refresh = 0
            created = events.post("/api/events/", json=event_body(), headers=rotated.headers)
            assert created.status_code == 201


class AuthLink(httpx.AsyncBaseTransport):
    """The event service's way to the auth service (its JWKS), which can be cut."""

    def __init__(self, auth_app: Any) -> None:
        self.inner = httpx.ASGITransport(app=auth_app)
        self.down = False
        self.attempts = 0  # JWKS requests tried, answered or not

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _create(events: TestClient, user: Any) -> Any:

    return events.post("/api/events/", json=event_body(), headers=user.headers)


def test_known_keys_outlive_an_auth_outage(auth: TestClient, make_settings: Any) -> None:
    """The cached key set expires while the auth service is down: tokens signed with a known
    key are still accepted, and the refresh is retried at most once per min_refresh."""
    organizer = signed_in(auth, "organizer")
    link = AuthLink(auth.app)
    app = create_event_app(make_settings(EventSettings), Overrides(http_transport=link))
    with TestClient(app) as events:
        keys = events.app.state.kit.verifier.keys
        keys.clock = clock = Clock()
        assert _create(events, organizer).status_code == 201
        assert link.attempts == 1
        link.down = True
        clock.now += keys.max_age + 1  # the cached set has expired
        for _ in range(3):
            assert _create(events, organizer).status_code == 201
        assert link.attempts == 2  # tried once, not on every request
        clock.now += keys.min_refresh
        assert _create(events, organizer).status_code == 201
        assert link.attempts == 3  # and again later
        link.down = False
        clock.now += keys.min_refresh
        assert _create(events, organizer).status_code == 201
        assert link.attempts == 4  # refreshed: fresh again, no more fetching
        assert _create(events, organizer).status_code == 201
        assert link.attempts == 4


def test_an_unknown_key_while_auth_is_unreachable_is_503(
    auth: TestClient, make_settings: Any
) -> None:
    """A token naming a key this service does not know cannot be judged while the auth
    service is unreachable: 503 (try again), not 401 (sign in again)."""
    import jwt

    organizer = signed_in(auth, "organizer")
    claims = jwt.decode(organizer.token, options={"verify_signature": False})
    rotated = type(organizer)(
        organizer.id,
        organizer.email,
        organizer.password,
        jwt.encode(claims, generate_private_key(), algorithm="RS256", headers={"kid": "next"}),
        "",
    )
    link = AuthLink(auth.app)
    link.down = True  # from the start: no key is known yet
    app = create_event_app(make_settings(EventSettings), Overrides(http_transport=link))
    with TestClient(app) as events:
        keys = events.app.state.kit.verifier.keys
        keys.clock = clock = Clock()
        for user in (organizer, rotated):
            refused = _create(events, user)
            assert refused.status_code == 503, refused.text
            assert "try again" in refused.json()["detail"]
            assert refused.headers["retry-after"]
        assert link.attempts == 1
        link.down = False
        clock.now += keys.min_refresh
        assert _create(events, organizer).status_code == 201
        assert _create(events, rotated).status_code == 401  # the auth service lists no "next"
        link.down = True
        clock.now += keys.min_refresh
        assert _create(events, rotated).status_code == 503  # asked again: no answer
        assert _create(events, organizer).status_code == 201  # a known key still works


def test_readiness_fails_when_the_database_is_unreachable(
    make_settings: Any, tmp_path: Path
) -> None:
    app = create_auth_app(make_settings(AuthSettings))
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        kit = client.app.state.kit
        broken = Database(f"postgresql://nobody@127.0.0.1:1/{uuid.uuid4().hex}")
        real, kit.db = kit.db, broken
        try:
            response = client.get("/readyz")
        finally:
            kit.db = real
            client.portal.call(broken.close)
        assert response.status_code == 503
        assert response.json() == {"detail": "The database does not answer.", "code": "not_ready"}
        assert client.get("/healthz").status_code == 200


def test_auth_refuses_to_start_without_a_key_outside_local(make_settings: Any) -> None:
    from services.auth.keys import KeyConfigError

    with pytest.raises(KeyConfigError, match="JWT_PRIVATE_KEY"):
        create_auth_app(make_settings(AuthSettings, environment="dev"))


def test_other_services_are_found_through_the_model() -> None:
    local = EventSettings(environment="local")
    dev = EventSettings(environment="dev")
    platform = local.platform()
    assert local.service_url(platform, "event") == "http://127.0.0.1:8082"
    assert dev.service_url(platform, "event") == "http://event-service.eventplanner.local:8082"
    assert dev.jwks_url(platform) == (
        "http://auth-service.eventplanner.local:8081/api/auth/.well-known/jwks.json"
    )
    with pytest.raises(ValueError, match="SERVICE_TOKEN"):
        local.internal_headers()
    caller = EventSettings(environment="local", service_token="s3cret")
    assert caller.internal_headers() == {"X-Service-Token": "s3cret"}


def test_access_log_lines_are_json(auth: TestClient, log_output: Any) -> None:
    import json

    auth.get("/healthz", headers={"X-Request-ID": "log-check-1"})
    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    access = [line for line in lines if line.get("request_id") == "log-check-1"]
    assert len(access) == 1
    entry = access[0]
    assert entry["msg"] == "request"
    assert entry["method"] == "GET"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert isinstance(entry["latency_ms"], float)
    assert entry["service"] == "test"


def test_only_the_web_app_origin_may_call_from_a_browser(auth: TestClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = auth.options(
        "/api/auth/login", headers={"Origin": "http://127.0.0.1:8080", **preflight}
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:8080"
    refused = auth.options(
        "/api/auth/login", headers={"Origin": "https://evil.example", **preflight}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert refused.json() == {  # the services' error shape, not Starlette's plain text
        "detail": "this cross-origin request is not allowed (its origin)",
        "code": "cors_refused",
    }
    assert "origin" in refused.headers["vary"].lower()  # caches keep answers per origin
    assert auth.get("/healthz").headers["x-content-type-options"] == "nosniff"
    dev = EventSettings(environment="dev")
    assert dev.allowed_origins(dev.platform()) == ["https://www.dev.sankofagrid.com"]


def test_a_service_may_publish_only_where_the_model_says() -> None:
    import functools

    from services.kit.messaging import check_destination
    from services.kit.outbox import Outbox

    platform = EventSettings().platform()
    outbox = Outbox("auth", check=functools.partial(check_destination, platform.service("auth")))
    with pytest.raises(ValueError, match="does not publish to topic 'event-created'"):
        asyncio.run(outbox.add(None, "topic", "event-created", {}))  # type: ignore[arg-type]


def test_connection_urls_are_assembled_from_the_parts_ecs_injects() -> None:
    from sqlalchemy.engine import make_url

    parts = EventSettings(
        environment="dev",
        db_host="db.internal",
        db_port=5433,
        db_name="events",
        db_username="app_admin",
        db_password="p@ss:w/rd%?",
        redis_host="cache.internal",
        redis_auth_token="t/k@n",
        docdb_host="docdb.internal",
        docdb_username="docdb_admin",
        docdb_password="a&b=c",
        docdb_ca_file="/etc/ssl/rds-global-bundle.pem",
    )
    url = make_url(parts.resolved_database_url(parts.platform()))
    assert (url.host, url.port, url.database, url.username) == (
        "db.internal",
        5433,
        "events",
        "app_admin",
    )
    assert url.password == "p@ss:w/rd%?" and url.query == {"ssl": "require"}
    assert parts.resolved_redis_url() == "rediss://:t%2Fk%40n@cache.internal:6379/0"
    assert parts.resolved_audit_mongo_url() == (
        "mongodb://docdb_admin:a%26b%3Dc@docdb.internal:27017/?tls=true"
        "&tlsCAFile=%2Fetc%2Fssl%2Frds-global-bundle.pem&replicaSet=rs0"
        "&readPreference=secondaryPreferred&retryWrites=false"
    )
    # whole URLs win over parts; nothing at all means SQLite and the in-process store
    whole = EventSettings(redis_url="redis://127.0.0.1:6379/3", redis_host="ignored")
    assert whole.resolved_redis_url() == "redis://127.0.0.1:6379/3"
    bare = EventSettings()
    assert bare.resolved_redis_url() is None and bare.resolved_audit_mongo_url() is None
    assert bare.resolved_database_url(bare.platform()).startswith("sqlite+aiosqlite:///")


def test_outside_local_a_service_names_every_missing_value() -> None:
    from services.kit.settings import MissingSettings

    platform = EventSettings().platform()
    EventSettings(environment="local").check_aws_needs(platform)  # local needs nothing
    with pytest.raises(MissingSettings) as caught:
        EventSettings(environment="prod", redis_url="rediss://x").check_aws_needs(platform)
    message = str(caught.value)
    assert "the event service in 'prod' is missing" in message
    for name in ("PLATFORM_PROJECT", "CORS_ORIGINS", "SERVICE_TOKENS", "DB_PASSWORD"):
        assert name in message
    assert "REDIS" not in message  # given whole
    # event is called (by booking) but calls nobody, and does not sign tokens
    assert re.search(r"\bSERVICE_TOKEN\b", message) is None
    assert "JWT_PRIVATE_KEY" not in message
    on_ecs = EventSettings(ecs_container_metadata_uri_v4="http://169.254.170.2/v4/x")
    with pytest.raises(MissingSettings, match="runs in an ECS task but ENVIRONMENT is missing"):
        on_ecs.check_aws_needs(platform)
    assert set(EventSettings.secret_fields()) >= {"db_password", "service_tokens", "redis_url"}
