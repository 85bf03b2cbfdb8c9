"""Accounts and sessions, with no knowledge of HTTP.

- Passwords: argon2id, hashed in a worker thread; unknown emails are checked against a dummy
  hash so both failures take the same time and say the same thing.
- Sign-in throttling: attempts per email are counted in the store; after `max_failures` failed
  attempts within the window the email is locked until the window ends. Success resets it.
- Refresh tokens are `<session id>.<secret>`; the store keeps only SHA-256 of the secret.
  Each refresh rotates the secret; presenting an old one means it leaked, and ends the session.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from services.auth.keys import SigningKeys
from services.auth.tables import users
from services.kit.db import Database, utcnow
from services.kit.errors import Conflict, NotFound, RateLimited, Unauthenticated
from services.kit.outbox import Outbox
from services.kit.store import Store

EMAIL_TAKEN = "An account with this e-mail address already exists."
INVALID_LOGIN = "The e-mail address or the password is not right."
INVALID_REFRESH = "Your session has ended: please sign in again."


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    access_seconds: int
    refresh_seconds: int
    max_failures: int
    failure_window_seconds: int


def email_key(email: str) -> str:
    return email.strip().lower()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AuthService:
    def __init__(
        self,
        db: Database,
        store: Store,
        outbox: Outbox,
        keys: SigningKeys,
        hasher: PasswordHasher,
        policy: TokenPolicy,
    ) -> None:
        self.db = db
        self.store = store
        self.outbox = outbox
        self.keys = keys
        self.hasher = hasher
        self.policy = policy
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))

    # -- accounts ------------------------------------------------------------------------

    async def register(self, email: str, password: str, name: str, role: str) -> User:
        """Create an account; Conflict when the email (any case) is taken."""
        key = email_key(email)
        async with self.db.read() as conn:
            taken = await conn.scalar(sa.select(users.c.id).where(users.c.email_key == key))
        if taken:
            raise Conflict(EMAIL_TAKEN, code="email_taken", field="email")
        password_hash = await asyncio.to_thread(self.hasher.hash, password)
        user = User(id=str(uuid.uuid4()), email=email.strip(), name=name, role=role)
        now = utcnow()
        try:
            async with self.db.write() as conn:
                await conn.execute(
                    users.insert().values(
                        id=user.id,
                        email=user.email,
                        email_key=key,
                        name=name,
                        role=role,
                        password_hash=password_hash,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await self.outbox.add(
                    conn,
                    "queue",
                    "user-registration",
                    {"user_id": user.id, "email": user.email, "name": name, "role": role},
                )
        except IntegrityError:
            raise Conflict(EMAIL_TAKEN, code="email_taken", field="email") from None
        return user

    async def user(self, user_id: str) -> User:
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(users.c.id, users.c.email, users.c.name, users.c.role).where(
                        users.c.id == user_id
                    )
                )
            ).first()
        if row is None:
            raise NotFound("user not found")
        return User(id=row.id, email=row.email, name=row.name, role=row.role)

    # -- sign-in -------------------------------------------------------------------------

    async def login(
        self, email: str, password: str, client_ip: str | None
    ) -> tuple[User, TokenPair]:
        """Check the password and open a session; Unauthenticated or RateLimited otherwise."""
        key = email_key(email)
        attempts_key = f"login-attempts:{_sha256(key)}"
        attempts = await self.store.incr(attempts_key, ttl=self.policy.failure_window_seconds)
        if attempts > self.policy.max_failures:
            retry_after = await self.store.ttl(attempts_key)
            raise RateLimited(
                "too many failed sign-in attempts; try again later",
                retry_after=max(1, int(retry_after or self.policy.failure_window_seconds)),
            )
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(users).where(users.c.email_key == key))).first()
        stored_hash = row.password_hash if row is not None else self._dummy_hash
        if not await asyncio.to_thread(self._verify, stored_hash, password) or row is None:
            raise Unauthenticated(INVALID_LOGIN, code="invalid_login")
        await self.store.delete(attempts_key)
        user = User(id=row.id, email=row.email, name=row.name, role=row.role)
        async with self.db.write() as conn:
            if self.hasher.check_needs_rehash(stored_hash):
                new_hash = await asyncio.to_thread(self.hasher.hash, password)
                await conn.execute(
                    users.update().where(users.c.id == user.id).values(password_hash=new_hash)
                )
            await self.outbox.add(
                conn,
                "queue",
                "user-login",
                {"user_id": user.id, "client_ip": client_ip, "at": utcnow().isoformat()},
            )
        return user, await self._open_session(user)

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- tokens --------------------------------------------------------------------------

    def access_token(self, user: User) -> str:
        now = int(utcnow().timestamp())
        return self.keys.sign(
            {
                "sub": user.id,
                "email": user.email,
                "name": user.name,
                "role": user.role,
                "iss": self.policy.issuer,
                "aud": self.policy.audience,
                "iat": now,
                "exp": now + self.policy.access_seconds,
                "jti": uuid.uuid4().hex,
            }
        )

    async def _open_session(self, user: User) -> TokenPair:
        session_id = secrets.token_urlsafe(16)
        secret = secrets.token_urlsafe(32)
        await self.store.set(
            f"session:{session_id}",
            self._session_value(user.id, secret),
            ttl=self.policy.refresh_seconds,
        )
        return self._pair(user, session_id, secret)

    def _pair(self, user: User, session_id: str, secret: str) -> TokenPair:
        return TokenPair(
            access_token=self.access_token(user),
            refresh_token=f"{session_id}.{secret}",
            expires_in=self.policy.access_seconds,
        )

    @staticmethod
    def _session_value(user_id: str, secret: str) -> bytes:
        return json.dumps({"user_id": user_id, "secret_sha256": _sha256(secret)}).encode()

    async def _session(self, refresh_token: str) -> tuple[str, str, bytes, dict[str, str]]:
        session_id, dot, secret = refresh_token.partition(".")
        if not dot or not session_id or not secret:
            raise Unauthenticated(INVALID_REFRESH, code="session_ended")
        stored = await self.store.get(f"session:{session_id}")
        if stored is None:
            raise Unauthenticated(INVALID_REFRESH, code="session_ended")
        return session_id, secret, stored, json.loads(stored)

    async def refresh(self, refresh_token: str) -> tuple[User, TokenPair]:
        """Rotate the refresh token; reuse of a rotated token ends the whole session."""
        session_id, secret, stored, session = await self._session(refresh_token)
        key = f"session:{session_id}"
        if not hmac.compare_digest(_sha256(secret), session["secret_sha256"]):
            await self.store.delete(key)  # an old token came back: assume it was stolen
            raise Unauthenticated(INVALID_REFRESH, code="session_ended")
        try:
            user = await self.user(session["user_id"])
        except NotFound:
            await self.store.delete(key)
            raise Unauthenticated(INVALID_REFRESH, code="session_ended") from None
        new_secret = secrets.token_urlsafe(32)
        rotated = await self.store.compare_and_set(
            key, stored, self._session_value(user.id, new_secret), ttl=self.policy.refresh_seconds
        )
        if not rotated:  # a concurrent refresh with the same token won: treat as reuse
            await self.store.delete(key)
            raise Unauthenticated(INVALID_REFRESH, code="session_ended")
        return user, self._pair(user, session_id, new_secret)

    async def logout(self, refresh_token: str) -> str | None:
        """End the session of `refresh_token` (if it is current); the user id, if any."""
        try:
            session_id, secret, stored, session = await self._session(refresh_token)
        except Unauthenticated:
            return None
        if hmac.compare_digest(_sha256(secret), session["secret_sha256"]):
            await self.store.compare_and_set(f"session:{session_id}", stored, None)
            return session["user_id"]
        return None


def password_hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
