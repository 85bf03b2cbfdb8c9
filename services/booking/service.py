"""Bookings, with no knowledge of HTTP: a saga over the event and payment services.

A booking is recorded as `pending` first (so a crash at any later step leaves a trace to
reconcile), then its seats are reserved at the event service (reservation id = booking id),
then it is charged at the payment service (idempotency key = booking id), then it is confirmed,
or marked payment_failed and its seats released. Every remote step is idempotent by the booking
id, so a retried request or a second worker can replay any step safely, and every state change
is a conditional update from the state expected, so when two actors race, one wins and the
other sees what happened.

Leaving `pending` any other way (a crash, an event cancelled mid-booking) is settled from the
payment's real state: the reconciler voids the booking's payment key, which returns the charge
if one was made (then the booking is confirmed) or closes the key so no late charge can take
money (then its seats are released). Failed and cancelled bookings are `settled` once their
seats are released and their payment refunded; until then the reconciler keeps retrying.
Seats are closed the same way: releasing a reservation id the event service has not seen yet
voids it, so a reservation still on its way when the booking gave up on it (a timeout, a 5xx)
is refused when it arrives and holds nothing.

Messages (booking-created, booking-confirmed, booking-cancelled, notification-trigger) are
written to the outbox in the transaction of the state change they announce.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.booking.clients import EventsClient, PaymentsClient, Refused
from services.booking.schema import BookingIn, BookingOut, RefundOut
from services.booking.tables import bookings
from services.event.schema import ReservationOut
from services.kit.cards import last4
from services.kit.db import Database, UtcDateTime, utcnow
from services.kit.errors import Conflict, Invalid, NotFound, Unavailable
from services.kit.outbox import Outbox, outbox
from services.kit.tokens import Principal
from services.payment.schema import ChargeIn, ChargeOut

log = logging.getLogger("services.booking")


# PostgreSQL's one-statement confirmation: the booking leaves `pending` and its two messages
# (booking-created, booking-confirmed) are queued, only if it was still pending; one round
# trip, atomic. A null parameter keeps the column as it is.
CONFIRM_SQL = (
    sa.text(
        """
    WITH b AS (
        UPDATE bookings
        SET status = 'confirmed', payment_id = :payment_id, updated_at = :now,
            amount_cents = COALESCE(:amount_cents, amount_cents),
            currency = COALESCE(:currency, currency),
            event_title = COALESCE(:event_title, event_title),
            event_starts_at = COALESCE(:event_starts_at, event_starts_at)
        WHERE id = :id AND status = 'pending'
        RETURNING *
    ), o AS (
        INSERT INTO outbox (message_id, kind, destination, body, created_at, available_at,
            attempts)
        SELECT m.message_id, m.kind, m.destination, m.body, :now, :now, 0
        FROM b CROSS JOIN (VALUES
            (:m1_message_id, :m1_kind, :m1_destination, :m1_body),
            (:m2_message_id, :m2_kind, :m2_destination, :m2_body)
        ) AS m (message_id, kind, destination, body)
    )
    SELECT * FROM b
    """
    )
    .bindparams(
        sa.bindparam("now", type_=UtcDateTime()),
        sa.bindparam("event_starts_at", type_=UtcDateTime()),
        sa.bindparam("amount_cents", type_=sa.BigInteger()),
    )
    .columns(created_at=UtcDateTime(), updated_at=UtcDateTime(), event_starts_at=UtcDateTime())
)

Row = Any


def fingerprint(request: BookingIn) -> str:
    """What makes two requests with one Idempotency-Key 'the same' (no full card number)."""
    if request.card_number is None:
        parts: tuple[str, ...] = (request.event_id, str(request.seats), "no card")
    else:
        card = request.card_number.get_secret_value()
        parts = (request.event_id, str(request.seats), last4(request.card_number), str(len(card)))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _refund_of(row: Row) -> RefundOut | None:
    """A cancelled booking's refund: recorded once the payment service returned it, pending
    until then; none when nothing was charged."""
    if row.status != "cancelled" or row.refund_status == "none":
        return None
    if row.refund_status == "refunded":
        return RefundOut(
            amount_cents=row.refund_cents or 0, currency=row.currency, status="refunded"
        )
    if not row.amount_cents:
        return None
    # Settled before refunds were recorded (booking-0002): settling always refunded.
    status = "refunded" if row.settled else "pending"
    return RefundOut(amount_cents=row.amount_cents, currency=row.currency, status=status)


def _out(row: Row) -> BookingOut:
    return BookingOut.model_validate(
        {**row._mapping, "refund": _refund_of(row)}, from_attributes=False
    )


def _message(row: Row, **changes: Any) -> dict[str, Any]:
    """The body every booking message carries (notification needs the address and event),
    for `row` with `changes` applied."""
    fields = {**row._mapping, **changes}
    starts_at = fields["event_starts_at"]
    return {
        "booking_id": fields["id"],
        "user_id": fields["user_id"],
        "email": fields["user_email"],
        "event_id": fields["event_id"],
        "event_title": fields["event_title"],
        "starts_at": starts_at.isoformat() if starts_at else None,
        "seats": fields["seats"],
        "amount_cents": fields["amount_cents"],
        "currency": fields["currency"],
        "payment_id": fields["payment_id"],
        "status": fields["status"],
        **({"reason": fields["reason"]} if "reason" in fields else {}),
    }


def _free(row: Row, hold: ReservationOut | None) -> bool:
    """Whether the booking costs nothing (its hold's price, or the amount it recorded)."""
    if hold is not None:
        return hold.price_cents * int(row.seats) == 0
    return bool(row.amount_cents == 0)


def _hold_fields(
    row: Row, hold: ReservationOut | None, payment: ChargeOut | None
) -> dict[str, Any]:
    """Amount and event details to record: the charge's figures (or, with no charge, the
    hold's price), and the event's title and start from the hold."""
    fields: dict[str, Any] = {}
    if hold is not None:
        fields.update(
            amount_cents=hold.price_cents * row.seats,
            currency=hold.currency,
            event_title=hold.event_title,
            event_starts_at=hold.starts_at,
        )
    if payment is not None and payment.amount_cents is not None:
        fields.update(amount_cents=payment.amount_cents, currency=payment.currency)
    return fields


class BookingService:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        events: EventsClient,
        payments: PaymentsClient,
        *,
        reconcile_after_seconds: float = 30.0,
        batch: int = 100,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.events = events
        self.payments = payments
        self.reconcile_after = dt.timedelta(seconds=reconcile_after_seconds)
        self.batch = batch

    # -- booking -------------------------------------------------------------------------

    async def book(self, user: Principal, request: BookingIn, key: str | None) -> BookingOut:
        """Reserve, charge and confirm; returns the booking in its final state.

        Raises Conflict (not enough seats), NotFound (no such event, or cancelled), Invalid
        (Idempotency-Key reused for another request), Unavailable (a service is down: no seats
        are held, or the booking stays pending and is reconciled).
        """
        wanted = fingerprint(request)
        if key is not None:
            existing = await self._by_key(user.user_id, key)
            if existing is not None:
                return await self._replay(existing, wanted, request)
        booking_id = str(uuid.uuid4())
        try:
            row = await self._insert_pending(booking_id, user, request, key, wanted)
        except IntegrityError:  # the same Idempotency-Key raced this request
            existing = await self._by_key(user.user_id, key or "")
            if existing is None:
                raise
            return await self._replay(existing, wanted, request)
        return await self._complete(row, request)

    async def _replay(self, row: Row, wanted: str, request: BookingIn) -> BookingOut:
        if row.fingerprint != wanted:
            raise Invalid(
                "This Idempotency-Key was already used for a different booking.",
                code="idempotency_key_reused",
            )
        if row.status == "pending":  # every step is idempotent: carry on where it stopped
            return await self._complete(row, request)
        return _out(row)

    async def _insert_pending(
        self, booking_id: str, user: Principal, request: BookingIn, key: str | None, wanted: str
    ) -> Row:
        now = utcnow()
        async with self.db.single() as conn:
            return (
                await conn.execute(
                    bookings.insert()
                    .values(
                        id=booking_id,
                        user_id=user.user_id,
                        user_email=user.email,
                        event_id=request.event_id,
                        seats=request.seats,
                        status="pending",
                        settled=True,
                        idempotency_key=key,
                        fingerprint=wanted,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(*bookings.c)
                )
            ).one()

    async def _complete(self, row: Row, request: BookingIn) -> BookingOut:
        hold = await self._reserve(row)
        if hold is None:
            return await self._closed_elsewhere(row)
        if _free(row, hold):  # nothing to pay: the payment service is not involved at all
            return await self._confirm(row, None, hold)
        if request.card_number is None:
            await self._abandon(row)
            raise Invalid(
                "This event is not free: give a card number to pay for it.",
                code="card_required",
                field="card_number",
            )
        payment = await self._charge(row, hold, request)
        if payment.status == "succeeded":
            return await self._confirm(row, payment, hold)
        return await self._fail(row, payment, hold)

    async def _reserve(self, row: Row) -> ReservationOut | None:
        """The seat hold; None when the reservation id was already released, or voided before
        this reservation arrived (it holds nothing and never will). Cleans up on refusal."""
        try:
            return await self.events.reserve(row.event_id, row.id, row.seats)
        except Unavailable as exc:
            await (self._abandon(row) if exc.sent else self._discard(row.id))
            raise
        except (Conflict, NotFound, Refused):
            await self._discard(row.id)
            raise

    async def _charge(self, row: Row, hold: ReservationOut, request: BookingIn) -> ChargeOut:
        """The payment for this booking (succeeded, declined or voided)."""
        assert request.card_number is not None  # checked by the caller
        charge = ChargeIn.model_construct(
            idempotency_key=row.id,
            booking_id=row.id,
            user_id=row.user_id,
            user_email=row.user_email,
            amount_cents=hold.price_cents * row.seats,
            currency=hold.currency,
            card_number=request.card_number,
        )
        try:
            return await self.payments.charge(charge)
        except Unavailable as exc:
            if not exc.sent:  # nothing was charged: give the seats back and forget it
                await self._abandon(row)
            raise  # otherwise the seats stay held until the booking is reconciled
        except Refused:
            await self._abandon(row)
            raise

    async def _confirm(
        self, row: Row, payment: ChargeOut | None, hold: ReservationOut | None
    ) -> BookingOut:
        """Confirm it, paid by `payment` (None: free, nothing was paid)."""
        now = utcnow()
        changes = {
            "status": "confirmed",
            "payment_id": payment.id if payment is not None else None,
            "updated_at": now,
            **_hold_fields(row, hold, payment),
        }
        data = _message(row, **changes)
        messages = [
            self.outbox.message("queue", "booking-created", data),
            self.outbox.message("topic", "booking-confirmed", data),
        ]
        if self.db.is_sqlite:
            async with self.db.write() as conn:
                confirmed = await self._transition(conn, row.id, "pending", **changes)
                if confirmed is not None:
                    await conn.execute(outbox.insert(), messages)
        else:
            confirmed = await self._confirm_in_one_statement(row.id, changes, messages, now)
        if confirmed is None:
            return await self._lost_race(row)
        self.outbox.committed()
        return _out(confirmed)

    async def _confirm_in_one_statement(
        self,
        booking_id: str,
        changes: dict[str, Any],
        messages: list[dict[str, Any]],
        now: dt.datetime,
    ) -> Row:
        """PostgreSQL: the conditional update and its two messages, autocommitted at once."""
        params = {
            "id": booking_id,
            "now": now,
            "payment_id": changes["payment_id"],
            "amount_cents": changes.get("amount_cents"),
            "currency": changes.get("currency"),
            "event_title": changes.get("event_title"),
            "event_starts_at": changes.get("event_starts_at"),
        }
        for n, message in enumerate(messages, start=1):
            for key in ("message_id", "kind", "destination", "body"):
                params[f"m{n}_{key}"] = message[key]
        async with self.db.single() as conn:
            return (await conn.execute(CONFIRM_SQL, params)).first()

    async def _fail(self, row: Row, payment: ChargeOut, hold: ReservationOut | None) -> BookingOut:
        async with self.db.write() as conn:
            failed = await self._transition(
                conn,
                row.id,
                "pending",
                status="payment_failed",
                payment_id=payment.id if payment.status == "declined" else None,
                failure_reason=payment.decline_reason or "payment not completed",
                settled=False,
                updated_at=utcnow(),
                **_hold_fields(row, hold, payment),
            )
        if failed is None:
            return await self._lost_race(row)
        await self._settle(failed)
        return _out(await self._get(row.id))

    async def _closed_elsewhere(self, row: Row) -> BookingOut:
        """The booking's reservation id was released by someone else (the reconciler, an
        event cancellation, a request that gave up on it): it holds no seats and can take none.
        No charge was made in this request, so a booking still pending was given up on and is
        forgotten; otherwise report its real state."""
        await self._discard(row.id)
        return await self._lost_race(row)

    async def _lost_race(self, row: Row) -> BookingOut:
        """The booking left `pending` under us (reconciled, or its event was cancelled):
        make sure whatever it owes is settled and report its real state."""
        current = await self._get_or_none(row.id)
        if current is None:  # discarded by a request that saw the payment service down
            await self._refund(row.id)
            await self._release(row)
            raise Conflict("the booking was abandoned; please book again")
        await self._settle(current)
        return _out(await self._get(row.id))

    async def _abandon(self, row: Row) -> None:
        """Give the seats back and forget the booking, if the event service answers;
        otherwise leave it pending for the reconciler."""
        try:
            await self._release(row)
        except Unavailable:
            return
        await self._discard(row.id)

    async def _discard(self, booking_id: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                bookings.delete().where(bookings.c.id == booking_id, bookings.c.status == "pending")
            )

    # -- settling what a failed or cancelled booking owes ----------------------------------

    async def _settle(self, row: Row) -> bool:
        """Release the seats (and refund, when cancelled); False when a service is down."""
        if row.settled or row.status not in ("payment_failed", "cancelled"):
            return True
        refund: dict[str, Any] = {}
        try:
            if row.status == "cancelled" and row.amount_cents == 0:
                refund = {"refund_status": "none", "refund_cents": None}  # never charged
            elif row.status == "cancelled":
                payment = await self._refund(row.id)
                refunded = payment.status == "refunded"
                refund = {
                    "refund_status": "refunded" if refunded else "none",
                    "refund_cents": payment.amount_cents if refunded else None,
                }
            await self._release(row)
        except Unavailable:
            log.warning("settlement deferred", extra={"booking_id": row.id})
            return False
        async with self.db.write() as conn:
            await conn.execute(
                bookings.update()
                .where(bookings.c.id == row.id, bookings.c.settled.is_(False))
                .values(settled=True, **refund)
            )
        return True

    async def _settle_many(self, rows: list[Row], concurrency: int = 8) -> None:
        limit = asyncio.Semaphore(concurrency)

        async def one(row: Row) -> None:
            async with limit:
                await self._settle(row)

        await asyncio.gather(*(one(row) for row in rows))

    async def _refund(self, booking_id: str) -> ChargeOut:
        """Refund the booking's charge (a key never charged is voided instead)."""
        return await self.payments.refund(booking_id)

    async def _release(self, row: Row) -> None:
        """Give the booking's seats back. A reservation that has not arrived (yet) is voided
        by the event service, so it cannot take seats when it does."""
        await self.events.release(row.event_id, row.id)

    # -- reconciliation ------------------------------------------------------------------

    async def reconcile_once(self) -> int:
        """Settle bookings left pending too long and those still owing seats or money."""
        cutoff = utcnow() - self.reconcile_after
        async with self.db.read() as conn:
            stale = list(
                await conn.execute(
                    sa.select(bookings)
                    .where(bookings.c.status == "pending", bookings.c.updated_at < cutoff)
                    .order_by(bookings.c.updated_at)
                    .limit(self.batch)
                )
            )
            unsettled = list(
                await conn.execute(
                    sa.select(bookings)
                    .where(bookings.c.settled.is_(False))
                    .order_by(bookings.c.updated_at)
                    .limit(self.batch)
                )
            )
        for row in stale:
            await self._resolve(row)
        await self._settle_many(unsettled)
        return len(stale) + len(unsettled)

    async def _resolve(self, row: Row) -> None:
        """A booking whose request died: its payment's real state decides."""
        try:
            hold = await self.events.reservation(row.event_id, row.id)
            if hold is not None and hold.status == "held" and _free(row, hold):
                await self._confirm(row, None, hold)
                return
            payment = await self.payments.void(row.id)
        except Unavailable:
            return  # next round
        if payment.status == "succeeded":
            outcome = await self._confirm(row, payment, hold)
        else:
            outcome = await self._fail(row, payment, hold)
        log.info(
            "reconciled a pending booking",
            extra={"booking_id": row.id, "payment": payment.status, "now": outcome.status},
        )

    # -- cancellation --------------------------------------------------------------------

    async def cancel(self, user_id: str, booking_id: str) -> BookingOut:
        """Cancel a confirmed booking of `user_id`: seats released, payment refunded."""
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    bookings.update()
                    .where(
                        bookings.c.id == booking_id,
                        bookings.c.user_id == user_id,
                        bookings.c.status == "confirmed",
                    )
                    .values(
                        status="cancelled", cancel_reason="user", settled=False, updated_at=utcnow()
                    )
                    .returning(*bookings.c)
                )
            ).first()
            if row is None:
                current = await self._owned(conn, user_id, booking_id)
                if current.status == "cancelled":
                    raise Conflict("the booking is already cancelled")
                raise Conflict(f"a {current.status} booking cannot be cancelled")
            await self.outbox.add(conn, "queue", "booking-cancelled", _message(row, reason="user"))
        await self._settle(row)
        return _out(await self._get(booking_id))

    async def cancel_event(self, event_id: str) -> int:
        """An event was cancelled: cancel its bookings (refunds follow); the number of
        confirmed bookings it had."""
        values = {
            "status": "cancelled",
            "cancel_reason": "event_cancelled",
            "settled": False,
            "updated_at": utcnow(),
        }
        async with self.db.write() as conn:
            # Pending first: one confirmed between the two statements is caught by the second.
            pending = list(
                await conn.execute(
                    bookings.update()
                    .where(bookings.c.event_id == event_id, bookings.c.status == "pending")
                    .values(**values)
                    .returning(*bookings.c)
                )
            )
            confirmed = list(
                await conn.execute(
                    bookings.update()
                    .where(bookings.c.event_id == event_id, bookings.c.status == "confirmed")
                    .values(**values)
                    .returning(*bookings.c)
                )
            )
            for row in confirmed:
                data = _message(row, reason="event_cancelled")
                await self.outbox.add(conn, "queue", "booking-cancelled", data)
                await self.outbox.add(
                    conn, "topic", "notification-trigger", {"kind": "event_cancelled", **data}
                )
        await self._settle_many([*pending, *confirmed])
        if pending or confirmed:
            log.info(
                "cancelled the bookings of a cancelled event",
                extra={"event_id": event_id, "confirmed": len(confirmed), "pending": len(pending)},
            )
        return len(confirmed)

    # -- reads ---------------------------------------------------------------------------

    async def list_for(self, user_id: str, limit: int, when: str = "all") -> list[BookingOut]:
        """The user's bookings, newest first; `upcoming` or `past` by the event's start."""
        stmt = sa.select(bookings).where(bookings.c.user_id == user_id)
        if when == "upcoming":
            stmt = stmt.where(bookings.c.event_starts_at > utcnow())
        elif when == "past":
            stmt = stmt.where(bookings.c.event_starts_at <= utcnow())
        async with self.db.read() as conn:
            rows = await conn.execute(
                stmt.order_by(bookings.c.created_at.desc(), bookings.c.id).limit(limit)
            )
            return [_out(row) for row in rows]

    async def get_for(self, user_id: str, booking_id: str) -> BookingOut:
        async with self.db.read() as conn:
            return _out(await self._owned(conn, user_id, booking_id))

    async def _owned(self, conn: AsyncConnection, user_id: str, booking_id: str) -> Row:
        """One of the caller's bookings; anyone else's is NotFound, like one that is absent."""
        row = (
            await conn.execute(
                sa.select(bookings).where(
                    bookings.c.id == booking_id, bookings.c.user_id == user_id
                )
            )
        ).first()
        if row is None:
            raise NotFound("booking not found")
        return row

    async def _transition(
        self, conn: AsyncConnection, booking_id: str, expected: str, **values: Any
    ) -> Row:
        return (
            await conn.execute(
                bookings.update()
                .where(bookings.c.id == booking_id, bookings.c.status == expected)
                .values(**values)
                .returning(*bookings.c)
            )
        ).first()

    async def _by_key(self, user_id: str, key: str) -> Row:
        async with self.db.read() as conn:
            return (
                await conn.execute(
                    sa.select(bookings).where(
                        bookings.c.user_id == user_id, bookings.c.idempotency_key == key
                    )
                )
            ).first()

    async def _get_or_none(self, booking_id: str) -> Row:
        async with self.db.read() as conn:
            return (
                await conn.execute(sa.select(bookings).where(bookings.c.id == booking_id))
            ).first()

    async def _get(self, booking_id: str) -> Row:
        row = await self._get_or_none(booking_id)
        if row is None:
            raise NotFound("booking not found")
        return row
