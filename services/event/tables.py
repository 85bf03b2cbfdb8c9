"""The event database (event-db): events and seat reservations."""

from __future__ import annotations

import sqlalchemy as sa

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _events(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "events",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("venue", sa.String(200), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_available", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("organizer_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        # The last line of defence against overbooking, whatever the code above does.
        sa.CheckConstraint(
            "seats_available >= 0 AND seats_available <= capacity", name="ck_events_seats"
        ),
        sa.Index("ix_events_listing", "status", "starts_at", "id"),
        sa.Index("ix_events_organizer", "organizer_id"),
    )


def _reservations(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "seat_reservations",
        metadata,
        sa.Column("reservation_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(36), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("caller", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("seats > 0", name="ck_seat_reservations_seats"),
        sa.Index("ix_seat_reservations_event", "event_id"),
    )


def _schema() -> tuple[sa.Table, sa.Table]:
    metadata = sa.MetaData()
    return _events(metadata), _reservations(metadata)


MIGRATIONS = (Migration("event-0001-events-and-reservations", create_tables(*_schema())),)

events, seat_reservations = _schema()
