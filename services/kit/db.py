"""The service's own database: SQLAlchemy 2 async on PostgreSQL (asyncpg) or SQLite (aiosqlite).

`Database.write()` is one transaction. SQLite allows one writer at a time, so write transactions
are serialised in-process there (plus WAL and a busy timeout for other processes); PostgreSQL
relies on row locks and conditional updates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

_AFTER_COMMIT = "services.after_commit"
ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on both databases (SQLite would drop the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC timestamp")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def async_url(url: str) -> sa.URL:
    """`url` with the async driver of its backend (postgresql:// -> postgresql+asyncpg://)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use postgresql:// or sqlite://")
    return parsed.set(drivername=ASYNC_DRIVERS[backend])


class Database:
    """One engine plus the read/write transaction helpers the services use."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int | None = None) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._write_lock = asyncio.Lock()
        options: dict[str, Any] = {"hide_parameters": True}  # no row data in error messages
        if not self.is_sqlite:
            # No pre-ping (a round trip per checkout on the hot path): connections are recycled
            # instead, and a connection that died anyway fails one request, not silently.
            overflow = pool_size if max_overflow is None else max_overflow
            options.update(pool_size=pool_size, max_overflow=overflow, pool_recycle=300)
        elif self.url.database not in (None, "", ":memory:"):
            from pathlib import Path

            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads. On PostgreSQL each statement runs on its own (no BEGIN and
        ROLLBACK round trips); use `write()` when several reads must see one snapshot."""
        if self.is_sqlite:
            async with self.engine.connect() as conn:
                yield conn
        else:
            async with self.autocommit() as conn:
                yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        callbacks: list[Callable[[], None]] = []
        async with self._transaction() as conn:
            conn.info[_AFTER_COMMIT] = callbacks
            try:
                yield conn
            finally:
                conn.info.pop(_AFTER_COMMIT, None)
        for callback in callbacks:
            callback()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        if self.is_sqlite:
            async with self._write_lock, self.engine.begin() as conn:
                yield conn
        else:
            async with self.engine.begin() as conn:
                yield conn

    @asynccontextmanager
    async def single(self) -> AsyncIterator[AsyncConnection]:
        """A connection for one self-contained write statement: autocommitted on PostgreSQL
        (no BEGIN/COMMIT round trips; the statement is atomic by itself), a serialised write
        transaction on SQLite."""
        if self.is_sqlite:
            async with self.write() as conn:
                yield conn
        else:
            async with self.autocommit() as conn:
                yield conn

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection where each statement commits on its own, inside the server.

        For single-statement writes on hot rows: the row lock is released by the server as the
        statement ends, instead of one client round trip later when COMMIT arrives.
        """
        async with self.engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")

    @staticmethod
    def after_commit(conn: AsyncConnection, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction of `conn` has committed (never on rollback)."""
        conn.info[_AFTER_COMMIT].append(callback)

    def insert(self, table: sa.Table) -> Any:
        """The dialect's INSERT, which offers `on_conflict_do_nothing()`.

        Imported here: a service on SQLite never loads the PostgreSQL dialect (about 2 MiB)."""
        if self.is_sqlite:
            from sqlalchemy.dialects import sqlite

            return sqlite.insert(table)
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions skip SELECTs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "busy_timeout=10000",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")
