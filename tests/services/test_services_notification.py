"""The notification service: SQS consumers, SES emails, idempotency, the dead-letter queue."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from services.kit.consumer import Message
from services.notification.emails import EMAILS, Templates
from tests.helpers.cluster import Cluster
from tests.helpers.service_flows import wait_for
from tests.helpers.services import queue_url, sent_emails, signed_in


def envelope(kind: str, data: dict[str, Any], message_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": message_id or str(uuid.uuid4()),
            "type": kind,
            "source": "test",
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "data": data,
        }
    )


def notifications_of(platform: Cluster, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = platform["notification"].get("/api/notifications/", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.fixture
def platform(start_platform: Any) -> Cluster:
    cluster: Cluster = start_platform(("auth", "notification"))
    return cluster


def test_a_new_account_gets_a_welcome_email(platform: Cluster, aws: Any) -> None:
    user = signed_in(platform["auth"])
    found = wait_for(lambda: notifications_of(platform, user.headers))
    assert [(n["kind"], n["channel"]) for n in found] == [("welcome", "email")]
    assert found[0]["subject"] == "Welcome to Event Planner, Ada Lovelace"
    emails = [e for e in sent_emails(aws) if e["to"] == [user.email]]
    assert len(emails) == 1
    assert "Your account is ready" in emails[0]["body"]
    other = signed_in(platform["auth"])
    mine = wait_for(lambda: notifications_of(platform, other.headers))
    assert [n["id"] for n in mine] != [n["id"] for n in found]  # each sees only their own
    assert platform["notification"].get("/api/notifications/").status_code == 401


def test_a_message_delivered_twice_sends_one_email(platform: Cluster, aws: Any) -> None:
    sqs = aws.client("sqs")
    url = queue_url(aws, "user-registration")
    user_id, email = str(uuid.uuid4()), "twice@example.org"
    body = envelope("user-registration", {"user_id": user_id, "email": email, "name": "Twice"})
    for _ in range(3):  # as SQS redelivery or a repeated outbox publish would
        sqs.send_message(QueueUrl=url, MessageBody=body)
    consumer = platform["notification"].kit.consumers["user-registration"]
    wait_for(lambda: _queue_empty(aws, "user-registration"))
    assert [e["to"] for e in sent_emails(aws)] == [[email]]
    assert consumer.handled == 1


def _queue_empty(aws: Any, queue: str, *, dead_letter: bool = False) -> bool:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(aws, queue, dead_letter=dead_letter),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(int(value) == 0 for value in attributes.values())


def _dead_letters(aws: Any, queue: str) -> list[str]:
    response = aws.client("sqs").receive_message(
        QueueUrl=queue_url(aws, queue, dead_letter=True), MaxNumberOfMessages=10
    )
    return [m["Body"] for m in response.get("Messages", [])]


def test_poison_messages_reach_the_dead_letter_queue(platform: Cluster, aws: Any) -> None:
    sqs = aws.client("sqs")
    url = queue_url(aws, "user-registration")
    sqs.send_message(QueueUrl=url, MessageBody="this is not JSON")
    invalid = envelope("user-registration", {"user_id": "u-1", "email": "not-an-address"})
    sqs.send_message(QueueUrl=url, MessageBody=invalid)
    good = envelope(
        "user-registration", {"user_id": "u-2", "email": "ok@example.org", "name": "Ok"}
    )
    sqs.send_message(QueueUrl=url, MessageBody=good)
    # The good one is served while the bad ones keep failing...
    wait_for(lambda: [e for e in sent_emails(aws) if e["to"] == ["ok@example.org"]])
    # ...and after maxReceiveCount receives, the bad ones are in the dead-letter queue.
    dead: list[str] = []
    wait_for(lambda: dead.extend(_dead_letters(aws, "user-registration")) or len(dead) >= 2, 30)
    assert sorted(dead) == sorted(["this is not JSON", invalid])
    assert [e["to"] for e in sent_emails(aws)] == [["ok@example.org"]]
    wait_for(lambda: _queue_empty(aws, "user-registration"))


def test_every_consumed_queue_has_a_handler_and_template() -> None:
    from platform_model import build_platform

    platform = build_platform()
    assert set(EMAILS) == set(platform.service("notification").consumes)
    templates = Templates()
    samples = {
        "user-registration": {"user_id": "u", "email": "a@example.org", "name": "<b>Ada</b>"},
        "booking-created": _booking(),
        "booking-cancelled": _booking(reason="user"),
        "payment-processed": {
            "payment_id": "p-1",
            "booking_id": "b-1",
            "user_id": "u",
            "email": "a@example.org",
            "amount_cents": 123456,
            "currency": "GHS",
            "status": "refunded",
            "card_last4": "4242",
            "card_brand": "visa",
        },
        "email-notifications": {"kind": "event_cancelled", **_booking()},
    }
    rendered = {}
    for queue, data in samples.items():
        email = EMAILS[queue](Message(id="m", queue=queue, data=data))
        assert email is not None
        rendered[queue] = templates.render(email)
        assert rendered[queue].subject and "\n" not in rendered[queue].subject
        assert rendered[queue].text.strip() and "<html" in rendered[queue].html
    assert "&lt;b&gt;Ada&lt;/b&gt;" in rendered["user-registration"].html  # escaped in HTML
    assert rendered["payment-processed"].subject == "Refund of GHS 1,234.56"
    assert rendered["email-notifications"].subject == "PyCon Accra is cancelled"
    assert "Sat 04 May 2030" not in rendered["booking-created"].text
    assert "Wed 01 May 2030, 09:00 UTC" in rendered["booking-created"].text


def _booking(**extra: Any) -> dict[str, Any]:
    return {
        "booking_id": "b-1",
        "user_id": "u",
        "email": "a@example.org",
        "event_title": "PyCon Accra",
        "starts_at": "2030-05-01T09:00:00+00:00",
        "seats": 2,
        "amount_cents": 5000,
        "currency": "GHS",
        **extra,
    }


def test_no_email_when_nothing_happened_to_money_or_an_event_email_covers_it() -> None:
    declined = {"payment_id": "p", "status": "declined", "user_id": "u", "email": "a@example.org"}
    assert EMAILS["payment-processed"](Message("m", "payment-processed", declined)) is None
    covered = _booking(reason="event_cancelled")
    assert EMAILS["booking-cancelled"](Message("m", "booking-cancelled", covered)) is None


def _add_notification(platform: Cluster, user_id: str, subject: str, sent_at: dt.datetime) -> None:
    from services.notification.tables import notifications

    async def insert() -> None:
        async with platform["notification"].service.db.write() as conn:
            await conn.execute(
                notifications.insert().values(
                    id=str(uuid.uuid4()),
                    message_id=str(uuid.uuid4()),
                    user_id=user_id,
                    kind="booking_confirmed",
                    channel="email",
                    recipient="someone@example.org",
                    subject=subject,
                    sent_at=sent_at,
                )
            )

    platform.call(insert)


def test_notifications_are_read_one_by_one_or_all_at_once(platform: Cluster) -> None:
    api = platform["notification"]
    user, other = signed_in(platform["auth"]), signed_in(platform["auth"])
    wait_for(lambda: notifications_of(platform, user.headers))  # the welcome email
    now = dt.datetime.now(dt.UTC)
    _add_notification(platform, user.id, "Older", now - dt.timedelta(days=30))
    _add_notification(platform, user.id, "Newest", now + dt.timedelta(seconds=1))

    def unread(headers: dict[str, str]) -> int:
        count: int = api.get("/api/notifications/unread-count", headers=headers).json()["unread"]
        return count

    listed = notifications_of(platform, user.headers)
    assert [n["subject"] for n in listed][::2] == ["Newest", "Older"]  # newest first
    assert all(n["read_at"] is None for n in listed) and unread(user.headers) == 3
    newest = listed[0]["id"]
    read = api.post(f"/api/notifications/{newest}/read", headers=user.headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = api.post(f"/api/notifications/{newest}/read", headers=user.headers)
    assert again.json()["read_at"] == read.json()["read_at"]  # the first read time stays
    assert unread(user.headers) == 2
    only_unread = api.get("/api/notifications/", params={"unread": "true"}, headers=user.headers)
    assert newest not in [n["id"] for n in only_unread.json()] and len(only_unread.json()) == 2
    assert api.post(f"/api/notifications/{newest}/read", headers=other.headers).status_code == 404
    everything = api.post("/api/notifications/read", headers=user.headers)
    assert everything.json() == {"unread": 0} and unread(user.headers) == 0
    wait_for(lambda: notifications_of(platform, other.headers))
    assert unread(other.headers) == 1  # another user's stay unread
    assert api.get("/api/notifications/unread-count").status_code == 401
