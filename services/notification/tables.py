"""The notification store: one row per email sent, keyed by the message that asked for it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _notifications(metadata: sa.MetaData, *, version: int = 2) -> sa.Table:
    # notification-0002: when the user read it (null: unread)
    read: list[sa.Column[dt.datetime]] = (
        [sa.Column("read_at", UtcDateTime())] if version >= 2 else []
    )
    return sa.Table(
        "notifications",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("message_id", sa.String(128), nullable=False, unique=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("provider_message_id", sa.String(200)),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        *read,
        sa.Index("ix_notifications_user", "user_id", "sent_at"),
    )


def _read_at(conn: Connection) -> None:
    kind = UtcDateTime().compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE notifications ADD COLUMN read_at {kind}"))


MIGRATIONS = (
    Migration(
        "notification-0001-notifications",
        create_tables(_notifications(sa.MetaData(), version=1)),
    ),
    Migration("notification-0002-read-at", _read_at),
)

notifications = _notifications(sa.MetaData())
