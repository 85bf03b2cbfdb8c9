"""What "My bookings" reads: each booking with its event's title and start, its status, why
it failed or was cancelled, and a cancelled booking's refund; upcoming and past apart."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from services.booking.tables import bookings
from tests.helpers.cluster import Cluster
from tests.helpers.service_flows import BOOKING_SERVICES as SERVICES
from tests.helpers.service_flows import DECLINED_CARD, book, create_event, future
from tests.services.conftest import User, signed_in


@pytest.fixture
def platform(start_platform: Any) -> Cluster:
    cluster: Cluster = start_platform(SERVICES)
    return cluster


@pytest.fixture
def people(platform: Cluster) -> tuple[User, User]:
    return signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])


def mine(platform: Cluster, user: User, **params: Any) -> list[dict[str, Any]]:
    response = platform["booking"].get("/api/bookings/", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_a_booking_carries_its_event_and_its_refund_once_cancelled(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, title="Jazz night", price_cents=1250)
    booked = book(platform, attendee, event, seats=2).json()
    assert (booked["event_title"], booked["refund"], booked["cancel_reason"]) == (
        "Jazz night",
        None,
        None,
    )
    assert dt.datetime.fromisoformat(booked["event_starts_at"]) == dt.datetime.fromisoformat(
        event["starts_at"]
    )
    cancelled = platform["booking"].delete(
        f"/api/bookings/{booked['id']}", headers=attendee.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    refund = {"amount_cents": 2500, "currency": "GHS", "status": "refunded"}
    assert cancelled.json()["refund"] == refund
    assert cancelled.json()["cancel_reason"] == "user"
    [listed] = mine(platform, attendee)
    assert (listed["status"], listed["refund"], listed["event_title"]) == (
        "cancelled",
        refund,
        "Jazz night",
    )


def test_a_declined_booking_says_why_and_owes_no_refund(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer)
    failed = book(platform, attendee, event, card=DECLINED_CARD)
    assert failed.status_code == 402
    [listed] = mine(platform, attendee)
    assert listed["status"] == "payment_failed"
    assert listed["failure_reason"] and listed["refund"] is None


def test_bookings_split_into_upcoming_and_past(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    soon = create_event(platform["event"], organizer, title="Soon", starts_at=future(1))
    later = create_event(platform["event"], organizer, title="Later", starts_at=future(3))
    first, second = (book(platform, attendee, e).json() for e in (soon, later))

    async def started(cluster: Cluster) -> None:  # the first event's start passes
        db = cluster["booking"].service.db
        async with db.write() as conn:
            await conn.execute(
                sa.update(bookings)
                .where(bookings.c.id == first["id"])
                .values(event_starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
            )

    platform.call(started, platform)
    assert [b["id"] for b in mine(platform, attendee)] == [second["id"], first["id"]]
    assert [b["id"] for b in mine(platform, attendee, when="upcoming")] == [second["id"]]
    assert [b["id"] for b in mine(platform, attendee, when="past")] == [first["id"]]
    refused = platform["booking"].get(
        "/api/bookings/", params={"when": "soon"}, headers=attendee.headers
    )
    assert refused.status_code == 422
