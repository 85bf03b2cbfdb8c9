"""What the service tests share: requests the tests make (an event, a booking, a charge), the
waits and checks of a whole-platform run."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from typing import Any

from starlette.testclient import TestClient

from tests.helpers.cluster import Cluster
from tests.helpers.ledger import assert_reconciled, read_ledger
from tests.helpers.services import SERVICE_TOKEN, User, sent_emails

INTERNAL = {"X-Service-Token": SERVICE_TOKEN}
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
#: The services a booking needs (notification is not one of them).
BOOKING_SERVICES = ("auth", "event", "payment", "booking")


def future(days: float = 10, hours: float = 0) -> str:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=days, hours=hours)
    return when.isoformat()


def event_body(**fields: Any) -> dict[str, Any]:
    return {
        "title": "PyCon Accra",
        "description": "Talks and sprints",
        "venue": "Accra International Conference Centre",
        "starts_at": future(10),
        "ends_at": future(10, hours=8),
        "capacity": 50,
        "price_cents": 2500,
        "currency": "ghs",
        **fields,
    }


def create_event(events: TestClient, organizer: User, **fields: Any) -> dict[str, Any]:
    response = events.post("/api/events/", json=event_body(**fields), headers=organizer.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def book(
    cluster: Cluster,
    user: User,
    event: dict[str, Any],
    *,
    seats: int = 1,
    card: str = GOOD_CARD,
    key: str | None = None,
) -> Any:
    headers = dict(user.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {"event_id": event["id"], "seats": seats, "card_number": card}
    return cluster["booking"].post("/api/bookings/", json=body, headers=headers)


def seats_left(cluster: Cluster, event: dict[str, Any]) -> int:
    available: int = cluster["event"].get(f"/api/events/{event['id']}").json()["seats_available"]
    return available


def charge_body(user: User, **fields: Any) -> dict[str, Any]:
    key = fields.pop("key", None) or str(uuid.uuid4())
    return {
        "idempotency_key": key,
        "booking_id": key,
        "user_id": user.id,
        "user_email": user.email,
        "amount_cents": 5000,
        "currency": "GHS",
        "card_number": GOOD_CARD,
        **fields,
    }


def wait_for(condition: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def kinds(platform: Cluster, user: User) -> Counter[str]:
    found = platform["notification"].get("/api/notifications/", headers=user.headers).json()
    return Counter(n["kind"] for n in found)


def has_kinds(platform: Cluster, user: User, **expected: int) -> bool:
    seen = kinds(platform, user)
    return all(seen[kind] >= count for kind, count in expected.items())


def reconciled(platform: Cluster, event: dict[str, Any]) -> Any:
    ledger = platform.call(read_ledger, platform, event["id"])
    assert_reconciled(ledger)
    return ledger


def emails_to(aws: Any, user: User) -> list[str]:
    return sorted(e["subject"] for e in sent_emails(aws) if e["to"] == [user.email])
