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
        description="how long an events page is cached; changes to events invalidate it at once, "
        "seat counts in lists may lag by up to this long (GET /{id} is always exact)",
    )
