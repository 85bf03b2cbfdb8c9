"""Request and response bodies of the event API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

from services.kit.validation import label

Status = Literal["published", "cancelled"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
Capacity = Annotated[int, Field(ge=1, le=100_000)]
Price = Annotated[int, Field(ge=0, le=100_000_000)]
ReferenceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventIn(Strict):
    title: Title
    description: Description = ""
    venue: Title
    starts_at: AwareDatetime = Field(description="must be in the future")
    ends_at: AwareDatetime = Field(description="must be after starts_at")
    capacity: Capacity
    price_cents: Price
    currency: Currency

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: dt.datetime, info: ValidationInfo) -> dt.datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("the end time must be after the start time")
        return ends_at


class EventPatch(Strict):
    title: Title | None = None
    description: Description | None = None
    venue: Title | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    capacity: Capacity | None = None
    price_cents: Price | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _something(self) -> EventPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{label(name)} cannot be removed")
        return self


class EventOut(BaseModel):
    id: str
    title: str
    description: str
    venue: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    seats_available: int
    price_cents: int
    currency: str
    organizer_id: str
    organizer_name: str = Field(description="the organizer's display name (never an email)")
    status: Status
    created_at: dt.datetime
    updated_at: dt.datetime

    @computed_field(description="capacity - seats_available")  # type: ignore[prop-decorator]
    @property
    def seats_sold(self) -> int:
        return self.capacity - self.seats_available


class EventPage(BaseModel):
    items: list[EventOut]
    total: int = Field(description="events matching the query, over all pages")
    next_cursor: str | None = Field(
        description="pass as ?cursor= (with the same q/from/to/limit) for the next page; "
        "null at the end"
    )


class OrganizerEventOut(EventOut):
    revenue_cents: int = Field(
        description="the seats held on it, each at the price it was booked at (a cancelled "
        "or declined booking gives its seats back and leaves the revenue)"
    )


class OrganizerEventPage(BaseModel):
    items: list[OrganizerEventOut]
    total: int = Field(description="the organizer's events matching the query")
    limit: int
    offset: int


class OrganizerEventQuery(Strict):
    status: Status | None = Field(default=None, description="only events in this status")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=100_000)


class EventQuery(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    q: str | None = Field(
        default=None,
        max_length=200,
        description="text in the title, venue or description (case-insensitive)",
    )
    from_: AwareDatetime | None = Field(
        default=None, alias="from", description="events starting at or after (default: now)"
    )
    to: AwareDatetime | None = Field(default=None, description="events starting before")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


class ReservationIn(Strict):
    reservation_id: ReferenceId = Field(
        description="the caller's id for this hold (e.g. the booking id): repeating it is safe"
    )
    seats: int = Field(ge=1, le=100_000)


class ReservationOut(BaseModel):
    reservation_id: str
    event_id: str
    seats: int = Field(description="seats held or once held (0 for a voided id)")
    status: Literal["held", "released", "voided"] = Field(
        description="voided: released before any reservation with this id arrived; a "
        "reservation arriving later with it is refused (410, code reservation_released)"
    )
    seats_available: int = Field(description="seats left on the event after this operation")
    price_cents: int = Field(description="the event's current price per seat")
    currency: str
    event_title: str
    starts_at: dt.datetime
