"""Auth service settings (environment variables; the private key comes from Secrets Manager)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr

from platform_model import Platform
from services.kit.settings import Need, ServiceSettings


class AuthSettings(ServiceSettings):
    service_name: ClassVar[str] = "auth"

    jwt_private_key: SecretStr | None = Field(
        default=None,
        description="PEM RSA private key that signs access tokens; required outside 'local'",
    )
    jwt_previous_public_keys: list[str] = Field(
        default_factory=list,
        description="PEM public keys of retired signing keys, still published during rotation",
    )
    access_token_seconds: int = Field(default=900, ge=60, le=3600, description="access token life")
    refresh_token_seconds: int = Field(
        default=14 * 86400, ge=300, description="idle life of a session (each refresh renews it)"
    )
    login_max_failures: int = Field(default=5, ge=1, description="failed sign-ins before 429")
    login_window_seconds: int = Field(default=900, ge=1, description="window of that count")
    # argon2id cost (RFC 9106 low-memory profile by default).
    argon2_time_cost: int = Field(default=3, ge=1, description="argon2id passes")
    argon2_memory_kib: int = Field(default=65536, ge=8, description="argon2id memory")
    argon2_parallelism: int = Field(default=4, ge=1, description="argon2id lanes")

    @classmethod
    def aws_needs(cls, platform: Platform) -> tuple[Need, ...]:
        needs = super().aws_needs(platform)
        if platform.service(cls.service_name).issues_tokens:
            needs = (*needs, Need.one("jwt_private_key"))
        return needs
