"""A free event: booked without a card, never seen by the payment service, e-mailed only
about the booking (no receipt or refund of 0.00); a paid event still needs a card."""

from __future__ import annotations

from typing import Any

from tests.helpers.cluster import Cluster
from tests.helpers.service_flows import (
    create_event,
    emails_to,
    has_kinds,
    kinds,
    reconciled,
    seats_left,
    wait_for,
)
from tests.services.conftest import SERVICE_TOKEN, signed_in


def _charge_of(platform: Cluster, booking_id: str) -> int:
    """The payment service's answer about the booking's payment key (404: never seen)."""
    response = platform["payment"].get(
        f"/internal/payments/charges/{booking_id}", headers={"X-Service-Token": SERVICE_TOKEN}
    )
    return response.status_code


def test_a_free_booking_never_reaches_the_payment_service(start_platform: Any, aws: Any) -> None:
    platform: Cluster = start_platform()
    organizer, attendee = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(
        platform["event"], organizer, title="Open Day", capacity=5, price_cents=0, currency="EUR"
    )
    body = {"event_id": event["id"], "seats": 2}  # no card
    booked = platform["booking"].post("/api/bookings", json=body, headers=attendee.headers)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert (booking["status"], booking["amount_cents"], booking["payment_id"]) == (
        "confirmed",
        0,
        None,
    )
    assert seats_left(platform, event) == 3
    assert _charge_of(platform, booking["id"]) == 404

    cancelled = platform["booking"].delete(
        f"/api/bookings/{booking['id']}", headers=attendee.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["refund"]) == ("cancelled", None)
    assert seats_left(platform, event) == 5
    assert _charge_of(platform, booking["id"]) == 404  # no refund, no void either
    wait_for(
        lambda: has_kinds(platform, attendee, welcome=1, booking_confirmed=1, booking_cancelled=1)
    )
    assert kinds(platform, attendee) == {
        "welcome": 1,
        "booking_confirmed": 1,
        "booking_cancelled": 1,
    }
    subjects = emails_to(aws, attendee)
    assert not [s for s in subjects if "Receipt" in s or "Refund" in s], subjects
    confirmation = next(
        e["body"] for e in _emails(aws, attendee.email) if "confirmed" in e["subject"]
    )
    assert "free" in confirmation and "0.00" not in confirmation
    reconciled(platform, event)


def _emails(aws: Any, to: str) -> list[dict[str, Any]]:
    from tests.services.conftest import sent_emails

    return [e for e in sent_emails(aws) if e["to"] == [to]]


def test_a_paid_event_needs_a_card_and_keeps_no_seats_without_one(start_platform: Any) -> None:
    platform: Cluster = start_platform(("auth", "event", "payment", "booking"))
    organizer, attendee = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, capacity=5, price_cents=1500)
    body = {"event_id": event["id"], "seats": 2}
    refused = platform["booking"].post("/api/bookings", json=body, headers=attendee.headers)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == ("card_required", "card_number")
    assert seats_left(platform, event) == 5
    assert platform["booking"].get("/api/bookings", headers=attendee.headers).json() == []
