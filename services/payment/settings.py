"""Payment service settings."""

from __future__ import annotations

from typing import ClassVar

from services.kit.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    service_name: ClassVar[str] = "payment"
