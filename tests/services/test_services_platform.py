"""The five services together in one process, messaging through a real moto server: the whole
flow a user sees, and faults in the middle of it. Every scenario ends with the seats, bookings
and payments agreeing exactly (tests/services/ledger.py)."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import pytest

from tests.services.cluster import Cluster
from tests.services.conftest import User, login, queue_url, register, sent_emails, signed_in
from tests.services.ledger import assert_reconciled, read_ledger
from tests.services.test_services_booking import DECLINED_CARD, book, seats_left
from tests.services.test_services_event import create_event
from tests.services.test_services_outbox import Broker


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


def test_register_book_pay_notify_cancel_refund(start_platform: Any, aws: Any) -> None:
    platform: Cluster = start_platform()
    auth = platform["auth"]
    account = register(auth)
    tokens = login(auth, account["email"], account["password"])
    attendee = User(
        account["id"], account["email"], account["password"], tokens["access_token"], ""
    )
    organizer = signed_in(auth, "organizer")
    event = create_event(
        platform["event"], organizer, title="Accra Jazz Night", capacity=20, price_cents=4500
    )

    booked = book(platform, attendee, event, seats=2)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert (booking["status"], booking["amount_cents"]) == ("confirmed", 9000)
    assert seats_left(platform, event) == 18
    wait_for(
        lambda: has_kinds(platform, attendee, welcome=1, booking_confirmed=1, payment_receipt=1)
    )

    cancelled = platform["booking"].delete(
        f"/api/bookings/{booking['id']}", headers=attendee.headers
    )
    assert cancelled.json()["status"] == "cancelled"
    payment = (
        platform["payment"]
        .get(f"/api/payments/{booking['payment_id']}", headers=attendee.headers)
        .json()
    )
    assert payment["status"] == "refunded"
    assert seats_left(platform, event) == 20
    wait_for(lambda: has_kinds(platform, attendee, booking_cancelled=1, payment_receipt=2))
    assert kinds(platform, attendee) == {
        "welcome": 1,
        "booking_confirmed": 1,
        "payment_receipt": 2,
        "booking_cancelled": 1,
    }
    assert emails_to(aws, attendee) == [
        "Receipt for your payment of GHS 90.00",
        "Refund of GHS 90.00",
        "Welcome to Event Planner, Ada Lovelace",
        "Your booking for Accra Jazz Night is cancelled",
        "Your booking for Accra Jazz Night is confirmed",
    ]
    reconciled(platform, event)


def test_an_event_cancelled_by_its_organizer_refunds_everyone(
    start_platform: Any, aws: Any
) -> None:
    platform: Cluster = start_platform()
    organizer = signed_in(platform["auth"], "organizer")
    guests = [signed_in(platform["auth"]) for _ in range(3)]
    event = create_event(platform["event"], organizer, title="Harmattan Fest", capacity=10)
    bookings = [book(platform, guest, event, seats=2).json() for guest in guests]
    declined = book(platform, guests[0], event, card=DECLINED_CARD)
    assert declined.status_code == 402
    assert seats_left(platform, event) == 4

    platform["event"].delete(f"/api/events/{event['id']}", headers=organizer.headers)
    # event-updated (queue) -> booking cancels and refunds -> notification-trigger (topic)
    # -> email-notifications (queue) -> the event_cancelled email.
    for guest in guests:
        wait_for(lambda guest=guest: has_kinds(platform, guest, event_cancelled=1))
    ledger = reconciled(platform, event)
    assert {b["id"] for b in bookings} == {b.id for b in ledger.by_status("cancelled")}
    assert all(ledger.payments[b["id"]].status == "refunded" for b in bookings)
    for guest in guests:  # one email about the cancellation, not two
        wait_for(lambda guest=guest: has_kinds(platform, guest, payment_receipt=2))
        assert kinds(platform, guest)["booking_cancelled"] == 0
        assert "Harmattan Fest is cancelled" in emails_to(aws, guest)
    assert book(platform, guests[1], event).status_code == 404


def test_a_duplicated_message_sends_one_email(start_platform: Any, aws: Any) -> None:
    platform: Cluster = start_platform()
    organizer, guest = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, title="Duplicates", capacity=5)
    book(platform, guest, event)
    wait_for(lambda: has_kinds(platform, guest, booking_confirmed=1))
    # The relay published it again (as after a crash between publishing and marking it sent).
    confirmed = [
        json.loads(body)
        for body in platform.call(_sent_bodies, platform["booking"], "booking-created")
    ]
    assert len(confirmed) == 1
    sqs = aws.client("sqs")
    for _ in range(2):
        sqs.send_message(
            QueueUrl=queue_url(aws, "booking-created"), MessageBody=json.dumps(confirmed[0])
        )
    consumer = platform["notification"].kit.consumers["booking-created"]
    wait_for(lambda: _drained(aws, "booking-created"))
    assert consumer.handled == 1
    assert kinds(platform, guest)["booking_confirmed"] == 1
    assert emails_to(aws, guest).count("Your booking for Duplicates is confirmed") == 1


async def _sent_bodies(client: Any, destination: str) -> list[str]:
    import sqlalchemy as sa

    from services.kit.outbox import outbox

    async with client.kit.db.read() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.body).where(outbox.c.destination == destination)
        )
        return [row.body for row in rows]


def _drained(aws: Any, queue: str) -> bool:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(aws, queue),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(int(value) == 0 for value in attributes.values())


@pytest.fixture
def broker(aws: Any) -> Any:  # `aws` sets the credentials variables
    server = Broker()
    try:
        yield server
    finally:
        server.stop()


def test_a_broker_outage_during_bookings_only_delays_messages(
    start_platform: Any, broker: Broker
) -> None:
    from tests.services.conftest import provision_messaging

    broker.start()
    provision_messaging(broker)
    endpoint = {"aws_endpoint_url": broker.endpoint_url}
    platform: Cluster = start_platform(
        auth=endpoint, event=endpoint, payment=endpoint, booking=endpoint, notification=endpoint
    )
    organizer, guest = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, title="Offline", capacity=5)
    wait_for(lambda: has_kinds(platform, guest, welcome=1))

    broker.stop()
    booked = book(platform, guest, event, seats=2)  # succeeds while the broker is down
    assert booked.status_code == 201
    relay = platform["booking"].kit.relay
    assert platform.call(relay.pending) == 2  # booking-created and booking-confirmed wait

    broker.start()  # back, empty: the infrastructure is recreated as Terraform would
    provision_messaging(broker)
    wait_for(lambda: platform.call(relay.pending) == 0, timeout=30)
    wait_for(lambda: has_kinds(platform, guest, booking_confirmed=1), timeout=30)
    wait_for(lambda: platform.call(platform["payment"].kit.relay.pending) == 0, timeout=30)
    wait_for(lambda: has_kinds(platform, guest, payment_receipt=1), timeout=30)
    assert kinds(platform, guest) == {"welcome": 1, "booking_confirmed": 1, "payment_receipt": 1}
    reconciled(platform, event)
