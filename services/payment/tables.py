"""The payment database (payment-db): one row per idempotency key.

No column can hold a card number: only its last four digits and network are kept.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _payments(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "payments",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("booking_id", sa.String(64)),
        sa.Column("user_id", sa.String(36)),
        sa.Column("user_email", sa.String(254)),
        sa.Column("amount_cents", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decline_reason", sa.String(50)),
        sa.Column("card_last4", sa.String(4)),
        sa.Column("card_brand", sa.String(20)),
        sa.Column("fingerprint", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("refunded_at", UtcDateTime()),
        sa.CheckConstraint(
            "status IN ('succeeded', 'declined', 'refunded', 'voided')", name="ck_payments_status"
        ),
        sa.CheckConstraint("amount_cents IS NULL OR amount_cents >= 0", name="ck_payments_amount"),
        sa.Index("ix_payments_user", "user_id", "created_at"),
    )


MIGRATIONS = (Migration("payment-0001-payments", create_tables(_payments(sa.MetaData()))),)

payments = _payments(sa.MetaData())
