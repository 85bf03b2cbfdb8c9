"""Read the three databases behind a booking and check that they agree exactly.

Seats held at the event service, bookings and payments must tell one story: every confirmed
booking holds its seats and has one succeeded charge of its amount; every failed or cancelled
booking holds no seats and has no money taken (declined, refunded or never charged); nothing is
pending; no seat is held and no money is taken for a booking that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.booking.tables import bookings
from services.event.tables import events, seat_reservations
from services.payment.tables import payments


@dataclass
class Ledger:
    capacity: int
    seats_available: int
    holds: dict[str, int]  # reservation id -> seats, status held
    bookings: dict[str, Any]  # id -> row
    payments: dict[str, Any]  # idempotency key -> row
    all_statuses: dict[str, str]  # every booking of every event: id -> status

    def by_status(self, status: str) -> list[Any]:
        return [b for b in self.bookings.values() if b.status == status]


async def read_ledger(cluster: Any, event_id: str) -> Ledger:
    async with cluster["event"].kit.db.read() as conn:
        event = (
            await conn.execute(
                sa.select(events.c.capacity, events.c.seats_available).where(
                    events.c.id == event_id
                )
            )
        ).one()
        holds = {
            row.reservation_id: row.seats
            for row in await conn.execute(
                sa.select(seat_reservations).where(
                    seat_reservations.c.event_id == event_id, seat_reservations.c.status == "held"
                )
            )
        }
    async with cluster["booking"].kit.db.read() as conn:
        everything = list(await conn.execute(sa.select(bookings)))
    rows = {row.id: row for row in everything if row.event_id == event_id}
    async with cluster["payment"].kit.db.read() as conn:
        charged = {row.idempotency_key: row for row in await conn.execute(sa.select(payments))}
    statuses = {row.id: row.status for row in everything}
    return Ledger(event.capacity, event.seats_available, holds, rows, charged, statuses)


def assert_reconciled(ledger: Ledger) -> None:
    """Fail with the first disagreement between seats, bookings and payments."""
    assert ledger.seats_available >= 0
    assert ledger.seats_available + sum(ledger.holds.values()) == ledger.capacity
    assert not ledger.by_status("pending"), "a booking is still pending"
    confirmed = {b.id for b in ledger.by_status("confirmed")}
    assert set(ledger.holds) == confirmed, "held seats and confirmed bookings differ"
    for booking in ledger.bookings.values():
        assert booking.settled, f"booking {booking.id} still owes seats or money"
        payment = ledger.payments.get(booking.id)
        if booking.status == "confirmed":
            assert ledger.holds[booking.id] == booking.seats
            assert payment is not None and payment.status == "succeeded"
            assert payment.amount_cents == booking.amount_cents
            assert booking.payment_id == payment.id
        else:
            assert payment is None or payment.status in ("declined", "refunded", "voided")
    taken = {key for key, p in ledger.payments.items() if p.status == "succeeded"}
    assert {key for key in taken if key in ledger.bookings} == confirmed
    for key in taken:  # no money kept for a booking that is gone or not confirmed
        assert ledger.all_statuses.get(key) == "confirmed", f"charge {key} has no booking"
