"""The transactional outbox and its relay.

A state change and the message announcing it are written in the same database transaction
(`Outbox.add(conn, ...)`), so either both happen or neither does. The relay then publishes
pending rows and marks them sent. A broker outage only delays messages: the request that
produced them has already succeeded, and rows are retried with exponential backoff.

Delivery is at least once (a crash between publishing and marking sent repeats a message), so
every message carries a unique `id` for consumers to de-duplicate. Rows are claimed with a lease
(and SKIP LOCKED on PostgreSQL), so several relays of one service never publish the same row at
the same time, and no transaction stays open while the broker is called.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.kit.background import Loop
from services.kit.db import Database, UtcDateTime, utcnow
from services.kit.logs import request_id_var
from services.kit.messaging import Kind, Publisher, PublishError
from services.kit.migrations import Migration, create_tables

log = logging.getLogger("services.outbox")


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "outbox",
        metadata,
        sa.Column(
            "seq", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), primary_key=True
        ),
        sa.Column("message_id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("destination", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("available_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, default=0),
        sa.Column("sent_at", UtcDateTime()),
        sa.Column("last_error", sa.String(500)),
        sa.Index("ix_outbox_pending", "sent_at", "available_at"),
    )


MIGRATIONS = (Migration("kit-0002-outbox", create_tables(outbox_table(sa.MetaData()))),)
outbox = outbox_table(sa.MetaData())


class Outbox:
    """Writes messages into the outbox inside the caller's transaction."""

    def __init__(self, source: str, check: Callable[[str, str], None] | None = None) -> None:
        """`source` names the service in every envelope; `check` refuses destinations the
        model does not allow (it raises ValueError)."""
        self.source = source
        self._check = check
        self.relay: OutboxRelay | None = None

    def message(self, kind: Kind, destination: str, data: dict[str, Any]) -> dict[str, Any]:
        """The outbox row (column values) of a new message: its envelope with a fresh id."""
        if self._check is not None:
            self._check(kind, destination)
        message_id = str(uuid.uuid4())
        now = utcnow()
        envelope = {
            "id": message_id,
            "type": destination,
            "source": self.source,
            "occurred_at": now.isoformat(),
            "request_id": request_id_var.get(),
            "data": data,
        }
        return {
            "message_id": message_id,
            "kind": kind,
            "destination": destination,
            "body": json.dumps(envelope, separators=(",", ":"), default=str),
            "created_at": now,
            "available_at": now,
            "attempts": 0,
        }

    async def add(
        self, conn: AsyncConnection, kind: Kind, destination: str, data: dict[str, Any]
    ) -> str:
        """Queue a message for `destination` in the transaction of `conn`; return its id."""
        row = self.message(kind, destination, data)
        await conn.execute(outbox.insert().values(**row))
        if self.relay is not None:
            Database.after_commit(conn, self.relay.wake_soon)
        return str(row["message_id"])

    def committed(self) -> None:
        """Rows were written outside `add` (a single-statement write that inserts its own
        outbox rows) and are committed: wake the relay."""
        if self.relay is not None:
            self.relay.wake_soon()


def _chunks(rows: list[Any]) -> list[list[Any]]:
    """Consecutive rows for the same destination, at most 10 to a chunk (the broker's batch
    limit); order is kept within each destination."""
    chunks: list[list[Any]] = []
    by_destination: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        key = (row.kind, row.destination)
        chunk = by_destination.get(key)
        if chunk is None or len(chunk) == 10:
            chunk = by_destination[key] = []
            chunks.append(chunk)
        chunk.append(row)
    return chunks


