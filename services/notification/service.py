"""Sending the email a message asks for, and keeping a record of it; no knowledge of HTTP.

The queue consumer (services.kit.consumer) has already made sure that no other worker is
handling the same message and that it was not handled before; this records the email under the
message's id as well, so the history shows each email once even if a worker died after sending
and the message was handled again.
"""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa

from services.kit.consumer import Handler, Message
from services.kit.db import Database, utcnow
from services.kit.errors import NotFound
from services.notification.emails import EMAILS, Email, SesMailer, Templates
from services.notification.schema import NotificationOut
from services.notification.tables import notifications


class NotificationService:
    def __init__(self, db: Database, templates: Templates, mailer: SesMailer) -> None:
        self.db = db
        self.templates = templates
        self.mailer = mailer

    def handlers(self) -> dict[str, Handler]:
        """One handler per queue: the message's email, sent and recorded."""

        def handler(queue: str) -> Handler:
            decide = EMAILS[queue]

            async def handle(message: Message) -> None:
                email = decide(message)
                if email is not None:
                    await self.send(message.id, email)

            return handle

        return {queue: handler(queue) for queue in EMAILS}

    async def send(self, message_id: str, email: Email) -> None:
        rendered = self.templates.render(email)
        provider_id = await asyncio.to_thread(self.mailer.send, email.to, rendered)
        async with self.db.write() as conn:
            await conn.execute(
                self.db.insert(notifications)
                .values(
                    id=str(uuid.uuid4()),
                    message_id=message_id,
                    user_id=email.user_id,
                    kind=email.kind,
                    channel="email",
                    recipient=email.to,
                    subject=rendered.subject,
                    provider_message_id=provider_id,
                    sent_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["message_id"])
            )

    async def list_for(
        self, user_id: str, limit: int, *, unread: bool = False
    ) -> list[NotificationOut]:
        """The user's notifications, newest first (only unread ones if asked)."""
        stmt = sa.select(notifications).where(notifications.c.user_id == user_id)
        if unread:
            stmt = stmt.where(notifications.c.read_at.is_(None))
        async with self.db.read() as conn:
            rows = await conn.execute(
                stmt.order_by(notifications.c.sent_at.desc(), notifications.c.id).limit(limit)
            )
            return [NotificationOut.model_validate(row._mapping) for row in rows]

    async def unread_count(self, user_id: str) -> int:
        async with self.db.read() as conn:
            count = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(notifications)
                .where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
            )
        return int(count or 0)

    async def mark_read(self, user_id: str, notification_id: str) -> NotificationOut:
        """Mark one of the user's notifications read (again: it keeps its first read time);
        anyone else's is NotFound."""
        async with self.db.write() as conn:
            await conn.execute(
                notifications.update()
                .where(
                    notifications.c.id == notification_id,
                    notifications.c.user_id == user_id,
                    notifications.c.read_at.is_(None),
                )
                .values(read_at=utcnow())
            )
            row = (
                await conn.execute(
                    sa.select(notifications).where(
                        notifications.c.id == notification_id, notifications.c.user_id == user_id
                    )
                )
            ).first()
        if row is None:
            raise NotFound("notification not found")
        return NotificationOut.model_validate(row._mapping)

    async def mark_all_read(self, user_id: str) -> int:
        """Mark every unread notification of the user read; how many were unread."""
        async with self.db.write() as conn:
            result = await conn.execute(
                notifications.update()
                .where(notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
                .values(read_at=utcnow())
            )
        return int(result.rowcount or 0)
