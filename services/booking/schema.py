"""Request and response bodies of the booking API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from services.kit.cards import CardNumber

# `pending` lives only while a booking is being paid for (or, after a crash, until it is
# reconciled); every booking ends confirmed, payment_failed or cancelled.
Status = Literal["pending", "confirmed", "payment_failed", "cancelled"]
ReferenceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BookingIn(Strict):
    event_id: ReferenceId
    seats: int = Field(ge=1, le=10)
    card_number: CardNumber | None = Field(
        default=None, description="needed unless the event is free (a free booking is not paid)"
    )


class RefundOut(BaseModel):
    amount_cents: int
    currency: str | None
    status: Literal["pending", "refunded"] = Field(
        description="pending until the payment service has returned the money"
    )


class BookingOut(BaseModel):
    id: str
    event_id: str
    event_title: str | None = Field(
        description="the event's title when booked; null until reserved"
    )
    event_starts_at: dt.datetime | None = Field(
        description="when the event starts (as booked); null until reserved"
    )
    user_id: str
    seats: int
    amount_cents: int | None = Field(description="seats x the event's price; null until reserved")
    currency: str | None
    status: Status
    failure_reason: str | None = Field(description="why the payment failed (payment_failed)")
    cancel_reason: Literal["user", "event_cancelled"] | None = Field(
        description="who cancelled it (cancelled)"
    )
    refund: RefundOut | None = Field(
        description="a cancelled booking's refund; null when nothing was charged"
    )
    payment_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class BookingList(RootModel[list[BookingOut]]):
    """The caller's bookings, newest first."""


class BookingQuery(Strict):
    limit: int = Field(default=50, ge=1, le=200, description="newest first")
    when: Literal["all", "upcoming", "past"] = Field(
        default="all", description="upcoming: the event starts later than now; past: it started"
    )
