"""The booking service with the auth, event and payment services, in one process, on every
backend: the booking saga, its idempotency, cancellation, and its failures."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers.cluster import Cluster, Crash
from tests.helpers.ledger import read_ledger
from tests.helpers.service_flows import BOOKING_SERVICES as SERVICES
from tests.helpers.service_flows import (
    DECLINED_CARD,
    GOOD_CARD,
    book,
    create_event,
    reconciled,
    seats_left,
    wait_for,
)
from tests.helpers.services import User, signed_in


@pytest.fixture
def platform(start_platform: Any) -> Cluster:
    cluster: Cluster = start_platform(SERVICES)
    return cluster


@pytest.fixture
def people(platform: Cluster) -> tuple[User, User]:
    return signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])


def test_a_booking_is_reserved_paid_and_confirmed(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=10, price_cents=2500)
    response = book(platform, attendee, event, seats=2)
    assert response.status_code == 201, response.text
    booking = response.json()
    assert booking["status"] == "confirmed"
    assert booking["seats"] == 2
    assert (booking["amount_cents"], booking["currency"]) == (5000, "GHS")
    assert booking["user_id"] == attendee.id
    assert seats_left(platform, event) == 8
    payments = platform["payment"].get("/api/payments/", headers=attendee.headers).json()
    assert [(p["id"], p["status"], p["amount_cents"]) for p in payments] == [
        (booking["payment_id"], "succeeded", 5000)
    ]
    assert payments[0]["card_last4"] == "4242"
    mine = platform["booking"].get("/api/bookings/", headers=attendee.headers).json()
    assert mine == [booking]
    one = platform["booking"].get(f"/api/bookings/{booking['id']}", headers=attendee.headers)
    assert one.json() == booking
    reconciled(platform, event)


def test_a_declined_card_releases_the_seats(platform: Cluster, people: tuple[User, User]) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=3)
    response = book(platform, attendee, event, seats=3, card=DECLINED_CARD)
    assert response.status_code == 402
    refusal = response.json()
    assert refusal["code"] == "card_declined"
    assert refusal["detail"] == (
        "Your card was declined by its bank. No money was taken and your seats were released."
    )
    booking = refusal["booking"]
    assert booking["status"] == "payment_failed"
    assert seats_left(platform, event) == 3
    payments = platform["payment"].get("/api/payments/", headers=attendee.headers).json()
    assert [(p["id"], p["status"]) for p in payments] == [(booking["payment_id"], "declined")]
    ledger = reconciled(platform, event)
    assert [b.failure_reason for b in ledger.by_status("payment_failed")] == ["card_declined"]


def test_refusals_keep_nothing(platform: Cluster, people: tuple[User, User]) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=2)
    too_many = book(platform, attendee, event, seats=3)
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "not_enough_seats"
    assert too_many.json()["detail"] == "Not enough seats left: 2 left, 3 asked."
    unknown = book(platform, attendee, {"id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    cancelled = create_event(platform["event"], organizer)
    platform["event"].delete(f"/api/events/{cancelled['id']}", headers=organizer.headers)
    gone = book(platform, attendee, cancelled)
    assert gone.status_code == 404
    for body in (
        {"event_id": event["id"], "seats": 0, "card_number": GOOD_CARD},
        {"event_id": event["id"], "seats": 11, "card_number": GOOD_CARD},
        {"event_id": event["id"], "seats": 1, "card_number": "4242424242424241"},
        {"event_id": event["id"], "seats": 1},
        {"event_id": "../x", "seats": 1, "card_number": GOOD_CARD},
    ):
        invalid = platform["booking"].post("/api/bookings/", json=body, headers=attendee.headers)
        assert invalid.status_code == 422, body
    unauthenticated = platform["booking"].post(
        "/api/bookings/", json={"event_id": event["id"], "seats": 1, "card_number": GOOD_CARD}
    )
    assert unauthenticated.status_code == 401
    assert platform["booking"].get("/api/bookings/", headers=attendee.headers).json() == []
    assert platform["payment"].get("/api/payments/", headers=attendee.headers).json() == []
    assert seats_left(platform, event) == 2
    reconciled(platform, event)


def test_idempotency_key_returns_the_same_booking(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=10)
    first = book(platform, attendee, event, seats=2, key="order-42")
    again = book(platform, attendee, event, seats=2, key="order-42")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    other_body = book(platform, attendee, event, seats=3, key="order-42")
    assert other_body.status_code == 422
    assert "Idempotency-Key" in other_body.json()["detail"]
    # Keys belong to their user: someone else's same key is a different booking.
    stranger = signed_in(platform["auth"])
    theirs = book(platform, stranger, event, seats=2, key="order-42")
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    declined = book(platform, attendee, event, card=DECLINED_CARD, key="order-43")
    declined_again = book(platform, attendee, event, card=DECLINED_CARD, key="order-43")
    assert (declined.status_code, declined_again.status_code) == (402, 402)
    assert declined_again.json()["booking"]["id"] == declined.json()["booking"]["id"]
    bad_key = book(platform, attendee, event, key="spaces are not allowed")
    assert bad_key.status_code == 422
    payments = platform["payment"].get("/api/payments/", headers=attendee.headers).json()
    assert sorted(p["status"] for p in payments) == ["declined", "succeeded"]
    assert seats_left(platform, event) == 6
    reconciled(platform, event)


def test_bookings_are_private(platform: Cluster, people: tuple[User, User]) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer)
    booking = book(platform, attendee, event).json()
    intruder = signed_in(platform["auth"])
    url = f"/api/bookings/{booking['id']}"
    assert platform["booking"].get(url, headers=intruder.headers).status_code == 404
    assert platform["booking"].delete(url, headers=intruder.headers).status_code == 404
    assert platform["booking"].get("/api/bookings/", headers=intruder.headers).json() == []
    payment = f"/api/payments/{booking['payment_id']}"
    assert platform["payment"].get(payment, headers=intruder.headers).status_code == 404
    assert platform["booking"].get(url, headers=attendee.headers).json()["status"] == "confirmed"


def test_cancelling_releases_seats_and_refunds(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=5)
    booking = book(platform, attendee, event, seats=2).json()
    url = f"/api/bookings/{booking['id']}"
    cancelled = platform["booking"].delete(url, headers=attendee.headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert seats_left(platform, event) == 5
    payment = platform["payment"].get(
        f"/api/payments/{booking['payment_id']}", headers=attendee.headers
    )
    assert payment.json()["status"] == "refunded"
    again = platform["booking"].delete(url, headers=attendee.headers)
    assert again.status_code == 409
    declined = book(platform, attendee, event, card=DECLINED_CARD).json()["booking"]
    not_confirmed = platform["booking"].delete(
        f"/api/bookings/{declined['id']}", headers=attendee.headers
    )
    assert not_confirmed.status_code == 409
    reconciled(platform, event)


def test_payment_service_down_holds_no_seats(platform: Cluster, people: tuple[User, User]) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=4)
    platform.take_down("payment")
    refused = book(platform, attendee, event, seats=2, key="retry-me")
    assert refused.status_code == 503
    assert refused.headers["retry-after"]
    assert seats_left(platform, event) == 4
    assert platform["booking"].get("/api/bookings/", headers=attendee.headers).json() == []
    platform.bring_up("payment")
    retried = book(platform, attendee, event, seats=2, key="retry-me")
    assert retried.status_code == 201
    assert seats_left(platform, event) == 2
    reconciled(platform, event)


def test_event_service_down_books_nothing(platform: Cluster, people: tuple[User, User]) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=4)
    platform.take_down("event")
    assert book(platform, attendee, event).status_code == 503
    platform.bring_up("event")
    assert platform["booking"].get("/api/bookings/", headers=attendee.headers).json() == []
    assert platform["payment"].get("/api/payments/", headers=attendee.headers).json() == []
    reconciled(platform, event)


@pytest.mark.parametrize(
    ("when", "outcome"),
    [
        ("before", "payment_failed"),  # died between reserving and charging
        ("after", "confirmed"),  # charged, then died before confirming
    ],
)
def test_a_crash_mid_booking_is_reconciled(start_platform: Any, when: str, outcome: str) -> None:
    # A short reconciliation delay: a booking pending for 0.5 s has lost its request.
    platform: Cluster = start_platform(SERVICES, booking={"reconcile_after_seconds": 0.5})
    organizer, attendee = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, capacity=5)
    platform.network.crash_caller("payment", "POST", "/internal/payments/charges", when)
    with pytest.raises(Crash):
        book(platform, attendee, event, seats=2)
    pending = platform["booking"].get("/api/bookings/", headers=attendee.headers).json()
    assert [b["status"] for b in pending] == ["pending"]
    assert seats_left(platform, event) == 3  # held by the dead request

    def settled() -> bool:
        mine = platform["booking"].get("/api/bookings/", headers=attendee.headers).json()
        return mine[0]["status"] != "pending"

    wait_for(settled)
    mine = platform["booking"].get("/api/bookings/", headers=attendee.headers).json()
    assert mine[0]["status"] == outcome
    assert seats_left(platform, event) == (3 if outcome == "confirmed" else 5)
    wait_for(lambda: all(b.settled for b in reconciled_or_none(platform, event)))
    ledger = reconciled(platform, event)
    assert len(ledger.bookings) == 1


def reconciled_or_none(platform: Cluster, event: dict[str, Any]) -> list[Any]:
    ledger = platform.call(read_ledger, platform, event["id"])
    return list(ledger.bookings.values())


def test_an_event_cancellation_cancels_and_refunds_its_bookings(
    platform: Cluster, people: tuple[User, User]
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=6)
    other = create_event(platform["event"], organizer, capacity=6)
    first = book(platform, attendee, event, seats=2).json()
    second = book(platform, signed_in(platform["auth"]), event, seats=1).json()
    kept = book(platform, attendee, other, seats=1).json()
    count = platform.call(platform["booking"].service.cancel_event, event["id"])
    assert count == 2
    for booking in (first, second):
        ledger = reconciled(platform, event)
        assert ledger.bookings[booking["id"]].status == "cancelled"
        assert ledger.payments[booking["id"]].status == "refunded"
    assert reconciled(platform, other).bookings[kept["id"]].status == "confirmed"
    assert platform.call(platform["booking"].service.cancel_event, event["id"]) == 0


# -- a reservation that reaches the event service after the booking side gave up on it --------


@pytest.mark.parametrize("caller_sees", ["timeout", "5xx"])
def test_a_reservation_arriving_after_the_request_gave_up_holds_nothing(
    platform: Cluster, people: tuple[User, User], caller_sees: str
) -> None:
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=4)
    platform.network.deliver_late("event", "POST", "/reservations", caller_sees)
    gave_up = book(platform, attendee, event, seats=2)
    assert gave_up.status_code == 503  # released (voided) and forgotten on the booking side
    assert platform["booking"].get("/api/bookings/", headers=attendee.headers).json() == []

    [late] = platform.call(platform.network.deliver_held)  # the reservation arrives now
    assert late.status_code == 410, late.text
    assert late.json()["code"] == "reservation_released"
    assert seats_left(platform, event) == 4
    ledger = reconciled(platform, event)
    assert ledger.bookings == {} and ledger.holds == {}
    assert book(platform, attendee, event, seats=2).status_code == 201  # a retry books
    assert seats_left(platform, event) == 2
    reconciled(platform, event)


@pytest.mark.parametrize("settled_by", ["reconciler", "event cancellation"])
def test_a_reservation_arriving_after_the_booking_was_settled_holds_nothing(
    start_platform: Any, settled_by: str
) -> None:
    # Only the settler under test resolves the pending booking.
    after = 0.5 if settled_by == "reconciler" else 3600
    platform: Cluster = start_platform(SERVICES, booking={"reconcile_after_seconds": after})
    organizer, attendee = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, capacity=4)
    # The request dies while its reservation is still on the way to the event service.
    platform.network.deliver_late("event", "POST", "/reservations", "crash")
    with pytest.raises(Crash):
        book(platform, attendee, event, seats=2)
    expected = "payment_failed"
    if settled_by == "event cancellation":
        platform.call(platform["booking"].service.cancel_event, event["id"])
        expected = "cancelled"

    def settled() -> bool:
        mine = platform["booking"].get("/api/bookings/", headers=attendee.headers).json()
        return [b["status"] for b in mine] == [expected]

    wait_for(settled)
    [late] = platform.call(platform.network.deliver_held)
    assert late.status_code == 410, late.text
    assert late.json()["code"] == "reservation_released"
    assert seats_left(platform, event) == 4
    wait_for(lambda: all(b.settled for b in reconciled_or_none(platform, event)))
    ledger = reconciled(platform, event)
    [booking] = ledger.bookings.values()
    assert booking.status == expected
    assert ledger.payments[booking.id].status == "voided"  # no late charge can take money
    assert ledger.holds == {}


def test_a_replay_after_a_voided_reservation_starts_again(
    platform: Cluster, people: tuple[User, User]
) -> None:
    """The request voided its reservation and died before forgetting the booking: a replay
    with the same Idempotency-Key finds the reservation refused, drops the pending booking and
    says so; the next replay books afresh."""
    organizer, attendee = people
    event = create_event(platform["event"], organizer, capacity=4)
    platform.network.deliver_late("event", "POST", "/reservations", "timeout")
    platform.network.crash_caller("event", "DELETE", "/reservations/", "after")
    with pytest.raises(Crash):
        book(platform, attendee, event, seats=2, key="order-7")
    pending = platform["booking"].get("/api/bookings/", headers=attendee.headers).json()
    assert [b["status"] for b in pending] == ["pending"]

    replay = book(platform, attendee, event, seats=2, key="order-7")
    assert replay.status_code == 409
    assert "book again" in replay.json()["detail"]
    assert platform["booking"].get("/api/bookings/", headers=attendee.headers).json() == []
    [late] = platform.call(platform.network.deliver_held)
    assert late.status_code == 410
    assert seats_left(platform, event) == 4
    reconciled(platform, event)

    again = book(platform, attendee, event, seats=2, key="order-7")
    assert again.status_code == 201
    assert again.json()["id"] != pending[0]["id"]
    assert seats_left(platform, event) == 2
    ledger = reconciled(platform, event)
    assert ledger.payments[pending[0]["id"]].status == "voided"
