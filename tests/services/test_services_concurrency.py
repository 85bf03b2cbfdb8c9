"""Seat reservations under contention: never more seats than capacity, on every backend."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from starlette.testclient import TestClient

from tests.helpers.service_flows import INTERNAL, create_event
from tests.helpers.services import SERVICE_TOKEN, signed_in


def test_200_concurrent_reservations_on_50_seats(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=50)
    url = f"/internal/events/{event['id']}/reservations"

    async def burst() -> list[int]:
        # All 200 requests in flight at once, in the app's own event loop.
        transport = httpx.ASGITransport(app=events.app)
        headers = {"X-Service-Token": SERVICE_TOKEN}
        async with httpx.AsyncClient(transport=transport, base_url="http://event") as client:

            async def reserve(n: int) -> int:
                body = {"reservation_id": f"booking-{n}", "seats": 1}
                response = await client.post(url, json=body, headers=headers)
                return response.status_code

            return await asyncio.gather(*(reserve(n) for n in range(200)))

    statuses = Counter(events.portal.call(burst))
    assert statuses == {201: 50, 409: 150}
    after = events.get(f"/api/events/{event['id']}").json()
    assert after["seats_available"] == 0
    held = [
        events.get(f"{url}/booking-{n}", headers={"X-Service-Token": SERVICE_TOKEN}).status_code
        for n in range(200)
    ]
    assert Counter(held) == {200: 50, 404: 150}


def test_a_retried_reservation_racing_itself_takes_seats_once(
    auth: TestClient, events: TestClient
) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=50)
    url = f"/internal/events/{event['id']}/reservations"

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=events.app)
        headers = {"X-Service-Token": SERVICE_TOKEN}
        async with httpx.AsyncClient(transport=transport, base_url="http://event") as client:

            async def reserve() -> int:
                body = {"reservation_id": "booking-retried", "seats": 2}
                response = await client.post(url, json=body, headers=headers)
                return response.status_code

            return await asyncio.gather(*(reserve() for _ in range(30)))

    statuses = Counter(events.portal.call(burst))
    assert statuses[201] == 1
    assert statuses[200] == 29
    assert events.get(f"/api/events/{event['id']}").json()["seats_available"] == 48


def test_200_concurrent_bookings_on_50_seats(start_platform: Any) -> None:
    """Full bookings (token, reservation, payment, outbox) racing for one event."""
    from tests.helpers.cluster import Cluster
    from tests.helpers.ledger import assert_reconciled, read_ledger

    platform: Cluster = start_platform(("auth", "event", "payment", "booking"))
    organizer = signed_in(platform["auth"], "organizer")
    event = create_event(platform["event"], organizer, capacity=50)
    attendees = [signed_in(platform["auth"]) for _ in range(10)]
    client = platform["booking"].client

    async def burst() -> list[httpx.Response]:
        async def one(n: int) -> httpx.Response:
            body = {"event_id": event["id"], "seats": 1, "card_number": "4242424242424242"}
            return await client.post(
                "/api/bookings/", json=body, headers=attendees[n % len(attendees)].headers
            )

        return await asyncio.gather(*(one(n) for n in range(200)))

    responses = platform.call(burst)
    assert Counter(r.status_code for r in responses) == {201: 50, 409: 150}
    after = platform["event"].get(f"/api/events/{event['id']}").json()
    assert after["seats_available"] == 0
    ledger = platform.call(read_ledger, platform, event["id"])
    assert_reconciled(ledger)
    assert len(ledger.by_status("confirmed")) == 50
    assert len(ledger.bookings) == 50  # refused bookings leave nothing behind
    succeeded = [p for p in ledger.payments.values() if p.status == "succeeded"]
    assert len(succeeded) == 50


def test_releases_racing_their_reservations_leave_no_seat_held(
    auth: TestClient, events: TestClient
) -> None:
    """Each reservation races its own release (a caller giving up on it): whichever the event
    service sees first, the seats come back: released after the hold, or the hold refused
    after the tombstone."""
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=100)
    url = f"/internal/events/{event['id']}/reservations"

    async def race() -> list[tuple[int, str]]:
        transport = httpx.ASGITransport(app=events.app)
        headers = {"X-Service-Token": SERVICE_TOKEN}
        async with httpx.AsyncClient(transport=transport, base_url="http://event") as client:

            async def pair(n: int) -> tuple[int, str]:
                body = {"reservation_id": f"raced-{n}", "seats": 2}
                reserved, released = await asyncio.gather(
                    client.post(url, json=body, headers=headers),
                    client.delete(f"{url}/raced-{n}", headers=headers),
                )
                return reserved.status_code, released.json()["status"]

            return await asyncio.gather(*(pair(n) for n in range(40)))

    outcomes = events.portal.call(race)
    # The hold taken then released, or the tombstone first and the hold refused.
    assert set(outcomes) <= {(201, "released"), (410, "voided")}, outcomes
    assert events.get(f"/api/events/{event['id']}").json()["seats_available"] == 100
    for n in range(40):
        status = events.get(f"{url}/raced-{n}", headers=INTERNAL).json()["status"]
        assert status in ("released", "voided")
