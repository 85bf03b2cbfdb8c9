"""A simulated card processor, with no knowledge of HTTP.

Every operation is keyed by the caller's idempotency key (the booking id): a charge repeated
after a timeout returns the first result and never charges twice, two racing charges with one
key produce one payment, and a refund repeated refunds once. `void` closes a key that was never
charged, so a charge arriving late (from a request that was given up on) cannot take money.

Outcomes are deterministic by card number, like a payment provider's test mode:
4000000000000002 is declined, 4000000000009995 is declined for insufficient funds, every other
Luhn-valid number (4242424242424242, ...) succeeds.

The full card number only passes through `charge`: the row keeps its last four digits and
network, and the request fingerprint is computed from those.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.kit.cards import brand, last4
from services.kit.db import Database, UtcDateTime, utcnow
from services.kit.errors import Conflict, NotFound
from services.kit.outbox import Outbox, outbox
from services.payment.schema import ChargeIn, ChargeOut, PaymentOut
from services.payment.tables import payments

DECLINED_CARDS = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
TOPIC = "payment-processed"

# PostgreSQL's one-statement charge: the payment row and its outbox message are inserted
# together (the message only if the payment row was), autocommitted: one round trip.
CHARGE_SQL = (
    sa.text(
        """
    WITH p AS (
        INSERT INTO payments (id, idempotency_key, booking_id, user_id, user_email,
            amount_cents, currency, status, decline_reason, card_last4, card_brand,
            fingerprint, created_at, updated_at)
        VALUES (:id, :idempotency_key, :booking_id, :user_id, :user_email,
            :amount_cents, :currency, :status, :decline_reason, :card_last4, :card_brand,
            :fingerprint, :now, :now)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING *
    ), o AS (
        INSERT INTO outbox (message_id, kind, destination, body, created_at, available_at,
            attempts)
        SELECT :message_id, :kind, :destination, :body, :now, :now, 0 FROM p
    )
    SELECT * FROM p
    """
    )
    .bindparams(sa.bindparam("now", type_=UtcDateTime()))
    .columns(created_at=UtcDateTime(), updated_at=UtcDateTime(), refunded_at=UtcDateTime())
)


def decide(card_number: str) -> str | None:
    """The decline reason for a test card, or None when the charge succeeds."""
    return DECLINED_CARDS.get(card_number)


def fingerprint(charge: ChargeIn) -> str:
    """What makes two charges with one key 'the same request' (no full card number in it)."""
    parts = (
        charge.booking_id,
        charge.user_id,
        str(charge.amount_cents),
        charge.currency,
        last4(charge.card_number),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _announcement(row: dict[str, Any]) -> dict[str, Any]:
    """The payment-processed message: what a receipt needs (never the card number)."""
    return {
        "payment_id": row["id"],
        "booking_id": row["booking_id"],
        "user_id": row["user_id"],
        "email": row["user_email"],
        "amount_cents": row["amount_cents"],
        "currency": row["currency"],
        "status": row["status"],
        "decline_reason": row["decline_reason"],
        "card_last4": row["card_last4"],
        "card_brand": row["card_brand"],
    }


def _charge_out(row: Any) -> ChargeOut:
    return ChargeOut.model_validate(row._mapping, from_attributes=False)


def _payment_out(row: Any) -> PaymentOut:
    return PaymentOut.model_validate(row._mapping, from_attributes=False)


class PaymentService:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    # -- internal API (other services) ---------------------------------------------------

    async def charge(self, request: ChargeIn) -> tuple[ChargeOut, bool]:
        """Charge once per key: (the key's payment, created now?).

        Conflict when the key was used for a different charge. A voided key returns the
        voided record: nothing is charged.
        """
        wanted = fingerprint(request)
        reason = decide(request.card_number.get_secret_value())
        now = utcnow()
        values = {
            "id": str(uuid.uuid4()),
            "idempotency_key": request.idempotency_key,
            "booking_id": request.booking_id,
            "user_id": request.user_id,
            "user_email": str(request.user_email),
            "amount_cents": request.amount_cents,
            "currency": request.currency,
            "status": "declined" if reason else "succeeded",
            "decline_reason": reason,
            "card_last4": last4(request.card_number),
            "card_brand": brand(request.card_number),
            "fingerprint": wanted,
            "created_at": now,
            "updated_at": now,
        }
        message = self.outbox.message("topic", TOPIC, _announcement(values))
        if self.db.is_sqlite:
            row = await self._insert_charge(values, message)
        else:
            async with self.db.single() as conn:
                row = (await conn.execute(CHARGE_SQL, {**values, **message, "now": now})).first()
            if row is not None:
                self.outbox.committed()
        if row is not None:
            return _charge_out(row), True
        existing = await self._by_key(request.idempotency_key)  # the key was used before
        return self._same(existing, wanted), False

    async def _insert_charge(self, values: dict[str, Any], message: dict[str, Any]) -> Any:
        """The new payment row, with its message in the same transaction; None when the key
        exists."""
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    self.db.insert(payments)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=["idempotency_key"])
                    .returning(*payments.c)
                )
            ).first()
            if row is not None:
                await conn.execute(outbox.insert().values(**message))
                self.outbox.committed()
        return row

    @staticmethod
    def _same(row: Any, wanted: str) -> ChargeOut:
        if row.status != "voided" and row.fingerprint != wanted:
            raise Conflict("this idempotency key was used for a different charge")
        return _charge_out(row)

    async def refund(self, key: str) -> ChargeOut:
        """Refund the charge made with `key` (once). A declined or voided key is returned as
        it is; a key never charged is voided, so nothing can be charged with it later."""
        now = utcnow()
        async with self.db.write() as conn:
            row = await self._locked(conn, key)
            if row is None:
                await self._void(conn, key)
            elif row.status == "succeeded":
                await conn.execute(
                    payments.update()
                    .where(payments.c.idempotency_key == key)
                    .values(status="refunded", refunded_at=now, updated_at=now)
                )
                refunded = await self._locked(conn, key)
                await self._announce(conn, dict(refunded._mapping))
            row = await self._locked(conn, key)
        return _charge_out(row)

    async def void(self, key: str) -> ChargeOut:
        """Close `key`: the charge made with it if there is one, else a voided record."""
        async with self.db.write() as conn:
            row = await self._locked(conn, key)
            if row is None:
                await self._void(conn, key)
                row = await self._locked(conn, key)
        return _charge_out(row)

    async def get(self, key: str) -> ChargeOut:
        row = await self._by_key(key)
        if row is None:
            raise NotFound("no charge with this key")
        return _charge_out(row)

    async def _void(self, conn: AsyncConnection, key: str) -> None:
        now = utcnow()
        await conn.execute(
            self.db.insert(payments)
            .values(
                id=str(uuid.uuid4()),
                idempotency_key=key,
                status="voided",
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )

    async def _by_key(self, key: str) -> Any:
        async with self.db.read() as conn:
            return (
                await conn.execute(sa.select(payments).where(payments.c.idempotency_key == key))
            ).first()

    async def _locked(self, conn: AsyncConnection, key: str) -> Any:
        query = sa.select(payments).where(payments.c.idempotency_key == key)
        if not self.db.is_sqlite:
            query = query.with_for_update()
        return (await conn.execute(query)).first()

    async def _announce(self, conn: AsyncConnection, row: dict[str, Any]) -> None:
        await self.outbox.add(conn, "topic", TOPIC, _announcement(row))

    # -- public API (the payment's owner) ------------------------------------------------

    async def list_for(self, user_id: str, limit: int) -> list[PaymentOut]:
        async with self.db.read() as conn:
            rows = await conn.execute(
                sa.select(payments)
                .where(payments.c.user_id == user_id, payments.c.status != "voided")
                .order_by(payments.c.created_at.desc(), payments.c.id)
                .limit(limit)
            )
            return [_payment_out(row) for row in rows]

    async def get_for(self, user_id: str, payment_id: str) -> PaymentOut:
        """One of the caller's payments; anyone else's is NotFound, like one that is absent."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    sa.select(payments).where(
                        payments.c.id == payment_id,
                        payments.c.user_id == user_id,
                        payments.c.status != "voided",
                    )
                )
            ).first()
        if row is None:
            raise NotFound("payment not found")
        return _payment_out(row)
