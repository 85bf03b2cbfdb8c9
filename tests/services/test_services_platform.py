"""The five services together in one process, messaging through a real moto server: the whole
flow a user sees, and faults in the middle of it. Every scenario ends with the seats, bookings
and payments agreeing exactly (tests/helpers/ledger.py)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.helpers.broker import Broker
from tests.helpers.cluster import Cluster
from tests.helpers.service_flows import (
    DECLINED_CARD,
    book,
    create_event,
    emails_to,
    has_kinds,
    kinds,
    reconciled,
    seats_left,
    wait_for,
)
from tests.helpers.services import User, login, queue_url, register, signed_in


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
    assert book(platform, guest, event).status_code == 201
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
    ledger = reconciled(platform, event)  # the duplicates changed no seat, booking or payment
    assert [b.status for b in ledger.bookings.values()] == ["confirmed"]
    assert seats_left(platform, event) == 4


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


# -- the booking service's own consumer: event-updated, through SQS ---------------------------

BOOKING_SIDE = ("auth", "event", "payment", "booking")
# The reconciler also settles cancelled bookings (idempotently): kept out of the way here, so
# every refund call counted is the consumer's.
NO_RECONCILER = {"reconcile_interval_seconds": 3600}


def _outbox_count(platform: Cluster, service: str, destination: str) -> int:
    return len(platform.call(_sent_bodies, platform[service], destination))


def _refund_calls(platform: Cluster) -> Counter[str]:
    return Counter(
        path.split("/")[-2]
        for name, method, path in platform.network.calls
        if (name, method) == ("payment", "POST") and path.endswith("/refund")
    )


def test_a_duplicated_event_cancellation_cancels_and_refunds_once(
    start_platform: Any, aws: Any
) -> None:
    platform: Cluster = start_platform(BOOKING_SIDE, booking=NO_RECONCILER)
    organizer = signed_in(platform["auth"], "organizer")
    guests = [signed_in(platform["auth"]) for _ in range(2)]
    event = create_event(platform["event"], organizer, title="Twice Cancelled", capacity=6)
    booked = [book(platform, guest, event, seats=2).json()["id"] for guest in guests]
    consumer = platform["booking"].kit.consumers["event-updated"]

    # The organizer cancels: event-updated travels through SQS to the booking service.
    platform["event"].delete(f"/api/events/{event['id']}", headers=organizer.headers)
    wait_for(lambda: consumer.handled == 1)
    ledger = reconciled(platform, event)
    assert sorted(b.id for b in ledger.by_status("cancelled")) == sorted(booked)
    [announced] = [
        json.loads(body) for body in platform.call(_sent_bodies, platform["event"], "event-updated")
    ]
    assert announced["data"]["change"] == "cancelled"
    assert _refund_calls(platform) == {booking_id: 1 for booking_id in booked}

    # Delivered again: twice as published (a relay crash before marking it sent, an SQS
    # redelivery), and once more under a new message id (a second announcement of the fact).
    sqs, url = aws.client("sqs"), queue_url(aws, "event-updated")
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(announced))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({**announced, "id": "announced-again"}))
    wait_for(lambda: consumer.handled == 2 and _drained(aws, "event-updated"))

    assert _refund_calls(platform) == {booking_id: 1 for booking_id in booked}  # no more
    assert _outbox_count(platform, "booking", "booking-cancelled") == 2  # one per booking
    assert _outbox_count(platform, "booking", "notification-trigger") == 2
    refunds = [
        json.loads(body)["data"]
        for body in platform.call(_sent_bodies, platform["payment"], "payment-processed")
    ]
    assert Counter(r["booking_id"] for r in refunds if r["status"] == "refunded") == {
        booking_id: 1 for booking_id in booked
    }
    ledger = reconciled(platform, event)
    assert all(ledger.payments[booking_id].status == "refunded" for booking_id in booked)
    assert ledger.seats_available == 6


def test_poison_event_updates_reach_the_dead_letter_queue_and_others_are_served(
    start_platform: Any, aws: Any
) -> None:
    platform: Cluster = start_platform(BOOKING_SIDE, booking=NO_RECONCILER)
    organizer, guest = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, title="Served Anyway", capacity=4)
    booking = book(platform, guest, event, seats=1).json()
    consumer = platform["booking"].kit.consumers["event-updated"]

    sqs, url = aws.client("sqs"), queue_url(aws, "event-updated")
    not_json = "{this is not JSON"
    no_event = json.dumps(
        {"id": "cancelled-without-event", "type": "event-updated", "data": {"change": "cancelled"}}
    )
    for body in (not_json, no_event):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    # A real cancellation meanwhile is served while the poison keeps failing...
    platform["event"].delete(f"/api/events/{event['id']}", headers=organizer.headers)
    wait_for(lambda: consumer.handled == 1)
    ledger = reconciled(platform, event)
    assert ledger.bookings[booking["id"]].status == "cancelled"
    assert ledger.payments[booking["id"]].status == "refunded"
    # ...and after the redrive limit, the poison is in the dead-letter queue, the queue is
    # empty, and nothing else happened to the booking.
    dead: list[str] = []
    dead_url = queue_url(aws, "event-updated", dead_letter=True)

    def collect() -> bool:
        response = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10)
        dead.extend(m["Body"] for m in response.get("Messages", []))
        return len(dead) >= 2

    wait_for(collect, timeout=30)
    assert sorted(dead) == sorted([not_json, no_event])
    wait_for(lambda: _drained(aws, "event-updated"))
    assert consumer.handled == 1
    assert _refund_calls(platform) == {booking["id"]: 1}
    reconciled(platform, event)


def test_a_broker_outage_during_bookings_only_delays_messages(
    start_platform: Any, broker: Broker
) -> None:
    from tests.helpers.messaging import provision_messaging

    broker.start(provision_messaging)
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

    broker.start(provision_messaging)  # back, with its queues and topics
    wait_for(lambda: platform.call(relay.pending) == 0, timeout=30)
    wait_for(lambda: has_kinds(platform, guest, booking_confirmed=1), timeout=30)
    wait_for(lambda: platform.call(platform["payment"].kit.relay.pending) == 0, timeout=30)
    wait_for(lambda: has_kinds(platform, guest, payment_receipt=1), timeout=30)
    assert kinds(platform, guest) == {"welcome": 1, "booking_confirmed": 1, "payment_receipt": 1}
    reconciled(platform, event)
