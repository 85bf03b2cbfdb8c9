"""Request and response bodies of the payment API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, RootModel, StringConstraints

from services.kit.cards import CardNumber

PublicStatus = Literal["succeeded", "declined", "refunded"]
# `voided`: the key was closed without a charge (a booking settled before it could pay), so a
# late charge with that key cannot take money. Internal only: it is not a payment.
Status = Literal["succeeded", "declined", "refunded", "voided"]
Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChargeIn(Strict):
    idempotency_key: Key = Field(description="the caller's id for this charge (the booking id)")
    booking_id: Key
    user_id: Key
    user_email: EmailStr = Field(max_length=254, description="where the receipt goes")
    amount_cents: int = Field(ge=0, le=100_000_000_000)
    currency: Currency
    card_number: CardNumber


class PaymentOut(BaseModel):
    """A payment as its owner sees it."""

    id: str
    booking_id: str
    amount_cents: int
    currency: str
    status: PublicStatus
    card_last4: str
    created_at: dt.datetime


class PaymentList(RootModel[list[PaymentOut]]):
    """The caller's payments, newest first."""


class ChargeOut(BaseModel):
    """The state of an idempotency key, as the internal API reports it."""

    id: str
    idempotency_key: str
    booking_id: str | None
    user_id: str | None
    amount_cents: int | None
    currency: str | None
    status: Status
    decline_reason: str | None = Field(description="why a charge was declined")
    card_last4: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    refunded_at: dt.datetime | None


class PaymentQuery(Strict):
    limit: int = Field(default=50, ge=1, le=200, description="newest first")
