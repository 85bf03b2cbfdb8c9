"""The inbox: which messages a consumer has handled, so each is handled once.

Delivery is at least once (SQS redelivers after a visibility timeout; the outbox may publish a
message twice after a crash), so consumers de-duplicate by the message's own id. A consumer
`claim`s a message id before handling it: the first claim wins and holds a lease; a second
delivery of the same id meanwhile is `busy` (and retried later), and after `complete` it is
`done` (and just deleted). A claim whose lease ran out (its worker died) can be taken over.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa

from services.kit.db import Database, UtcDateTime, utcnow
from services.kit.migrations import Migration, create_tables


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("message_id", sa.String(128), primary_key=True),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("claimed_until", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime()),
        sa.Index("ix_inbox_done", "status", "done_at"),
    )


MIGRATIONS = (Migration("kit-0003-inbox", create_tables(inbox_table(sa.MetaData()))),)
inbox = inbox_table(sa.MetaData())


class Claim(enum.StrEnum):
    NEW = "new"  # handle it
    BUSY = "busy"  # another worker holds it: try again later
    DONE = "done"  # already handled: drop it


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, message_id: str, queue: str, lease_seconds: float) -> Claim:
        now = utcnow()
        until = now + dt.timedelta(seconds=lease_seconds)
        async with self.db.write() as conn:
            inserted = await conn.scalar(
                self.db.insert(inbox)
                .values(
                    message_id=message_id,
                    queue=queue,
                    status="processing",
                    claimed_until=until,
                    attempts=1,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["message_id"])
                .returning(inbox.c.message_id)
            )
            if inserted is not None:
                return Claim.NEW
            taken = await conn.scalar(
                inbox.update()
                .where(
                    inbox.c.message_id == message_id,
                    inbox.c.status == "processing",
                    inbox.c.claimed_until <= now,
                )
                .values(claimed_until=until, attempts=inbox.c.attempts + 1)
                .returning(inbox.c.message_id)
            )
            if taken is not None:
                return Claim.NEW
            status = await conn.scalar(
                sa.select(inbox.c.status).where(inbox.c.message_id == message_id)
            )
        return Claim.DONE if status == "done" else Claim.BUSY

    async def extend(self, message_id: str, lease_seconds: float) -> None:
        until = utcnow() + dt.timedelta(seconds=lease_seconds)
        async with self.db.write() as conn:
            await conn.execute(
                inbox.update()
                .where(inbox.c.message_id == message_id, inbox.c.status == "processing")
                .values(claimed_until=until)
            )

    async def complete(self, message_id: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                inbox.update()
                .where(inbox.c.message_id == message_id)
                .values(status="done", done_at=utcnow())
            )

    async def release(self, message_id: str) -> None:
        """Give up a claim after a failure, so the next delivery may handle it at once."""
        async with self.db.write() as conn:
            await conn.execute(
                inbox.delete().where(
                    inbox.c.message_id == message_id, inbox.c.status == "processing"
                )
            )

    async def prune(self, older_than_seconds: float) -> int:
        """Forget handled messages older than any copy of them could still be delivered."""
        cutoff = utcnow() - dt.timedelta(seconds=older_than_seconds)
        async with self.db.write() as conn:
            result = await conn.execute(
                inbox.delete().where(inbox.c.status == "done", inbox.c.done_at < cutoff)
            )
        return int(result.rowcount or 0)
