"""The audit trail: one record per state-changing request, whatever its outcome.

Records are {ts, service, actor, action, resource, outcome, request_id, client_ip}. They go to
MongoDB/DocumentDB (collection `audit`) when AUDIT_MONGO_URL is set, otherwise to the service's
`audit_log` table. A background task writes them in batches so a request never waits for the
audit store; the buffer is flushed at shutdown, and a failed batch is retried, not dropped
(unless the buffer overflows, which is logged with the number of records lost).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

from services.kit.background import Loop
from services.kit.db import Database, UtcDateTime, utcnow
from services.kit.migrations import Migration, create_tables

log = logging.getLogger("services.audit")


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    DENIED = "denied"  # 401/403
    REJECTED = "rejected"  # other 4xx
    ERROR = "error"  # 5xx

    @classmethod
    def from_status(cls, status: int) -> Outcome:
        if status < 400:
            return cls.SUCCESS
        if status in (401, 403):
            return cls.DENIED
        return cls.REJECTED if status < 500 else cls.ERROR


@dataclass
class AuditNote:
    """What the endpoint says about the current request (the middleware fills in the rest)."""

    action: str | None = None
    resource: str | None = None
    actor: str | None = None


audit_var: ContextVar[AuditNote | None] = ContextVar("audit_note", default=None)


def note_audit(
    *, action: str | None = None, resource: str | None = None, actor: str | None = None
) -> None:
    """Describe the current request for its audit record (no-op outside a request)."""
    note = audit_var.get()
    if note is None:
        return
    if action is not None:
        note.action = action
    if resource is not None:
        note.resource = resource
    if actor is not None:
        note.actor = actor


@dataclass(frozen=True)
class AuditRecord:
    ts: dt.datetime
    service: str
    actor: str | None
    action: str
    resource: str | None
    outcome: str
    request_id: str
    client_ip: str | None


def _fields(record: AuditRecord) -> dict[str, Any]:
    return dict(vars(record))  # not dataclasses.asdict: it deep-copies every value


class AuditSink(Protocol):
    async def write(self, records: list[AuditRecord]) -> None: ...


def audit_log_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "audit_log",
        metadata,
        sa.Column("id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), primary_key=True),
        sa.Column("ts", UtcDateTime(), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("action", sa.String(200), nullable=False),
        sa.Column("resource", sa.String(200)),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("client_ip", sa.String(64)),
        sa.Index("ix_audit_log_ts", "ts"),
    )


MIGRATIONS = (Migration("kit-0001-audit-log", create_tables(audit_log_table(sa.MetaData()))),)
audit_log = audit_log_table(sa.MetaData())


class TableSink:
    """Audit records in the service's own `audit_log` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def write(self, records: list[AuditRecord]) -> None:
        async with self.db.write() as conn:
            await conn.execute(audit_log.insert(), [_fields(r) for r in records])


class MongoSink:
    """Audit records in a MongoDB/DocumentDB collection (pymongo's synchronous client)."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection

    async def write(self, records: list[AuditRecord]) -> None:
        documents = [_fields(r) for r in records]
        await asyncio.to_thread(self.collection.insert_many, documents, ordered=False)


def mongo_collection(url: str, database: str) -> Any:
    """The `audit` collection at `url` (TLS and credentials as the URL says)."""
    from pymongo import MongoClient

    client: Any = MongoClient(url, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000)
    return client[database]["audit"]


class AuditWriter:
    """Buffers records and writes them in batches from a background task."""

    def __init__(
        self, sink: AuditSink, *, flush_seconds: float = 0.5, max_buffer: int = 50_000
    ) -> None:
        self.sink = sink
        self.flush_seconds = flush_seconds
        self._buffer: deque[AuditRecord] = deque()
        self._max = max_buffer
        self._dropped = 0
        self._loop = Loop("audit-writer", self._step, flush_seconds)
        self._flushing = asyncio.Lock()

    def submit(self, **fields: Any) -> None:
        if len(self._buffer) >= self._max:
            self._buffer.popleft()
            self._dropped += 1
        self._buffer.append(AuditRecord(ts=utcnow(), **fields))
        if len(self._buffer) >= 500:
            self._loop.wake()

    async def flush(self) -> None:
        """Write everything submitted so far (waiting for a batch already being written);
        on failure keep the records for the next try."""
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        if self._dropped:
            log.error("audit buffer overflowed", extra={"dropped": self._dropped})
            self._dropped = 0
        while self._buffer:
            batch = [self._buffer.popleft() for _ in range(min(len(self._buffer), 1000))]
            try:
                await self.sink.write(batch)
            except Exception:
                self._buffer.extendleft(reversed(batch))
                raise

    async def _step(self) -> bool:
        try:
            await self.flush()
        except Exception:
            log.exception("audit write failed; will retry")
        return False

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        try:
            await self.flush()
        except Exception:
            log.exception("audit records lost at shutdown", extra={"count": len(self._buffer)})
