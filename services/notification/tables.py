"""The notification store: one row per email sent, keyed by the message that asked for it."""

from __future__ import annotations

import sqlalchemy as sa

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _notifications(metadata: sa.MetaData) -> sa.Table:
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
        sa.Index("ix_notifications_user", "user_id", "sent_at"),
    )


MIGRATIONS = (
    Migration("notification-0001-notifications", create_tables(_notifications(sa.MetaData()))),
)

notifications = _notifications(sa.MetaData())
