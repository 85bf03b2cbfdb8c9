"""The booking database (booking-db): bookings, and nothing that could hold a card number."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _bookings(metadata: sa.MetaData, *, version: int = 2) -> sa.Table:
    refunds: list[sa.Column[object]] = []
    if version >= 2:  # booking-0002: what the cancellation gave back
        refunds += [
            sa.Column("refund_status", sa.String(20)),
            sa.Column("refund_cents", sa.BigInteger()),
        ]
    return sa.Table(
        "bookings",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("user_email", sa.String(254), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("event_title", sa.String(200)),
        sa.Column("event_starts_at", UtcDateTime()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payment_id", sa.String(36)),
        sa.Column("failure_reason", sa.String(100)),
        sa.Column("cancel_reason", sa.String(20)),
        # False while seats or money are owed back (a failed or cancelled booking).
        sa.Column("settled", sa.Boolean(), nullable=False),
        *refunds,
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("seats > 0", name="ck_bookings_seats"),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'payment_failed', 'cancelled')",
            name="ck_bookings_status",
        ),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_bookings_idempotency_key"),
        sa.Index("ix_bookings_user", "user_id", "created_at"),
        sa.Index("ix_bookings_event", "event_id", "status"),
        sa.Index("ix_bookings_work", "status", "settled", "updated_at"),
    )


def _refunds(conn: Connection) -> None:
    """booking-0002: a cancelled booking records its refund (`refunded` with the amount, or
    `none` when nothing had been charged)."""
    conn.execute(sa.text("ALTER TABLE bookings ADD COLUMN refund_status VARCHAR(20)"))
    conn.execute(sa.text("ALTER TABLE bookings ADD COLUMN refund_cents BIGINT"))


MIGRATIONS = (
    Migration("booking-0001-bookings", create_tables(_bookings(sa.MetaData(), version=1))),
    Migration("booking-0002-refunds", _refunds),
)

bookings = _bookings(sa.MetaData())
