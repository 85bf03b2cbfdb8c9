"""Notification service settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from eventctl.platform import Platform
from services.kit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service_name: ClassVar[str] = "notification"

    mail_from_domain: str | None = Field(
        default=None,
        description="the SES-verified domain mail is sent from (no-reply@<domain>); default: "
        "the environment's DNS zone",
    )
    mail_from_name: str = Field(default="Event Planner", description="the sender's display name")

    def resolved_database_url(self, platform: Platform) -> str:
        """DATABASE_URL, or `notifications.sqlite3` under DATA_DIR.

        The model gives this service no RDS database of its own (the seed draws four), so
        outside the local environment DATABASE_URL must name one.
        """
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite+aiosqlite:///{self.data_dir / 'notifications'}.sqlite3"

    def sender(self, platform: Platform) -> str:
        domain = self.mail_from_domain or self.names(platform).zone
        return f"{self.mail_from_name} <no-reply@{domain}>"
