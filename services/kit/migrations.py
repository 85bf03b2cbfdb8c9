"""A small versioned schema migrator (instead of Alembic; see docs/decisions.md).

Each migration is an id plus a function that runs DDL on a synchronous connection. They are
applied in order, each recorded in `schema_migrations`, all in one transaction; on PostgreSQL an
advisory lock makes concurrent starts (several tasks of one service) apply them once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.kit.db import Database, UtcDateTime, utcnow

_metadata = sa.MetaData()
schema_migrations = sa.Table(
    "schema_migrations",
    _metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    """One schema step. `apply` must create exactly what this step introduces, frozen in time."""

    id: str
    apply: Callable[[Connection], None]


class MigrationError(Exception):
    """The database does not match the code's migration history."""


def create_tables(*tables: sa.Table) -> Callable[[Connection], None]:
    """A migration step creating `tables` (defined inside the step, so later edits can't leak)."""

    def apply(conn: Connection) -> None:
        for table in tables:
            conn.execute(sa.schema.CreateTable(table))
            for index in table.indexes:
                conn.execute(sa.schema.CreateIndex(index))

    return apply


async def migrate(db: Database, migrations: Sequence[Migration]) -> list[str]:
    """Apply the pending `migrations`; return the ids applied now."""
    ids = [m.id for m in migrations]
    if len(set(ids)) != len(ids):
        raise MigrationError(f"duplicate migration ids in {ids}")
    async with db.write() as conn:
        if not db.is_sqlite:
            key = zlib.crc32(b"schema_migrations")
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        await conn.run_sync(lambda sync: _metadata.create_all(sync, checkfirst=True))
        rows = await conn.execute(sa.select(schema_migrations.c.id))
        applied = {row.id for row in rows}
        unknown = applied - set(ids)
        if unknown:
            raise MigrationError(
                f"the database has migrations this code does not know: {sorted(unknown)} "
                "(is an older version of the service running against a newer database?)"
            )
        done: list[str] = []
        for migration in migrations:
            if migration.id in applied:
                continue
            await conn.run_sync(migration.apply)
            await conn.execute(
                schema_migrations.insert().values(id=migration.id, applied_at=utcnow())
            )
            done.append(migration.id)
        return done
