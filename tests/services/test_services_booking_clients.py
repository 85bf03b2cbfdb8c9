"""The booking service's typed clients of the event and payment services: built from the
routes those services declare, answering with their schemas or domain errors."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from services.booking.clients import EventsClient, PaymentsClient
from services.event.app import INTERNAL_ROUTES
from services.event.schema import EventOut, ReservationOut
from services.kit.errors import Conflict, NotFound
from services.kit.internal import Endpoint
from services.payment.schema import ChargeIn, ChargeOut
from tests.helpers.cluster import Cluster
from tests.helpers.service_flows import GOOD_CARD, create_event
from tests.services.conftest import signed_in

SERVICE = Path(__file__).resolve().parents[2] / "services" / "booking" / "service.py"


def test_an_endpoint_must_be_declared_with_the_model_it_answers() -> None:
    prefix = "/internal/events"
    found = Endpoint.of(INTERNAL_ROUTES, prefix, "POST", "/{event_id}/reservations", ReservationOut)
    assert found.url(event_id="e 1") == "/internal/events/e%201/reservations"
    with pytest.raises(ValueError, match="no route"):
        Endpoint.of(INTERNAL_ROUTES, prefix, "PUT", "/{event_id}/reservations", ReservationOut)
    with pytest.raises(ValueError, match="does not answer EventOut"):
        Endpoint.of(INTERNAL_ROUTES, prefix, "POST", "/{event_id}/reservations", EventOut)


def test_the_booking_service_knows_no_http() -> None:
    """Statuses and internal paths live in the clients; service.py speaks their models."""
    source = SERVICE.read_text()
    tree = ast.parse(source)
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "services.kit.calls" not in imported and "httpx" not in imported
    for needle in ("/internal/", "status_code", ".call("):
        assert needle not in source, needle


@pytest.fixture
def platform(start_platform: Any) -> Cluster:
    cluster: Cluster = start_platform(("auth", "event", "payment", "booking"))
    return cluster


def test_the_clients_answer_with_the_other_services_schemas(platform: Cluster) -> None:
    organizer, attendee = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, capacity=3, price_cents=700)
    service = platform["booking"].service
    events: EventsClient = service.events
    payments: PaymentsClient = service.payments

    hold = platform.call(events.reserve, event["id"], "hold-1", 2)
    assert isinstance(hold, ReservationOut)
    assert (hold.status, hold.seats_available, hold.price_cents) == ("held", 1, 700)
    with pytest.raises(Conflict) as refused:
        platform.call(events.reserve, event["id"], "hold-2", 2)
    assert refused.value.code == "not_enough_seats"
    with pytest.raises(NotFound):
        platform.call(events.reserve, str(uuid.uuid4()), "hold-3", 1)
    platform.call(events.release, event["id"], "hold-1")
    released = platform.call(events.reservation, event["id"], "hold-1")
    assert released is not None and released.status == "released"
    assert platform.call(events.reservation, event["id"], "never-made") is None
    platform.call(events.release, event["id"], "never-made")  # voided: a tombstone
    assert platform.call(events.reserve, event["id"], "never-made", 1) is None

    def charge(amount: int) -> ChargeIn:
        return ChargeIn.model_construct(
            idempotency_key="key-1",
            booking_id="key-1",
            user_id=attendee.id,
            user_email=attendee.email,
            amount_cents=amount,
            currency="GHS",
            card_number=SecretStr(GOOD_CARD),
        )

    paid = platform.call(payments.charge, charge(1400))
    assert isinstance(paid, ChargeOut) and (paid.status, paid.amount_cents) == ("succeeded", 1400)
    again = platform.call(payments.charge, charge(9999))  # other figures, same key
    assert (again.id, again.amount_cents) == (paid.id, 1400)
    refunded = platform.call(payments.refund, "key-1")
    assert refunded.status == "refunded"
    assert platform.call(payments.void, "unused-key").status == "voided"
