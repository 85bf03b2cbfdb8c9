"""What the web app's pages read from the event service: the event page (organizer's name,
seats sold), search with a total, an organizer's own events with seats sold and revenue, and
the rules of editing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from services.event.tables import events as events_table
from services.kit.db import utcnow
from tests.helpers.service_flows import create_event, future
from tests.services.conftest import SERVICE_TOKEN, User, signed_in

INTERNAL = {"X-Service-Token": SERVICE_TOKEN}


def hold(events: TestClient, event_id: str, reservation_id: str, seats: int) -> dict[str, Any]:
    response = events.post(
        f"/internal/events/{event_id}/reservations",
        json={"reservation_id": reservation_id, "seats": seats},
        headers=INTERNAL,
    )
    assert response.status_code == 201, response.text
    held: dict[str, Any] = response.json()
    return held


def release(events: TestClient, event_id: str, reservation_id: str) -> None:
    response = events.delete(
        f"/internal/events/{event_id}/reservations/{reservation_id}", headers=INTERNAL
    )
    assert response.status_code == 200, response.text


def test_the_event_page_names_the_organizer_and_counts_seats_sold(
    auth: TestClient, events: TestClient
) -> None:
    organizer = signed_in(auth, "organizer")  # registered as "Ada Lovelace"
    event = create_event(events, organizer, capacity=10)
    hold(events, event["id"], "booking-a", 3)
    page = events.get(f"/api/events/{event['id']}").json()
    assert page["organizer_name"] == "Ada Lovelace"
    assert organizer.email not in str(page)
    assert (page["seats_sold"], page["seats_available"], page["capacity"]) == (3, 7, 10)
    for field in ("description", "venue", "starts_at", "ends_at", "price_cents", "currency"):
        assert page[field] == event[field]


def test_search_matches_title_or_venue_and_counts_every_match(
    auth: TestClient, events: TestClient
) -> None:
    organizer = signed_in(auth, "organizer")
    for n in range(3):
        create_event(events, organizer, title=f"Jazz night {n}", starts_at=future(n + 1))
    create_event(events, organizer, title="Chess open", venue="Jazz Cafe", starts_at=future(9))
    create_event(events, organizer, title="Poetry", venue="Library", starts_at=future(8))
    first = events.get("/api/events/", params={"q": "jazz", "limit": 2}).json()
    assert first["total"] == 4
    assert [e["title"] for e in first["items"]] == ["Jazz night 0", "Jazz night 1"]
    rest = events.get(
        "/api/events/", params={"q": "jazz", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [e["title"] for e in rest["items"]] == ["Jazz night 2", "Chess open"]
    assert rest["next_cursor"] is None and rest["total"] == 4
    window = events.get("/api/events/", params={"from": future(7), "to": future(8.5)}).json()
    assert [e["title"] for e in window["items"]] == ["Poetry"] and window["total"] == 1


def test_an_organizer_sees_their_events_with_seats_sold_and_revenue(
    auth: TestClient, events: TestClient
) -> None:
    organizer, other = signed_in(auth, "organizer"), signed_in(auth, "organizer")
    early = create_event(events, organizer, price_cents=1000, starts_at=future(2))
    late = create_event(events, organizer, price_cents=0, starts_at=future(20), ends_at=future(21))
    create_event(events, other)
    hold(events, early["id"], "booking-1", 2)  # 2 x 10.00
    url = f"/api/events/{early['id']}"
    assert events.patch(url, json={"price_cents": 1500}, headers=organizer.headers).is_success
    hold(events, early["id"], "booking-2", 1)  # 1 x 15.00
    hold(events, early["id"], "booking-3", 4)
    release(events, early["id"], "booking-3")  # cancelled: seats and money go back
    hold(events, late["id"], "booking-4", 5)  # a free event sells seats, earns nothing

    mine = events.get("/api/events/mine", headers=organizer.headers).json()
    assert mine["total"] == 2 and (mine["limit"], mine["offset"]) == (50, 0)
    figures = [(e["id"], e["seats_sold"], e["revenue_cents"]) for e in mine["items"]]
    assert figures == [(late["id"], 5, 0), (early["id"], 3, 3500)]  # latest start first

    second = events.get(
        "/api/events/mine", params={"limit": 1, "offset": 1}, headers=organizer.headers
    )
    assert [e["id"] for e in second.json()["items"]] == [early["id"]]
    events.delete(url, headers=organizer.headers)
    cancelled = events.get(
        "/api/events/mine", params={"status": "cancelled"}, headers=organizer.headers
    ).json()
    assert [e["id"] for e in cancelled["items"]] == [early["id"]]


def test_my_events_is_for_signed_in_organizers(auth: TestClient, events: TestClient) -> None:
    attendee = signed_in(auth)
    assert events.get("/api/events/mine").status_code == 401
    assert events.get("/api/events/mine", headers=attendee.headers).status_code == 403


def _start_now(events: TestClient, event_id: str) -> None:
    """Move an event's start into the past (the API refuses to)."""
    service = events.app.state.service  # type: ignore[attr-defined]

    async def move() -> None:
        async with service.db.write() as conn:
            await conn.execute(
                sa.update(events_table)
                .where(events_table.c.id == event_id)
                .values(starts_at=utcnow() - dt.timedelta(minutes=5))
            )

    events.portal.call(move)  # type: ignore[union-attr]


