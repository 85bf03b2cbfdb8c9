"""The event database (event-db): events and seat reservations.

A seat reservation row is a hold (`held`), a hold given back (`released`), or a tombstone
(`voided`, no seats): an id released before any reservation with it arrived, kept so that the
reservation, if it arrives late, is refused instead of holding seats nobody will release.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _events(metadata: sa.MetaData, *, version: int = 3) -> sa.Table:
    extra: list[sa.Column[str]] = []
    if version >= 3:  # event-0003: the organizer's display name, shown on the event page
        extra.append(sa.Column("organizer_name", sa.String(200), nullable=False, server_default=""))
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
        *extra,
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


# What `seats` may hold, per version of the table. event-0001: a row was always a hold taken.
# event-0002 adds tombstones: an id released before any reservation arrived is recorded as
# `voided` with no seats, so a reservation arriving late with that id is refused.
SEATS_CHECK_0001 = "seats > 0"
SEATS_CHECK_0002 = (
    "(status IN ('held', 'released') AND seats > 0) OR (status = 'voided' AND seats = 0)"
)


def _reservations(
    metadata: sa.MetaData,
    seats_check: str = SEATS_CHECK_0002,
    *,
    name: str = "seat_reservations",
    indexes: bool = True,
    version: int = 3,
) -> sa.Table:
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("reservation_id", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(36), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("caller", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(seats_check, name="ck_seat_reservations_seats"),
    ]
    if version >= 3:  # event-0003: the price per seat when held (an organizer's revenue)
        columns.append(sa.Column("price_cents", sa.BigInteger()))
    if indexes:
        columns.append(sa.Index("ix_seat_reservations_event", "event_id"))
    return sa.Table(name, metadata, *columns)


def _schema_0001() -> tuple[sa.Table, sa.Table]:
    metadata = sa.MetaData()
    return _events(metadata, version=1), _reservations(metadata, SEATS_CHECK_0001, version=1)


def _allow_tombstones(conn: Connection) -> None:
    """event-0002: the seats check admits tombstones (`voided`, 0 seats) and names the only
    statuses a reservation can have."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "ALTER TABLE seat_reservations "
                "DROP CONSTRAINT ck_seat_reservations_seats, "
                f"ADD CONSTRAINT ck_seat_reservations_seats CHECK ({SEATS_CHECK_0002})"
            )
        )
        return
    # SQLite cannot change a constraint in place: build the new table beside the old one, copy
    # the rows, swap them, then recreate the index (https://sqlite.org/lang_altertable.html,
    # "making other kinds of table schema changes"). All inside the migration's transaction.
    metadata = sa.MetaData()
    _events(metadata, version=2)  # the foreign key's target, for SQLAlchemy's DDL compiler
    new = _reservations(
        metadata, SEATS_CHECK_0002, name="seat_reservations_new", indexes=False, version=2
    )
    conn.execute(sa.schema.CreateTable(new))
    names = ", ".join(column.name for column in new.columns)
    conn.execute(sa.text(f"INSERT INTO {new.name} ({names}) SELECT {names} FROM seat_reservations"))
    conn.execute(sa.text("DROP TABLE seat_reservations"))
    conn.execute(sa.text(f"ALTER TABLE {new.name} RENAME TO seat_reservations"))
    conn.execute(sa.text("CREATE INDEX ix_seat_reservations_event ON seat_reservations (event_id)"))


def _organizer_and_prices(conn: Connection) -> None:
    """event-0003: events carry the organizer's display name; a hold records the price per
    seat it was taken at, so an organizer's revenue survives a later price change."""
    conn.execute(
        sa.text("ALTER TABLE events ADD COLUMN organizer_name VARCHAR(200) NOT NULL DEFAULT ''")
    )
    conn.execute(sa.text("ALTER TABLE seat_reservations ADD COLUMN price_cents BIGINT"))


def _schema() -> tuple[sa.Table, sa.Table]:
    metadata = sa.MetaData()
    return _events(metadata), _reservations(metadata)


MIGRATIONS = (
    Migration("event-0001-events-and-reservations", create_tables(*_schema_0001())),
    Migration("event-0002-reservation-tombstones", _allow_tombstones),
    Migration("event-0003-organizer-name-and-hold-prices", _organizer_and_prices),
)

events, seat_reservations = _schema()
