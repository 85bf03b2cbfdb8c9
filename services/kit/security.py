"""Who is calling: a user with a Bearer access token, or a service with its credential."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from pydantic import SecretStr
from starlette.requests import Request

from services.kit.audit import note_audit
from services.kit.errors import Forbidden, Unauthenticated
from services.kit.tokens import Principal, TokenVerifier

SERVICE_TOKEN_HEADER = "x-service-token"


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    return token.strip()


async def require_user(request: Request, *, role: str | None = None) -> Principal:
    """The verified user; 401 without a valid token, 403 when `role` is required and missing."""
    verifier: TokenVerifier = request.app.state.kit.verifier
    principal = await verifier.verify(bearer_token(request))
    note_audit(actor=principal.actor)
    if role is not None and principal.role != role:
        raise Forbidden(f"only an {role} may do this")
    return principal


class ServiceCredentials:
    """The internal callers a service accepts, kept as SHA-256 digests and compared in constant
    time."""

    def __init__(self, tokens: Mapping[str, SecretStr]) -> None:
        self._digests = {
            name: _digest(secret.get_secret_value()) for name, secret in tokens.items()
        }

    def caller(self, presented: str | None) -> str:
        if not presented:
            raise Unauthenticated("missing service credential")
        digest = _digest(presented)
        match = None
        for name, expected in self._digests.items():
            if hmac.compare_digest(digest, expected):
                match = name
        if match is None:
            raise Unauthenticated("invalid service credential")
        return match


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def require_service(request: Request) -> str:
    """The name of the calling service (401 without a valid service credential)."""
    credentials: ServiceCredentials = request.app.state.kit.service_credentials
    caller = credentials.caller(request.headers.get(SERVICE_TOKEN_HEADER))
    note_audit(actor=f"service:{caller}")
    return caller
