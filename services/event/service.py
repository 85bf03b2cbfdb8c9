"""The event catalogue and seat inventory, with no knowledge of HTTP.

Seats are reserved with one conditional UPDATE (`seats_available >= n`), which the database
applies atomically per row: however many reservations race, the count never goes below zero
(and a CHECK constraint backs that up). Reservations carry the caller's id, so repeating one
after a timeout neither double-books nor double-releases.

Releasing an id that holds nothing yet records a tombstone (`voided`): a caller that gave up on
a reservation (a timeout, a 5xx) releases it, and if the reservation itself was still on its
way, it is refused when it arrives (410, code `reservation_released`) instead of holding seats
nobody would ever release. Tombstone and hold share the reservation id's primary key, so
whichever is written first wins, however the two race.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.event.schema import (
    EventIn,
    EventOut,
    EventPage,
    EventPatch,
    EventQuery,
    OrganizerEventOut,
    OrganizerEventPage,
    OrganizerEventQuery,
    ReservationOut,
)
from services.event.tables import events, seat_reservations
from services.kit.db import Database, UtcDateTime, utcnow
from services.kit.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from services.kit.outbox import Outbox
from services.kit.store import MemoryStore, Store

STARTS_IN_PAST = "The start time must be in the future."
ENDS_BEFORE_START = "The end time must be after the start time."
GENERATION_KEY = "events:list-generation"
RESERVATION_RELEASED = "reservation_released"  # the error code of a reservation id tombstoned

# PostgreSQL's one-statement reservation. `taken` sees an existing reservation id (a retry),
# `updated` takes the seats only if enough are left, `inserted` records the hold only if
# `updated` took them. All or nothing, as one statement.
RESERVE_SQL = (
    sa.text(
        """
    WITH taken AS (
        SELECT 1 FROM seat_reservations WHERE reservation_id = :reservation_id
    ), updated AS (
        UPDATE events
        SET seats_available = seats_available - :seats, updated_at = :now
        WHERE id = :event_id AND status = 'published' AND seats_available >= :seats
          AND NOT EXISTS (SELECT 1 FROM taken)
        RETURNING seats_available, price_cents, currency, title, starts_at
    ), inserted AS (
        INSERT INTO seat_reservations
            (reservation_id, event_id, seats, status, caller, created_at, updated_at,
             price_cents)
        SELECT :reservation_id, :event_id, :seats, 'held', :caller, :now, :now, price_cents
        FROM updated
        ON CONFLICT (reservation_id) DO NOTHING
        RETURNING reservation_id
    )
    SELECT (SELECT seats_available FROM updated) AS seats_left,
           (SELECT price_cents FROM updated) AS price_cents,
           (SELECT currency FROM updated) AS currency,
           (SELECT title FROM updated) AS title,
           (SELECT starts_at FROM updated) AS starts_at,
           (SELECT count(*) FROM inserted) AS inserted,
           (SELECT count(*) FROM taken) AS taken
    """
    )
    .bindparams(sa.bindparam("now", type_=UtcDateTime()))
    .columns(starts_at=UtcDateTime())
)


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(starts_at: dt.datetime, event_id: str) -> str:
    raw = json.dumps([starts_at.isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        starts_at, event_id = json.loads(raw)
        when = dt.datetime.fromisoformat(starts_at)
        if when.tzinfo is None or not isinstance(event_id, str):
            raise ValueError
        return when, event_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid(
            "This page link has expired; start again from the first page.",
            code="bad_cursor",
            field="cursor",
        ) from None


def _held(reservation_id: str, event_id: str, seats: int, row: Any) -> ReservationOut:
    """A hold just taken, from the event row the reservation updated."""
    return ReservationOut(
        reservation_id=reservation_id,
        event_id=event_id,
        seats=seats,
        status="held",
        seats_available=int(row.seats_left),
        price_cents=row.price_cents,
        currency=row.currency,
        event_title=row.title,
        starts_at=row.starts_at,
    )


def _event(row: Any) -> EventOut:
    return EventOut.model_validate(row._mapping, from_attributes=False)


class EventService:
    def __init__(
        self, db: Database, store: Store, outbox: Outbox, *, list_cache_seconds: float = 10.0
    ) -> None:
        self.db = db
        self.store = store
        self.outbox = outbox
        self.list_cache_seconds = list_cache_seconds
        self._local_pages = store if isinstance(store, MemoryStore) else MemoryStore(2_000)

    # -- catalogue -----------------------------------------------------------------------

    async def list_page_json(self, query: EventQuery) -> bytes:
        """One page of published events, soonest first, as JSON (cached, see settings).

        Pages are cached under the current list generation, which every change to an event
        bumps in the shared store, so a change is visible at once on every instance. Each
        instance also keeps the pages it served in memory (same key), which saves fetching
        the page itself from Redis on every hit.
        """
        if not self.list_cache_seconds:
            return (await self.list_page(query)).model_dump_json().encode()
        generation = (await self.store.get(GENERATION_KEY) or b"0").decode()
        fingerprint = hashlib.sha256(query.model_dump_json().encode()).hexdigest()[:32]
        key = f"events:list:{generation}:{fingerprint}"
        cached = await self._local_pages.get(key)
        if cached is None and self.store is not self._local_pages:
            cached = await self.store.get(key)
            if cached is not None:
                await self._local_pages.set(key, cached, ttl=self.list_cache_seconds)
        if cached is not None:
            return cached
        body = (await self.list_page(query)).model_dump_json().encode()
        await self.store.set(key, body, ttl=self.list_cache_seconds)
        await self._local_pages.set(key, body, ttl=self.list_cache_seconds)
        return body

    async def list_page(self, query: EventQuery) -> EventPage:
        """Published events matching `query`, soonest first (then by id), one page after the
        cursor, with the number of matches over all pages."""
        start = query.from_ or utcnow()
        matching = [events.c.status == "published", events.c.starts_at >= start]
        if query.to is not None:
            matching.append(events.c.starts_at < query.to)
        if query.q:
            pattern = _like_pattern(query.q)
            matching.append(
                sa.or_(
                    *(
                        sa.func.lower(column).like(pattern, escape="\\")
                        for column in (events.c.title, events.c.description, events.c.venue)
                    )
                )
            )
        stmt = sa.select(events).where(*matching)
        count = sa.select(sa.func.count()).select_from(events).where(*matching)
        if query.cursor:
            after_start, after_id = decode_cursor(query.cursor)
            stmt = stmt.where(
                sa.or_(
                    events.c.starts_at > after_start,
                    sa.and_(events.c.starts_at == after_start, events.c.id > after_id),
                )
            )
        stmt = stmt.order_by(events.c.starts_at, events.c.id).limit(query.limit + 1)
        async with self.db.read() as conn:
            rows = list(await conn.execute(stmt))
            total = int(await conn.scalar(count) or 0)
        items = [_event(row) for row in rows[: query.limit]]
        next_cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            next_cursor = encode_cursor(last.starts_at, last.id)
        return EventPage(items=items, total=total, next_cursor=next_cursor)

    async def organizer_page(
        self, organizer_id: str, query: OrganizerEventQuery
    ) -> OrganizerEventPage:
        """The organizer's events (past, cancelled and upcoming), latest start first, each
        with its seats sold and revenue."""
        mine = [events.c.organizer_id == organizer_id]
        if query.status is not None:
            mine.append(events.c.status == query.status)
        held = (
            sa.select(
                sa.func.coalesce(
                    sa.func.sum(
                        seat_reservations.c.seats
                        * sa.func.coalesce(seat_reservations.c.price_cents, events.c.price_cents)
                    ),
                    0,
                )
            )
            .where(
                seat_reservations.c.event_id == events.c.id,
                seat_reservations.c.status == "held",
            )
            .correlate(events)
            .scalar_subquery()
        )
        stmt = (
            sa.select(events, held.label("revenue_cents"))
            .where(*mine)
            .order_by(events.c.starts_at.desc(), events.c.id)
            .limit(query.limit)
            .offset(query.offset)
        )
        count = sa.select(sa.func.count()).select_from(events).where(*mine)
        async with self.db.read() as conn:
            rows = list(await conn.execute(stmt))
            total = int(await conn.scalar(count) or 0)
        items = [OrganizerEventOut.model_validate(row._mapping) for row in rows]
        return OrganizerEventPage(items=items, total=total, limit=query.limit, offset=query.offset)

    async def get(self, event_id: str) -> EventOut:
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(events).where(events.c.id == event_id))).first()
        if row is None:
            raise NotFound("event not found")
        return _event(row)

    async def _invalidate_lists(self) -> None:
        """Every cached page, on every instance, is stale from now on: they are keyed by the
        generation this bumps in the shared store (Redis), and the in-process copies by the
        same key. The event page (GET /{id}) is never cached."""
        await self.store.incr(GENERATION_KEY)

    async def create(
        self, organizer_id: str, data: EventIn, *, organizer_name: str = ""
    ) -> EventOut:
        now = utcnow()
        if data.starts_at <= now:
            raise Invalid(STARTS_IN_PAST, code="starts_in_past", field="starts_at")
        values = {
            **data.model_dump(),
            "id": str(uuid.uuid4()),
            "seats_available": data.capacity,
            "organizer_id": organizer_id,
            "organizer_name": organizer_name,
            "status": "published",
            "created_at": now,
            "updated_at": now,
        }
        async with self.db.write() as conn:
            await conn.execute(events.insert().values(**values))
            event = await self._load(conn, values["id"])
            await self.outbox.add(conn, "topic", "event-created", event.model_dump(mode="json"))
        await self._invalidate_lists()
        return event

    async def _load(self, conn: AsyncConnection, event_id: str, *, lock: bool = False) -> EventOut:
        stmt = sa.select(events).where(events.c.id == event_id)
        if lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        row = (await conn.execute(stmt)).first()
        if row is None:
            raise NotFound("event not found")
        return _event(row)

    async def update(self, organizer_id: str, event_id: str, patch: EventPatch) -> EventOut:
        """Change an event (its organizer only): not once cancelled or started; capacity may
        not drop below seats sold."""
        changes = patch.model_dump(exclude_unset=True)
        now = utcnow()
        async with self.db.write() as conn:
            current = await self._load(conn, event_id, lock=True)
            if current.organizer_id != organizer_id:
                raise Forbidden("only the event's organizer may change it")
            if current.status == "cancelled":
                raise Conflict("the event is cancelled", code="event_cancelled")
            if current.starts_at <= now:
                raise Conflict(
                    "the event has already started and can no longer be changed",
                    code="event_started",
                )
            merged = current.model_copy(update=changes)
            if "starts_at" in changes and merged.starts_at <= now:
                raise Invalid(STARTS_IN_PAST, code="starts_in_past", field="starts_at")
            if merged.ends_at <= merged.starts_at:
                raise Invalid(ENDS_BEFORE_START, code="ends_before_start", field="ends_at")
            values = dict(changes, updated_at=now)
            if "capacity" in changes:
                sold = current.capacity - current.seats_available
                if merged.capacity < sold:
                    raise Conflict(
                        f"capacity cannot drop below the {sold} seats already sold",
                        code="capacity_below_sold",
                    )
                values["seats_available"] = merged.capacity - sold
            await conn.execute(events.update().where(events.c.id == event_id).values(**values))
            event = await self._load(conn, event_id)
            await self.outbox.add(
                conn,
                "queue",
                "event-updated",
                {
                    "change": "updated",
                    "fields": sorted(changes),
                    "event": event.model_dump(mode="json"),
                },
            )
        await self._invalidate_lists()
        return event

    async def cancel(self, organizer_id: str, event_id: str) -> EventOut:
        """Cancel an event (its organizer only); cancelling twice changes nothing."""
        async with self.db.write() as conn:
            current = await self._load(conn, event_id, lock=True)
            if current.organizer_id != organizer_id:
                raise Forbidden("only the event's organizer may cancel it")
            if current.status == "cancelled":
                return current
            await conn.execute(
                events.update()
                .where(events.c.id == event_id)
                .values(status="cancelled", updated_at=utcnow())
            )
            event = await self._load(conn, event_id)
            await self.outbox.add(
                conn,
                "queue",
                "event-updated",
                {
                    "change": "cancelled",
                    "fields": ["status"],
                    "event": event.model_dump(mode="json"),
                },
            )
        await self._invalidate_lists()
        return event

    # -- seat inventory ------------------------------------------------------------------

    async def reserve(
        self, event_id: str, reservation_id: str, seats: int, caller: str
    ) -> tuple[ReservationOut, bool]:
        """Hold `seats` for `reservation_id`: (reservation, created now?).

        Conflict when there are not enough seats, Gone when the event is cancelled or the id
        was released before this reservation arrived (code `reservation_released`), NotFound
        when the event does not exist. Repeating a reservation returns it unchanged.
        """
        reservation, created = await self._reserve(event_id, reservation_id, seats, caller)
        if created:
            await self._invalidate_lists()  # seats left changed: no page may show the old count
        return reservation, created

    async def _reserve(
        self, event_id: str, reservation_id: str, seats: int, caller: str
    ) -> tuple[ReservationOut, bool]:
        now = utcnow()
        if not self.db.is_sqlite:
            return await self._reserve_in_one_statement(
                event_id, reservation_id, seats, caller, now
            )
        async with self.db.write() as conn:
            try:
                inserted = await self._insert_reservation(
                    conn, event_id, reservation_id, seats, caller, now
                )
            except IntegrityError:  # the event id is unknown (foreign key)
                raise NotFound("event not found") from None
            if inserted is None:
                return await self._repeated(conn, event_id, reservation_id, seats), False
            taken = (
                await conn.execute(
                    events.update()
                    .where(
                        events.c.id == event_id,
                        events.c.status == "published",
                        events.c.seats_available >= seats,
                    )
                    .values(seats_available=events.c.seats_available - seats, updated_at=now)
                    .returning(
                        events.c.seats_available.label("seats_left"),
                        events.c.price_cents,
                        events.c.currency,
                        events.c.title,
                        events.c.starts_at,
                    )
                )
            ).first()
            if taken is None:
                await self._why_not(conn, event_id, seats)
            return _held(reservation_id, event_id, seats, taken), True

    async def _reserve_in_one_statement(
        self, event_id: str, reservation_id: str, seats: int, caller: str, now: dt.datetime
    ) -> tuple[ReservationOut, bool]:
        """PostgreSQL: check, decrement and record in one autocommitted statement, so the hot
        event row stays locked only while the server runs it (see `Database.autocommit`)."""
        async with self.db.autocommit() as conn:
            row = (
                await conn.execute(
                    RESERVE_SQL,
                    {
                        "reservation_id": reservation_id,
                        "event_id": event_id,
                        "seats": seats,
                        "caller": caller,
                        "now": now,
                    },
                )
            ).one()
            if row.taken:
                return await self._repeated(conn, event_id, reservation_id, seats), False
            if row.seats_left is None:
                await self._why_not(conn, event_id, seats)
            if not row.inserted:
                # The same new reservation id raced itself (or a release tombstoned it): the
                # loser gives its seats back.
                await conn.execute(
                    events.update()
                    .where(events.c.id == event_id)
                    .values(seats_available=events.c.seats_available + seats)
                )
                return await self._repeated(conn, event_id, reservation_id, seats), False
        return _held(reservation_id, event_id, seats, row), True

    async def _insert_reservation(
        self,
        conn: AsyncConnection,
        event_id: str,
        reservation_id: str,
        seats: int,
        caller: str,
        now: dt.datetime,
    ) -> str | None:
        """Insert the hold; None when this reservation id already exists."""
        result = await conn.execute(
            self.db.insert(seat_reservations)
            .values(
                reservation_id=reservation_id,
                event_id=event_id,
                seats=seats,
                status="held",
                caller=caller,
                created_at=now,
                updated_at=now,
                price_cents=sa.select(events.c.price_cents)
                .where(events.c.id == event_id)
                .scalar_subquery(),
            )
            .on_conflict_do_nothing(index_elements=["reservation_id"])
            .returning(seat_reservations.c.reservation_id)
        )
        inserted: str | None = result.scalar()
        return inserted

    async def _why_not(self, conn: AsyncConnection, event_id: str, seats: int) -> None:
        row = (
            await conn.execute(
                sa.select(events.c.status, events.c.seats_available).where(events.c.id == event_id)
            )
        ).first()
        if row is None:
            raise NotFound("event not found")
        if row.status != "published":
            raise Gone("the event is cancelled")
        raise Conflict(
            f"Not enough seats left: {row.seats_available} left, {seats} asked.",
            code="not_enough_seats",
        )

    async def _repeated(
        self, conn: AsyncConnection, event_id: str, reservation_id: str, seats: int
    ) -> ReservationOut:
        """A reservation id seen before: the same request repeated gets the reservation back;
        a tombstone refuses it; other seats for the same id are a conflict."""
        existing = await self._existing(conn, event_id, reservation_id)
        if existing.status == "voided":
            raise Gone(
                f"reservation {reservation_id} was released before it arrived: it holds no "
                "seats and cannot be used again (reserve with a new id)",
                code=RESERVATION_RELEASED,
            )
        if existing.seats != seats:
            raise Conflict("this reservation id was used for a different number of seats")
        return existing

    async def _existing(
        self, conn: AsyncConnection, event_id: str, reservation_id: str
    ) -> ReservationOut:
        row = (
            await conn.execute(
                sa.select(
                    *(c for c in seat_reservations.c if c.name != "price_cents"),
                    events.c.seats_available,
                    events.c.price_cents,
                    events.c.currency,
                    events.c.title,
                    events.c.starts_at,
                )
                .join(events, events.c.id == seat_reservations.c.event_id)
                .where(seat_reservations.c.reservation_id == reservation_id)
            )
        ).first()
        if row is None or row.event_id != event_id:
            raise NotFound("reservation not found")
        return ReservationOut(
            reservation_id=row.reservation_id,
            event_id=row.event_id,
            seats=row.seats,
            status=row.status,
            seats_available=row.seats_available,
            price_cents=row.price_cents,
            currency=row.currency,
            event_title=row.title,
            starts_at=row.starts_at,
        )

    async def prune_tombstones(self, older_than: dt.timedelta, batch: int = 1_000) -> int:
        """Delete up to `batch` tombstones (voided ids) older than `older_than`; how many.

        A tombstone only has to outlive the requests that could still carry its id, and
        those give up within the booking service's call timeout; the age is a wide margin
        over that (see docs/decisions.md)."""
        cutoff = utcnow() - older_than
        old = (
            sa.select(seat_reservations.c.reservation_id)
            .where(seat_reservations.c.status == "voided", seat_reservations.c.created_at < cutoff)
            .limit(batch)
        )
        async with self.db.write() as conn:
            result = await conn.execute(
                seat_reservations.delete().where(
                    seat_reservations.c.reservation_id.in_(old.scalar_subquery()),
                    seat_reservations.c.status == "voided",
                )
            )
        return int(result.rowcount or 0)

    async def reservation(self, event_id: str, reservation_id: str) -> ReservationOut:
        async with self.db.read() as conn:
            return await self._existing(conn, event_id, reservation_id)

    async def release(self, event_id: str, reservation_id: str, caller: str) -> ReservationOut:
        """Give a reservation's seats back; releasing twice gives them back once.

        An id with no reservation yet is voided (a tombstone), so that a reservation with it
        arriving later is refused. NotFound when the event does not exist.
        """
        now = utcnow()
        async with self.db.write() as conn:
            seats = await self._release_held(conn, event_id, reservation_id, now)
            if seats is None:
                try:
                    voided = await conn.scalar(
                        self.db.insert(seat_reservations)
                        .values(
                            reservation_id=reservation_id,
                            event_id=event_id,
                            seats=0,
                            status="voided",
                            caller=caller,
                            created_at=now,
                            updated_at=now,
                        )
                        .on_conflict_do_nothing(index_elements=["reservation_id"])
                        .returning(seat_reservations.c.reservation_id)
                    )
                except IntegrityError:  # the event id is unknown (foreign key)
                    raise NotFound("event not found") from None
                if voided is None:
                    # The id exists after all: a reservation committed between the two
                    # statements (on PostgreSQL the insert waited for it). Release that.
                    seats = await self._release_held(conn, event_id, reservation_id, now)
            if seats is not None:
                await conn.execute(
                    events.update()
                    .where(events.c.id == event_id)
                    .values(seats_available=events.c.seats_available + seats, updated_at=now)
                )
            released = await self._existing(conn, event_id, reservation_id)
        if seats is not None:
            await self._invalidate_lists()
        return released

    @staticmethod
    async def _release_held(
        conn: AsyncConnection, event_id: str, reservation_id: str, now: dt.datetime
    ) -> int | None:
        """Mark the hold released; its seats, or None when it is not held."""
        seats: int | None = await conn.scalar(
            seat_reservations.update()
            .where(
                seat_reservations.c.reservation_id == reservation_id,
                seat_reservations.c.event_id == event_id,
                seat_reservations.c.status == "held",
            )
            .values(status="released", updated_at=now)
            .returning(seat_reservations.c.seats)
        )
        return seats
