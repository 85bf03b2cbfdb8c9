"""Seat reservations under contention: never more seats than capacity, on every backend."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from starlette.testclient import TestClient

from tests.services.conftest import SERVICE_TOKEN, signed_in
from tests.services.test_services_event import create_event


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
