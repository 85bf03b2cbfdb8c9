"""The auth database (auth-db): users. Sessions live in the store, not here."""

from __future__ import annotations

import sqlalchemy as sa

from services.kit.db import UtcDateTime
from services.kit.migrations import Migration, create_tables


def _users(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "users",
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


MIGRATIONS = (Migration("auth-0001-users", create_tables(_users(sa.MetaData()))),)

users = _users(sa.MetaData())
