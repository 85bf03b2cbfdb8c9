"""The audit trail: every state-changing request leaves one record, whatever its outcome."""

from __future__ import annotations

from typing import Any

import mongomock
import sqlalchemy as sa
from starlette.testclient import TestClient

from services.auth.app import create_app
from services.auth.settings import AuthSettings
from services.kit.app import Overrides
from services.kit.audit import audit_log
from tests.helpers.service_flows import create_event
from tests.helpers.services import register, signed_in


async def _records(client: TestClient) -> list[dict[str, Any]]:
    kit = client.app.state.kit
    await kit.audit.flush()
    async with kit.db.read() as conn:
        rows = await conn.execute(sa.select(audit_log).order_by(audit_log.c.id))
        return [dict(row._mapping) for row in rows]


def test_state_changes_are_audited_in_the_table(auth: TestClient) -> None:
    account = register(auth)
    failed = auth.post(
        "/api/auth/login",
        json={"email": account["email"], "password": "wrong-password"},
        headers={"X-Request-ID": "req-failed-login-1"},
    )
    assert failed.headers["x-request-id"] == "req-failed-login-1"
    auth.get("/api/auth/.well-known/jwks.json")  # reads are not audited
    records = auth.portal.call(_records, auth)
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("user.register", "success"),
        ("user.login", "denied"),
    ]
    registered, denied = records
    assert registered["service"] == "auth"
    assert registered["actor"] == registered["resource"] == f"user:{account['id']}"
    assert registered["client_ip"] == "testclient"
    assert registered["ts"].tzinfo is not None
    assert denied["request_id"] == "req-failed-login-1"
    assert denied["actor"] is None


def test_refused_event_changes_are_audited_too(auth: TestClient, events: TestClient) -> None:

    owner = signed_in(auth, "organizer")
    intruder = signed_in(auth, "organizer")
    event = create_event(events, owner)
    events.patch(f"/api/events/{event['id']}", json={"title": "x"}, headers=intruder.headers)
    records = events.portal.call(_records, events)
    assert [(r["action"], r["outcome"], r["actor"]) for r in records] == [
        ("event.create", "success", f"user:{owner.id}"),
        ("event.update", "denied", f"user:{intruder.id}"),
    ]
    assert records[1]["resource"] == f"event:{event['id']}"


def test_audit_goes_to_mongodb_when_configured(make_settings: Any) -> None:
    # No MongoDB server exists on this machine: mongomock stands in for the collection that
    # AUDIT_MONGO_URL would open. The writer, batching and documents are the real code.
    collection = mongomock.MongoClient()["audit"]["audit"]
    app = create_app(make_settings(AuthSettings), Overrides(mongo_collection=collection))
    with TestClient(app) as auth:
        account = register(auth)
    documents = list(collection.find({}, {"_id": 0}))
    assert len(documents) == 1
    assert documents[0]["action"] == "user.register"
    assert documents[0]["actor"] == f"user:{account['id']}"
    assert set(documents[0]) == {
        "ts",
        "service",
        "actor",
        "action",
        "resource",
        "outcome",
        "request_id",
        "client_ip",
    }