class OutboxRelay:
    """Publishes pending outbox rows; runs as a background task of the service."""

    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        *,
        poll_seconds: float = 1.0,
        batch: int = 100,
        max_backoff_seconds: float = 60.0,
        lease_seconds: float = 60.0,
        linger_seconds: float = 0.05,
    ) -> None:
        """`linger_seconds`: after a round that sent less than a full batch, the pause before
        the next one. A relay woken by every commit would otherwise go round once per
        message or two under load (two transactions and a broker call each); lingering lets
        the messages of that moment go out together, at the cost of that much latency. A
        round that finds nothing waits to be woken (or `poll_seconds`) as before, so the first
        message after a quiet time goes out at once."""
        self.db = db
        self.publisher = publisher
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.max_backoff = max_backoff_seconds
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.linger = linger_seconds
        self._loop = Loop("outbox-relay", self._step, poll_seconds)

    def wake_soon(self) -> None:
        self._loop.wake()

    async def relay_once(self) -> tuple[int, int]:
        """Publish one batch of due messages: (sent, failed)."""
        rows = await self._claim()
        if not rows:
            return 0, 0
        sent, failed = await asyncio.to_thread(self._publish, rows)
        await self._settle(sent, failed)
        if failed:
            log.warning(
                "outbox publish failed; will retry",
                extra={"failed": len(failed), "sent": len(sent), "error": failed[0][2]},
            )
        return len(sent), len(failed)

    def _publish(self, rows: list[Any]) -> tuple[list[int], list[tuple[int, int, str]]]:
        """Send `rows` in batches of up to 10 per destination, in order (in a worker
        thread). After a failed call the rest wait for the next round."""
        sent: list[int] = []
        failed: list[tuple[int, int, str]] = []
        for chunk in _chunks(rows):
            if failed and not sent:  # the broker is down: do not try every destination
                failed += [(row.seq, row.attempts, failed[0][2]) for row in chunk]
                continue
            entries = [
                (
                    str(row.seq),
                    row.body,
                    {"message_id": row.message_id, "type": row.destination},
                )
                for row in chunk
            ]
            try:
                errors = self.publisher.publish_batch(chunk[0].kind, chunk[0].destination, entries)
            except PublishError as exc:
                failed += [(row.seq, row.attempts, str(exc)[:500]) for row in chunk]
                continue
            for row in chunk:
                if str(row.seq) in errors:
                    failed.append((row.seq, row.attempts, errors[str(row.seq)][:500]))
                else:
                    sent.append(row.seq)
        return sent, failed

    async def _claim(self) -> list[Any]:
        now = utcnow()
        query = (
            sa.select(
                outbox.c.seq,
                outbox.c.message_id,
                outbox.c.kind,
                outbox.c.destination,
                outbox.c.body,
                outbox.c.attempts,
            )
            .where(outbox.c.sent_at.is_(None), outbox.c.available_at <= now)
            .order_by(outbox.c.seq)
            .limit(self.batch)
        )
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        async with self.db.write() as conn:
            rows = list(await conn.execute(query))
            if rows:
                await conn.execute(
                    outbox.update()
                    .where(outbox.c.seq.in_([row.seq for row in rows]))
                    .values(available_at=now + self.lease, attempts=outbox.c.attempts + 1)
                )
        return rows

    async def _settle(self, sent: list[int], failed: list[tuple[int, int, str]]) -> None:
        if not sent and not failed:
            return
        now = utcnow()
        async with self.db.write() as conn:
            if sent:
                await conn.execute(
                    outbox.update()
                    .where(outbox.c.seq.in_(sent))
                    .values(sent_at=now, last_error=None)
                )
            for seq, attempts, error in failed:
                delay = min(self.max_backoff, self.poll_seconds * 2 ** min(attempts, 16))
                await conn.execute(
                    outbox.update()
                    .where(outbox.c.seq == seq)
                    .values(available_at=now + dt.timedelta(seconds=delay), last_error=error)
                )

    async def pending(self) -> int:
        async with self.db.read() as conn:
            count = await conn.scalar(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            )
        return int(count or 0)

    async def _step(self) -> bool:
        """True: go round again now (more may be waiting); False: wait to be woken."""
        sent, failed = await self.relay_once()
        if failed or not sent:
            return False
        if sent < self.batch and self.linger > 0:
            await asyncio.sleep(self.linger)  # let what comes meanwhile join the next round
        return True

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
