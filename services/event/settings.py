"""Event service settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from services.kit.settings import ServiceSettings


class EventSettings(ServiceSettings):
    service_name: ClassVar[str] = "event"

    list_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="how long an events page is cached; any change to an event or its seats "
        "invalidates every cached page at once (GET /{id} is never cached)",
    )
    tombstone_max_age_seconds: float = Field(
        default=86_400.0,
        ge=60,
        description="how long a released-before-arrival reservation id (a tombstone) is kept "
        "to refuse a late reservation with it; older ones are deleted",
    )
    tombstone_prune_interval_seconds: float = Field(
        default=3_600.0, gt=0, description="how often tombstones older than that are deleted"
    )
