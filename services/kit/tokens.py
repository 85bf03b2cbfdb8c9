"""Access-token verification: RS256 JWTs from the auth service, keys from its JWKS.

Only RS256 is accepted (so `alg: none` and HMAC-with-the-public-key tricks fail), the `kid` must
name a known key, and signature, expiry, issuer and audience are all checked. Keys are cached;
an unknown `kid` triggers a refresh, at most once per `min_refresh_seconds` so forged kids
cannot turn the service into a JWKS-fetching amplifier.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt

from services.kit.errors import Unauthenticated

ALGORITHM = "RS256"
ROLES = ("attendee", "organizer")


@dataclass(frozen=True)
class Principal:
    """The verified caller of a request."""

    user_id: str
    email: str
    role: str

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"


class KeySource(Protocol):
    async def key(self, kid: str) -> Any:
        """The public key called `kid`, or None."""
        ...


class StaticKeys:
    """Keys known in-process (the auth service verifies with its own keys)."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self.keys = keys

    async def key(self, kid: str) -> Any:
        return self.keys.get(kid)


def keys_from_jwks(document: dict[str, Any]) -> dict[str, Any]:
    """{kid: public key} for the RS256 signing keys of a JWKS document."""
    keys: dict[str, Any] = {}
    for entry in document.get("keys", []):
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig" or "kid" not in entry:
            continue
        keys[entry["kid"]] = jwt.PyJWK(entry, algorithm=ALGORITHM).key
    return keys


class JwksKeys:
    """The auth service's JWKS, fetched over HTTP and cached."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        max_age_seconds: float = 3600,
        min_refresh_seconds: float = 10,
    ) -> None:
        self.client = client
        self.url = url
        self.max_age = max_age_seconds
        self.min_refresh = min_refresh_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any:
        age = time.monotonic() - self._fetched_at
        if kid in self._keys and age < self.max_age:
            return self._keys[kid]
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if (kid not in self._keys and age >= self.min_refresh) or age >= self.max_age:
                await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        try:
            response = await self.client.get(self.url, timeout=5)
            response.raise_for_status()
            self._keys = keys_from_jwks(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            # Keep the keys we had: an auth-service blip must not reject every request.
            raise Unauthenticated("cannot verify the token right now") from exc
        finally:
            self._fetched_at = time.monotonic()


class TokenVerifier:
    def __init__(self, keys: KeySource, *, issuer: str, audience: str, leeway: float = 0) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    async def verify(self, token: str) -> Principal:
        """The principal of a valid access token; Unauthenticated for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise Unauthenticated("invalid token")
        key = await self.keys.key(kid)
        if key is None:
            raise Unauthenticated("invalid token")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("invalid token") from None
        role = claims.get("role")
        if role not in ROLES or not isinstance(claims.get("email"), str):
            raise Unauthenticated("invalid token")
        return Principal(user_id=str(claims["sub"]), email=claims["email"], role=role)
