"""The event service through its HTTP API, on every backend, with tokens from the auth service."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from services.event import tables
from tests.helpers.service_flows import INTERNAL, create_event, event_body, future
from tests.helpers.services import Backend, receive_all, signed_in


def test_an_organizer_publishes_an_event(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer)
    assert event["organizer_id"] == organizer.id
    assert event["status"] == "published"
    assert event["seats_available"] == event["capacity"] == 50
    assert event["currency"] == "GHS"
    assert events.get(f"/api/events/{event['id']}").json() == event


def test_creating_needs_an_organizer_token(auth: TestClient, events: TestClient) -> None:
    attendee = signed_in(auth)
    assert events.post("/api/events/", json=event_body()).status_code == 401
    refused = events.post("/api/events/", json=event_body(), headers=attendee.headers)
    assert refused.status_code == 403


def test_event_input_is_validated(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    cases = [
        {"starts_at": future(-1), "ends_at": future(1)},  # in the past
        {"ends_at": future(9)},  # ends before it starts
        {"capacity": 0},
        {"capacity": 100_001},
        {"price_cents": -1},
        {"currency": "EURO"},
        {"title": ""},
        {"starts_at": "2030-01-01T10:00:00"},  # no time zone
        {"unknown": 1},
    ]
    for fields in cases:
        response = events.post("/api/events/", json=event_body(**fields), headers=organizer.headers)
        assert response.status_code == 422, (fields, response.text)
        assert "detail" in response.json()


def test_unknown_event_is_404(events: TestClient) -> None:
    response = events.get(f"/api/events/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Event not found.", "code": "not_found"}


def test_list_is_soonest_first_with_cursor_pages(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    created = [
        create_event(
            events,
            organizer,
            title=f"Event {days}",
            starts_at=future(days),
            ends_at=future(days, 2),
        )
        for days in (5, 3, 9, 1, 7)
    ]
    expected = [e["id"] for e in sorted(created, key=lambda e: e["starts_at"])]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = events.get("/api/events/", params=params).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_list_filters_by_text_and_dates(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    jazz = create_event(
        events, organizer, title="Jazz night", starts_at=future(2), ends_at=future(2, 3)
    )
    create_event(events, organizer, title="Chess open", starts_at=future(20), ends_at=future(20, 3))
    found = events.get("/api/events/", params={"q": "JAZZ"}).json()["items"]
    assert [e["id"] for e in found] == [jazz["id"]]
    early = events.get("/api/events/", params={"to": future(5)}).json()["items"]
    assert [e["id"] for e in early] == [jazz["id"]]
    late = events.get("/api/events/", params={"from": future(5)}).json()["items"]
    assert [e["title"] for e in late] == ["Chess open"]


def test_list_parameters_are_validated(events: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}, {"from": "yesterday"}):
        response = events.get("/api/events/", params=params)
        assert response.status_code == 422, params


def test_list_cache_is_invalidated_by_changes(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, title="Before")
    assert [e["title"] for e in events.get("/api/events/").json()["items"]] == ["Before"]
    events.patch(f"/api/events/{event['id']}", json={"title": "After"}, headers=organizer.headers)
    assert [e["title"] for e in events.get("/api/events/").json()["items"]] == ["After"]
    events.delete(f"/api/events/{event['id']}", headers=organizer.headers)
    assert events.get("/api/events/").json()["items"] == []


def test_owner_updates_and_cancels(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer)
    changed = events.patch(
        f"/api/events/{event['id']}",
        json={"venue": "Kumasi", "capacity": 60},
        headers=organizer.headers,
    )
    assert changed.status_code == 200
    assert changed.json()["venue"] == "Kumasi"
    assert changed.json()["seats_available"] == 60
    cancelled = events.delete(f"/api/events/{event['id']}", headers=organizer.headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = events.patch(
        f"/api/events/{event['id']}", json={"title": "x"}, headers=organizer.headers
    )
    assert again.status_code == 409


def test_patch_rejects_empty_and_inconsistent_changes(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer)
    url = f"/api/events/{event['id']}"
    assert events.patch(url, json={}, headers=organizer.headers).status_code == 422
    assert events.patch(url, json={"title": None}, headers=organizer.headers).status_code == 422
    late_start = {"starts_at": future(30)}  # after the current ends_at
    assert events.patch(url, json=late_start, headers=organizer.headers).status_code == 422


def test_capacity_cannot_drop_below_seats_sold(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=10)
    reserve = events.post(
        f"/internal/events/{event['id']}/reservations",
        json={"reservation_id": "booking-1", "seats": 6},
        headers=INTERNAL,
    )
    assert reserve.status_code == 201
    url = f"/api/events/{event['id']}"
    assert events.patch(url, json={"capacity": 5}, headers=organizer.headers).status_code == 409
    ok = events.patch(url, json={"capacity": 6}, headers=organizer.headers)
    assert ok.status_code == 200
    assert ok.json()["seats_available"] == 0


def test_reservations_are_idempotent_and_released_once(
    auth: TestClient, events: TestClient
) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=5)
    url = f"/internal/events/{event['id']}/reservations"
    first = events.post(url, json={"reservation_id": "b-1", "seats": 3}, headers=INTERNAL)
    assert first.status_code == 201
    assert first.json()["seats_available"] == 2
    repeat = events.post(url, json={"reservation_id": "b-1", "seats": 3}, headers=INTERNAL)
    assert repeat.status_code == 200
    assert repeat.json()["seats_available"] == 2
    different = events.post(url, json={"reservation_id": "b-1", "seats": 1}, headers=INTERNAL)
    assert different.status_code == 409
    too_many = events.post(url, json={"reservation_id": "b-2", "seats": 3}, headers=INTERNAL)
    assert too_many.status_code == 409
    assert events.get(f"{url}/b-1", headers=INTERNAL).json()["status"] == "held"
    for _ in range(2):
        released = events.delete(f"{url}/b-1", headers=INTERNAL)
        assert released.status_code == 200
        assert released.json()["status"] == "released"
        assert released.json()["seats_available"] == 5
    assert events.get(f"/api/events/{event['id']}").json()["seats_available"] == 5


def test_a_release_before_the_reservation_refuses_it_when_it_arrives(
    auth: TestClient, events: TestClient
) -> None:
    """The caller gave up on a reservation still on its way and released it: the release
    leaves a tombstone, and the reservation, when it arrives, is refused and holds nothing."""
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=5)
    url = f"/internal/events/{event['id']}/reservations"
    for _ in range(2):  # releasing is idempotent, before and after the tombstone
        voided = events.delete(f"{url}/late-1", headers=INTERNAL)
        assert voided.status_code == 200, voided.text
        assert voided.json()["status"] == "voided"
        assert (voided.json()["seats"], voided.json()["seats_available"]) == (0, 5)
    late = events.post(url, json={"reservation_id": "late-1", "seats": 2}, headers=INTERNAL)
    assert late.status_code == 410
    assert late.json()["code"] == "reservation_released"
    assert "released before it arrived" in late.json()["detail"]
    assert events.get(f"/api/events/{event['id']}").json()["seats_available"] == 5
    assert events.get(f"{url}/late-1", headers=INTERNAL).json()["status"] == "voided"
    # Other ids are unaffected; a cancelled event's tombstone still refuses the id.
    other = events.post(url, json={"reservation_id": "late-2", "seats": 2}, headers=INTERNAL)
    assert other.status_code == 201
    assert other.json()["seats_available"] == 3
    events.delete(f"/api/events/{event['id']}", headers=organizer.headers)
    assert events.delete(f"{url}/late-3", headers=INTERNAL).json()["status"] == "voided"
    refused = events.post(url, json={"reservation_id": "late-3", "seats": 1}, headers=INTERNAL)
    assert (refused.status_code, refused.json()["code"]) == (410, "reservation_released")
    # No tombstone for an event that does not exist.
    nowhere = f"/internal/events/{uuid.uuid4()}/reservations/late-4"
    assert events.delete(nowhere, headers=INTERNAL).status_code == 404


def test_reservations_on_unknown_or_cancelled_events(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    unknown = events.post(
        f"/internal/events/{uuid.uuid4()}/reservations",
        json={"reservation_id": "b-9", "seats": 1},
        headers=INTERNAL,
    )
    assert unknown.status_code == 404
    event = create_event(events, organizer)
    events.delete(f"/api/events/{event['id']}", headers=organizer.headers)
    gone = events.post(
        f"/internal/events/{event['id']}/reservations",
        json={"reservation_id": "b-10", "seats": 1},
        headers=INTERNAL,
    )
    assert gone.status_code == 410
    assert (
        events.get(
            f"/internal/events/{event['id']}/reservations/b-10", headers=INTERNAL
        ).status_code
        == 404
    )


def test_internal_api_needs_the_service_credential(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer)
    url = f"/internal/events/{event['id']}/reservations"
    body = {"reservation_id": "b-1", "seats": 1}
    assert events.post(url, json=body).status_code == 401
    assert events.post(url, json=body, headers={"X-Service-Token": "guess"}).status_code == 401
    # A user's token is not a service credential.
    assert events.post(url, json=body, headers=organizer.headers).status_code == 401
    assert events.get(f"/api/events/{event['id']}").json()["seats_available"] == 50


def test_changes_are_published(auth: TestClient, events: TestClient, aws) -> None:  # type: ignore[no-untyped-def]
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer)
    events.patch(f"/api/events/{event['id']}", json={"title": "Renamed"}, headers=organizer.headers)
    events.delete(f"/api/events/{event['id']}", headers=organizer.headers)
    created = receive_all(aws, "event-created")  # through the SNS topic's subscription
    assert [m["data"]["id"] for m in created] == [event["id"]]
    updates = sorted(receive_all(aws, "event-updated", expect=2), key=lambda m: m["occurred_at"])
    assert [m["data"]["change"] for m in updates] == ["updated", "cancelled"]
    assert updates[0]["data"]["fields"] == ["title"]
    assert updates[1]["data"]["event"]["status"] == "cancelled"


def test_an_event_db_of_the_first_schema_migrates_to_tombstones(
    backend: Backend, tmp_path: Path
) -> None:
    """A database made by event-0001, with holds in it, takes event-0002 and event-0003: the
    holds are kept, tombstones (voided, no seats) become possible, a hold still needs seats,
    and the organizer name and hold price columns arrive empty."""
    from services.event.settings import EventSettings
    from services.kit.db import Database, utcnow
    from services.kit.migrations import migrate

    url = backend.database_url(EventSettings) or f"sqlite:///{tmp_path / 'event.sqlite3'}"

    async def scenario() -> None:
        db = Database(url)
        now = utcnow()
        event = {
            "title": "t", "description": "d", "venue": "v", "starts_at": now, "ends_at": now,
            "capacity": 5, "seats_available": 3, "price_cents": 100, "currency": "GHS",
            "organizer_id": "o", "status": "published", "created_at": now, "updated_at": now,
        }  # fmt: skip
        hold = {"event_id": "e-1", "status": "held", "caller": "booking"}
        stamps = {"created_at": now, "updated_at": now}
        try:
            first, second, third = (m.id for m in tables.MIGRATIONS)
            assert await migrate(db, tables.MIGRATIONS[:1]) == [first]
            async with db.write() as conn:
                await conn.execute(tables.events.insert().values(id="e-1", **event))
                await conn.execute(
                    tables.seat_reservations.insert().values(
                        reservation_id="b-1", seats=2, **hold, **stamps
                    )
                )
            assert await migrate(db, tables.MIGRATIONS) == [second, third]
            async with db.write() as conn:
                await conn.execute(
                    tables.seat_reservations.insert().values(
                        reservation_id="b-2", event_id="e-1", seats=0, status="voided",
                        caller="booking", **stamps,
                    )
                )  # fmt: skip
            async with db.read() as conn:
                rows = await conn.execute(
                    sa.select(
                        tables.seat_reservations.c.reservation_id,
                        tables.seat_reservations.c.seats,
                        tables.seat_reservations.c.status,
                    ).order_by(tables.seat_reservations.c.reservation_id)
                )
                assert [tuple(row) for row in rows] == [("b-1", 2, "held"), ("b-2", 0, "voided")]
                # event-0003: older rows get no organizer name and no recorded hold price
                added = await conn.execute(
                    sa.select(
                        tables.events.c.organizer_name, tables.seat_reservations.c.price_cents
                    )
                    .join(tables.seat_reservations)
                    .where(tables.seat_reservations.c.reservation_id == "b-1")
                )
                assert [tuple(row) for row in added] == [("", None)]
                index = await conn.run_sync(
                    lambda sync: sa.inspect(sync).get_indexes("seat_reservations")
                )
                assert [i["name"] for i in index] == ["ix_seat_reservations_event"]
            for bad in (
                {"seats": 0, "status": "held"},  # a hold without seats
                {"seats": 1, "status": "voided"},  # a tombstone with seats
                {"seats": 1, "status": "lost"},  # not a status
                {"seats": 1, "status": "held", "event_id": "no-such-event"},  # foreign key
            ):
                with pytest.raises(IntegrityError):
                    async with db.write() as conn:
                        await conn.execute(
                            tables.seat_reservations.insert().values(
                                **{"reservation_id": "b-3", **hold, **stamps, **bad}
                            )
                        )
        finally:
            await db.close()

    asyncio.run(scenario())
