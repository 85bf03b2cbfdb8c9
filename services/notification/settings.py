"""Notification service settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from platform_model import Platform
from services.kit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service_name: ClassVar[str] = "notification"

    mail_from_name: str = Field(default="Event Planner", description="the sender's display name")

    def sender(self, platform: Platform) -> str:
        domain = self.mail_from_domain or self.names(platform).zone
        return f"{self.mail_from_name} <no-reply@{domain}>"
