"""The notification API's bodies, and the message bodies the service accepts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, RootModel

Kind = Literal[
    "welcome", "booking_confirmed", "booking_cancelled", "payment_receipt", "event_cancelled"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotificationOut(BaseModel):
    id: str
    kind: Kind
    subject: str
    channel: Literal["email"]
    sent_at: dt.datetime
    read_at: dt.datetime | None = Field(description="when the user marked it read; null: unread")


class NotificationList(RootModel[list[NotificationOut]]):
    """The caller's notifications, newest first."""


class NotificationQuery(Strict):
    limit: int = Field(default=50, ge=1, le=200, description="newest first")
    unread: bool = Field(default=False, description="only those not read yet")


class UnreadCount(BaseModel):
    unread: int = Field(description="the caller's notifications not read yet")


# -- message bodies (extra fields are ignored: producers may add to them) --------------------


class Recipient(BaseModel):
    user_id: str = Field(min_length=1, max_length=64)
    email: EmailStr


class Registered(Recipient):
    name: str


class BookingFacts(Recipient):
    booking_id: str
    event_title: str | None = None
    starts_at: dt.datetime | None = None
    seats: int
    amount_cents: int | None = None
    currency: str | None = None
    reason: str | None = None


class PaymentFacts(BaseModel):
    payment_id: str
    booking_id: str | None = None
    user_id: str | None = None
    email: EmailStr | None = None
    amount_cents: int | None = None
    currency: str | None = None
    status: str
    card_last4: str | None = None
    card_brand: str | None = None


class Trigger(BookingFacts):
    """A generic email request (topic notification-trigger -> queue email-notifications)."""

    kind: Literal["event_cancelled"]
