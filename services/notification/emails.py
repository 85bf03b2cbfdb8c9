"""Which email each message asks for, how it reads (Jinja templates), and sending it (SES).

Templates live in `templates/`: `<kind>.txt` (first line: the subject; then the plain-text
body) and `<kind>.html` (the HTML body, autoescaped, extending `base.html`). A template that
uses a value the message lacks fails loudly (StrictUndefined), so the message is retried and
ends in the dead-letter queue instead of sending a half-empty email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.kit.consumer import Message, Poison
from services.notification.schema import (
    BookingFacts,
    Kind,
    PaymentFacts,
    Registered,
    Trigger,
)


@dataclass(frozen=True)
class Email:
    kind: Kind
    user_id: str
    to: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# -- messages -> emails ------------------------------------------------------------------------


def welcome(message: Message) -> Email | None:
    user = Registered.model_validate(message.data)
    return Email("welcome", user.user_id, str(user.email), {"name": user.name})


def booking_confirmed(message: Message) -> Email | None:
    booking = BookingFacts.model_validate(message.data)
    return Email("booking_confirmed", booking.user_id, str(booking.email), booking.model_dump())


def booking_cancelled(message: Message) -> Email | None:
    booking = BookingFacts.model_validate(message.data)
    if booking.reason == "event_cancelled":  # the event_cancelled email says it all
        return None
    return Email("booking_cancelled", booking.user_id, str(booking.email), booking.model_dump())


def payment_receipt(message: Message) -> Email | None:
    payment = PaymentFacts.model_validate(message.data)
    if payment.status not in ("succeeded", "refunded"):  # no money moved: nothing to confirm
        return None
    if payment.user_id is None or payment.email is None:
        raise Poison("payment-processed without user_id/email")
    return Email("payment_receipt", payment.user_id, str(payment.email), payment.model_dump())


def triggered(message: Message) -> Email | None:
    request = Trigger.model_validate(message.data)
    return Email(request.kind, request.user_id, str(request.email), request.model_dump())


EMAILS = {
    "user-registration": welcome,
    "booking-created": booking_confirmed,
    "booking-cancelled": booking_cancelled,
    "payment-processed": payment_receipt,
    "email-notifications": triggered,
}


# -- rendering -----------------------------------------------------------------------------


def money(cents: int | None, currency: str | None) -> str:
    if cents is None:
        return ""
    return f"{currency or ''} {cents // 100:,}.{cents % 100:02d}".strip()


def when(value: dt.datetime | None) -> str:
    if value is None:
        return "(date to be announced)"
    return value.astimezone(dt.UTC).strftime("%a %d %b %Y, %H:%M UTC")


class Templates:
    def __init__(self) -> None:
        import jinja2

        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("services.notification", "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["money"] = money
        self.env.filters["when"] = when

    def render(self, email: Email) -> Rendered:
        context = {**email.context, "to": email.to}
        text = self.env.get_template(f"{email.kind}.txt").render(context)
        subject, _, body = text.partition("\n")
        html = self.env.get_template(f"{email.kind}.html").render(context, subject=subject)
        return Rendered(subject.strip(), body.strip() + "\n", html)


# -- sending -------------------------------------------------------------------------------


class SesMailer:
    """Sends through SES (API v2) from `sender`; returns SES's message id."""

    def __init__(self, ses: Any, sender: str) -> None:
        self.ses = ses
        self.sender = sender

    def send(self, to: str, rendered: Rendered) -> str:
        response = self.ses.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": rendered.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": rendered.text, "Charset": "UTF-8"},
                        "Html": {"Data": rendered.html, "Charset": "UTF-8"},
                    },
                }
            },
        )
        return str(response["MessageId"])


def ses_client(region: str, endpoint_url: str | None) -> Any:
    from botocore.config import Config

    from services.kit.messaging import aws_client

    config = Config(
        connect_timeout=2, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}
    )
    return aws_client("sesv2", region, endpoint_url, config)
