"""Access-token verification: RS256 JWTs from the auth service, keys from its JWKS.

Only RS256 is accepted (so `alg: none` and HMAC-with-the-public-key tricks fail), the `kid` must
name a known key, and signature, expiry, issuer and audience are all checked. Keys are cached;
an unknown `kid` triggers a refresh, at most once per `min_refresh_seconds` so forged kids
cannot turn the service into a JWKS-fetching amplifier.

When the auth service cannot be reached, the keys known from the last successful fetch keep
being used, however old (retried at most once per `min_refresh_seconds` meanwhile): an
auth-service outage must not reject every request. A token whose `kid` is not among them cannot
be judged then, so it gets 503 (try again), not 401 (which tells a client to sign in again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt

from services.kit.errors import Unauthenticated, Unavailable

log = logging.getLogger("services.tokens")

ALGORITHM = "RS256"
ROLES = ("attendee", "organizer")


@dataclass(frozen=True)
class Principal:
    """The verified caller of a request."""

    user_id: str
    email: str
    role: str
    name: str = ""  # the display name the user registered with (empty in older tokens)

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"


class KeySource(Protocol):
    async def key(self, kid: str) -> Any:
        """The public key called `kid`, or None; Unavailable when that cannot be known now."""
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
    """The auth service's JWKS, fetched over HTTP and cached.

    Refreshed when the cached set is older than `max_age_seconds` or a `kid` is unknown, with
    at most one attempt per `min_refresh_seconds` (successful or not). A failed refresh keeps
    the known keys; while the last attempt failed, an unknown `kid` is Unavailable (503).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        max_age_seconds: float = 3600,
        min_refresh_seconds: float = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.url = url
        self.max_age = max_age_seconds
        self.min_refresh = min_refresh_seconds
        self.clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")  # the last successful fetch
        self._attempted_at = float("-inf")  # the last attempt, successful or not
        self._failure: str | None = None  # why the last attempt failed
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any:
        """The public key called `kid`; None when the auth service does not list it;
        Unavailable when it is unknown here and the auth service cannot be asked."""
        known = self._keys.get(kid)
        if known is not None and (not self._due() or self._lock.locked()):
            return known  # fresh, or a refresh is not allowed yet, or one is under way
        async with self._lock:
            if self._due() or (kid not in self._keys and self._may_try()):
                await self._refresh()
        known = self._keys.get(kid)
        if known is None and self._failure is not None:
            raise Unavailable(
                "cannot verify the token right now: the auth service's signing keys are "
                "unreachable; try again shortly",
                sent=False,
            )
        return known

    def _due(self) -> bool:
        """The cached set has expired and another attempt is allowed."""
        return self.clock() - self._fetched_at >= self.max_age and self._may_try()

    def _may_try(self) -> bool:
        return self.clock() - self._attempted_at >= self.min_refresh

    async def _refresh(self) -> None:
        self._attempted_at = self.clock()
        try:
            response = await self.client.get(self.url, timeout=5)
            response.raise_for_status()
            keys = keys_from_jwks(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            # Keep the keys we had: an auth-service blip must not reject every request.
            self._failure = f"{type(exc).__name__}: {exc}"[:200]
            log.warning(
                "JWKS refresh failed; keeping the known keys",
                extra={"url": self.url, "known_keys": len(self._keys), "error": self._failure},
            )
            return
        self._keys = keys
        self._fetched_at = self.clock()
        self._failure = None


class TokenVerifier:
    def __init__(self, keys: KeySource, *, issuer: str, audience: str, leeway: float = 0) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway

    async def verify(self, token: str) -> Principal:
        """The principal of a valid access token; Unauthenticated for anything else, except
        Unavailable when the key it names cannot be fetched right now."""
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
            raise Unauthenticated(
                "Your sign-in has expired: refresh it or sign in again.", code="token_expired"
            ) from None
        except jwt.PyJWTError:
            raise Unauthenticated("invalid token") from None
        role = claims.get("role")
        if role not in ROLES or not isinstance(claims.get("email"), str):
            raise Unauthenticated("invalid token")
        name = claims.get("name")
        return Principal(
            user_id=str(claims["sub"]),
            email=claims["email"],
            role=role,
            name=name if isinstance(name, str) else "",
        )
