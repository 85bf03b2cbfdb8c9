"""Booking service settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from services.kit.settings import ServiceSettings


class BookingSettings(ServiceSettings):
    service_name: ClassVar[str] = "booking"

    call_timeout_seconds: float = Field(
        default=5.0, gt=0, le=60, description="deadline of each call to the event/payment service"
    )
    reconcile_after_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a booking still pending after this long (its request died) is settled "
        "from the payment's real state; keep it above the longest request",
    )
    reconcile_interval_seconds: float = Field(
        default=5.0, gt=0, description="how often pending and unsettled bookings are looked for"
    )
    reconcile_batch: int = Field(default=100, ge=1, le=1000, description="bookings per round")
