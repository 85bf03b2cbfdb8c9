"""The model fields the cost report added: the platform's secrets and per-environment KMS keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from platform_model import build_platform
from platform_model.model import Secret


def test_secrets_follow_the_seed() -> None:
    platform = build_platform()
    names = [secret.name for secret in platform.secrets]
    # one login per PostgreSQL database, the DocumentDB login, the JWT signing key, the Redis
    # AUTH token, and the internal-API credentials of each service that calls or is called
    assert names == [
        *(f"{database.name}-credentials" for database in platform.databases),
        "docdb-credentials",
        "jwt-signing-key",
        "redis-auth-token",
        "event-service-credentials",
        "booking-service-credentials",
        "payment-service-credentials",
    ]


def test_secret_names_are_checked() -> None:
    with pytest.raises(ValidationError):
        Secret(name="Bad Name", purpose="x")
    platform = build_platform()
    twice = platform.model_dump()
    twice["secrets"] = [*twice["secrets"], twice["secrets"][0]]
    with pytest.raises(ValidationError, match="duplicate secret name"):
        type(platform).model_validate(twice)