def _patch(events: TestClient, organizer: User, event_id: str, **fields: Any) -> Any:
    return events.patch(f"/api/events/{event_id}", json=fields, headers=organizer.headers)


def test_an_event_cannot_be_edited_once_started_or_cancelled(
    auth: TestClient, events: TestClient
) -> None:
    organizer = signed_in(auth, "organizer")
    started, cancelled = create_event(events, organizer), create_event(events, organizer)
    _start_now(events, started["id"])
    refused = _patch(events, organizer, started["id"], title="Too late")
    assert refused.status_code == 409 and refused.json()["code"] == "event_started"
    events.delete(f"/api/events/{cancelled['id']}", headers=organizer.headers)
    refused = _patch(events, organizer, cancelled["id"], title="Too late")
    assert refused.status_code == 409 and refused.json()["code"] == "event_cancelled"


def test_every_field_of_an_event_can_be_edited(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=10)
    hold(events, event["id"], "booking-1", 4)
    changes = {
        "title": "New title",
        "description": "New words",
        "venue": "Elsewhere",
        "starts_at": future(30),
        "ends_at": future(31),
        "price_cents": 0,
        "capacity": 4,
    }
    changed = _patch(events, organizer, event["id"], **changes)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert {k: body[k] for k in ("title", "description", "venue", "price_cents", "capacity")} == {
        k: changes[k] for k in ("title", "description", "venue", "price_cents", "capacity")
    }
    assert (body["seats_available"], body["seats_sold"]) == (0, 4)
    below = _patch(events, organizer, event["id"], capacity=3)
    assert below.status_code == 409 and below.json()["code"] == "capacity_below_sold"
    stranger = signed_in(auth, "organizer")
    assert _patch(events, stranger, event["id"], title="Mine now").status_code == 403


def test_seats_left_in_the_list_follow_every_reservation_and_release(
    auth: TestClient, events: TestClient
) -> None:
    """The list is cached (10 s by default): a seat change must not leave it stale."""
    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer, capacity=10)

    def listed() -> int:
        [item] = events.get("/api/events").json()["items"]
        return int(item["seats_available"])

    assert listed() == 10
    hold(events, event["id"], "booking-1", 3)
    assert listed() == 7
    assert events.get(f"/api/events/{event['id']}").json()["seats_available"] == 7
    release(events, event["id"], "booking-1")
    assert listed() == 10


def test_old_tombstones_are_pruned_and_nothing_else(auth: TestClient, events: TestClient) -> None:
    from services.event.tables import seat_reservations

    organizer = signed_in(auth, "organizer")
    event = create_event(events, organizer)
    release(events, event["id"], "gave-up-old")  # tombstones: released before they arrived
    release(events, event["id"], "gave-up-new")
    hold(events, event["id"], "kept-held", 1)
    hold(events, event["id"], "kept-released", 1)
    release(events, event["id"], "kept-released")
    service = events.app.state.service  # type: ignore[attr-defined]

    async def age(reservation_ids: list[str], hours: float) -> None:
        async with service.db.write() as conn:
            await conn.execute(
                sa.update(seat_reservations)
                .where(seat_reservations.c.reservation_id.in_(reservation_ids))
                .values(created_at=utcnow() - dt.timedelta(hours=hours))
            )

    async def prune() -> int:
        pruned: int = await service.prune_tombstones(dt.timedelta(hours=24))
        return pruned

    events.portal.call(age, ["gave-up-old", "kept-held", "kept-released"], 25)  # type: ignore[union-attr]
    assert events.portal.call(prune) == 1  # type: ignore[union-attr]
    assert events.portal.call(prune) == 0  # type: ignore[union-attr]

    def status(reservation_id: str) -> int:
        url = f"/internal/events/{event['id']}/reservations/{reservation_id}"
        return events.get(url, headers=INTERNAL).status_code

    assert [status(r) for r in ("gave-up-old", "gave-up-new", "kept-held", "kept-released")] == [
        404,
        200,
        200,
        200,
    ]
