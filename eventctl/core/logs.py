"""The log tail engine: several log groups merged in timestamp order, once or following.

How following stays exact (each point fixes a bug of an existing tool):

- Every poll of a group restarts at `newest timestamp seen - overlap` and drops the events
  whose id it has already yielded. Events that share a millisecond, straddle a page or a poll
  boundary, or arrive a little late are all seen exactly once. The ids kept are only those
  inside the overlap window, so memory stays bounded however long the tail runs.
- No stream names are pinned: FilterLogEvents searches the whole group on every poll, so
  streams created while following (a new task) are picked up.
- Events are held in a small reorder buffer for `reorder_ms` after they were fetched, so an
  event that arrives up to that long after a newer one still comes out before it; events older
  than anything a later poll can return go out at once.
- Throttling is retried with backoff by the adapter; if it persists, the engine reports it,
  polls less often and carries on from where it was, losing nothing.
- A log group that does not exist yet is reported, and with `follow` waited for.

A one-pass read (no follow) fetches every group at once in background threads and merges
their pages in sorted chunks; following stays in the caller's thread.

The engine yields `LogEvent` and `TailNotice` objects; it never prints. Its clock and sleep are
injectable, so tests drive it deterministically.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import chain, count
from operator import attrgetter
from typing import Any, Literal, NamedTuple, Protocol

from eventctl.adapters.aws._calls import ThrottledError, next_poll_interval
from eventctl.adapters.aws.logs import LogGroupNotFound, RawEvent
from eventctl.core.durations import is_duration, parse_duration
from eventctl.errors import EventctlError
from platform_model import Platform


class LogEvent(NamedTuple):
    """One log line of one service."""

    timestamp: int
    """milliseconds since the epoch (the producer's timestamp)"""
    source: str
    """the service's short name, e.g. 'auth'"""
    group: str
    stream: str
    event_id: str
    message: str


NoticeKind = Literal["missing", "waiting", "found", "throttled"]


@dataclass(frozen=True)
class TailNotice:
    """Something the user should know that is not a log line (a missing group, throttling)."""

    kind: NoticeKind
    source: str
    group: str
    message: str


TailItem = LogEvent | TailNotice


@dataclass(frozen=True)
class LogSource:
    """A log group and the label its lines carry."""

    label: str
    group: str


@dataclass(frozen=True)
class TailOptions:
    """What to read and how to follow."""

    start_ms: int
    end_ms: int | None = None
    pattern: str | None = None
    follow: bool = False
    interval: float = 1.0
    overlap_ms: int = 5_000
    """each poll re-reads this much before the newest event seen (late events)"""
    reorder_ms: int = 2_000
    """how long an event is held so that a late one can still be yielded before it"""
    page_size: int | None = None

    def __post_init__(self) -> None:
        if self.follow and self.end_ms is not None:
            raise EventctlError("--follow and --until cannot be combined", hint="drop one of them")
        if self.reorder_ms > self.overlap_ms:
            raise EventctlError("the reorder window must not exceed the overlap window")
        if self.interval <= 0:
            raise EventctlError(
                f"poll interval must be positive, not {self.interval}",
                hint="for example --interval 1",
            )


class PageSource(Protocol):
    """What the engine needs from CloudWatch Logs (`adapters.aws.logs.CloudWatchLogs`)."""

    def filter_pages(
        self,
        group: str,
        *,
        start_ms: int,
        end_ms: int | None = ...,
        pattern: str | None = ...,
        page_size: int | None = ...,
    ) -> Iterator[list[RawEvent]]: ...


# -- choosing what to tail ------------------------------------------------------------------


def log_sources(platform: Platform, env: str, services: Sequence[str]) -> list[LogSource]:
    """The log groups of `services` ('auth' or 'auth-service'; none means all) in `env`.

    Raises UnknownNameError (listing the services) for a name the model does not know.
    """
    names = platform.names(env)
    chosen = [platform.service(name) for name in services] or list(platform.services)
    unique = list(dict.fromkeys(chosen))
    return [LogSource(label=s.name, group=names.log_group(s)) for s in unique]


def parse_time(text: str, now: float) -> int:
    """Milliseconds since the epoch for a duration before `now` ('10m', '2h', '1d', '90s',
    '1w', '1h30m': see `core.durations`) or an ISO-8601 time ('2024-05-01T12:00:00Z';
    without a zone it is taken as UTC)."""
    # A bare number is not taken as seconds here: '20240501' is an ISO-8601 date.
    if is_duration(text) and any(char.isalpha() for char in text):
        return int((now - parse_duration(text, zero_ok=True)) * 1000)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise EventctlError(
            f"cannot read the time {text!r}",
            hint="use a duration like 10m, 2h, 1d or an ISO-8601 time like 2024-05-01T12:00:00Z",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


# -- the engine -----------------------------------------------------------------------------


class _RecentIds:
    """Event ids by timestamp, for the ids inside the overlap window only."""

    def __init__(self) -> None:
        self._by_ms: dict[int, set[str]] = {}
        self._times: list[int] = []

    def add(self, timestamp: int, event_id: str) -> bool:
        """Remember the id; False when it was already there."""
        ids = self._by_ms.get(timestamp)
        if ids is None:
            self._by_ms[timestamp] = {event_id}
            heapq.heappush(self._times, timestamp)
            return True
        if event_id in ids:
            return False
        ids.add(event_id)
        return True

    def forget_before(self, cutoff: int) -> None:
        while self._times and self._times[0] < cutoff:
            del self._by_ms[heapq.heappop(self._times)]

    def __len__(self) -> int:
        return sum(len(ids) for ids in self._by_ms.values())


@dataclass
class _Cursor:
    """Where following one group has got to."""

    source: LogSource
    newest: int | None = None
    seen: _RecentIds = field(default_factory=_RecentIds)
    present: bool | None = None


class _Tail:
    def __init__(
        self,
        pages: PageSource,
        sources: Sequence[LogSource],
        options: TailOptions,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.pages = pages
        self.options = options
        self.clock = clock
        self.sleep = sleep
        self.cursors = [_Cursor(source) for source in sources]
        self.notices: list[TailNotice] = []
        self.throttled = False

    # one pass, no following: stream the merge straight through

    def read_once(self) -> Iterator[TailItem]:
        batches: list[Iterator[list[LogEvent]]] = []
        missing: list[str] = []
        # Every group's requests start now, in the background, so the server works on all
        # of them while this thread merges the pages already here.
        fetchers = [
            _Prefetch(self._request(cursor), partial(self._convert, cursor.source))
            for cursor in self.cursors
        ]
        try:
            for cursor, fetcher in zip(self.cursors, fetchers, strict=True):
                opened = self._open(cursor, fetcher)
                if opened is None:
                    missing.append(cursor.source.group)
                else:
                    batches.append(opened)
            if missing and not batches:
                if len(missing) == 1:
                    raise LogGroupNotFound(missing[0])
                raise EventctlError(
                    f"none of the log groups exists: {', '.join(missing)}",
                    hint="has the platform been deployed to this environment? "
                    "With --follow, eventctl waits for them",
                )
            yield from self._drain_notices()
            yield from merge_batches(batches)
        finally:
            for fetcher in fetchers:
                fetcher.close()

    # following: rounds of polls, a reorder buffer, backoff on throttling

    def follow(self) -> Iterator[TailItem]:
        buffer: list[tuple[int, int, float, LogEvent]] = []
        sequence = count()
        interval = self.options.interval
        hold = self.options.reorder_ms
        while True:
            self.throttled = False
            streams = []
            for cursor in self.cursors:
                converted = map(partial(self._convert, cursor.source), self._request(cursor))
                opened = self._open(cursor, converted)
                if opened is not None:
                    streams.append(self._new_events(cursor, opened))
            yield from self._drain_notices()
            for event in heapq.merge(*streams, key=attrgetter("timestamp")):
                heapq.heappush(buffer, (event.timestamp, next(sequence), self.clock(), event))
                yield from self._release(buffer, hold)
                if self.notices:
                    yield from self._drain_notices()
            yield from self._drain_notices()
            yield from self._release(buffer, hold)
            interval = next_poll_interval(interval, self.options.interval, self.throttled)
            try:
                self.sleep(interval)
            except KeyboardInterrupt:
                # Ctrl-C: what was fetched is still shown, in order, before the tail stops.
                while buffer:
                    yield heapq.heappop(buffer)[3]
                raise
            yield from self._release(buffer, hold)

    def _release(
        self, buffer: list[tuple[int, int, float, LogEvent]], hold_ms: int
    ) -> Iterator[LogEvent]:
        """Yield, in timestamp order, the buffered events nothing can still come before.

        An event is held for `hold_ms` after it was fetched (not after its timestamp: an event
        that was already seconds old when it arrived can still have a later-arriving
        predecessor). It goes out sooner when it is older than the floor below which no poll
        can return anything any more, so the backlog of the first round is not delayed.
        """
        now = self.clock()
        floor = self._floor()
        while buffer:
            timestamp, _, fetched, event = buffer[0]
            if timestamp >= floor and (now - fetched) * 1000 < hold_ms:
                return
            heapq.heappop(buffer)
            yield event

    def _floor(self) -> int:
        """No later poll returns an event older than this: each group is read again from its
        newest event minus the overlap, or from the start while it has none."""
        overlap, start = self.options.overlap_ms, self.options.start_ms
        return min(
            start if cursor.newest is None else max(start, cursor.newest - overlap)
            for cursor in self.cursors
        )

    # reading one group

    def _request(self, cursor: _Cursor) -> Iterator[list[RawEvent]]:
        """The group's pages from where its cursor is (minus the overlap)."""
        options = self.options
        start = options.start_ms
        if cursor.newest is not None:
            start = max(start, cursor.newest - options.overlap_ms)
        return self.pages.filter_pages(
            cursor.source.group,
            start_ms=start,
            end_ms=options.end_ms,
            pattern=options.pattern,
            page_size=options.page_size,
        )

    def _open(
        self, cursor: _Cursor, pages: Iterator[list[LogEvent]]
    ) -> Iterator[list[LogEvent]] | None:
        """`pages` with the first one already fetched; None when the group is missing or
        throttled this round (a notice says so)."""
        options = self.options
        try:
            first = next(pages, [])
        except LogGroupNotFound:
            self._group_missing(cursor)
            return None
        except ThrottledError as exc:
            if not options.follow:
                raise
            self._throttled(cursor, exc)
            return None
        if cursor.present is False:
            self._notice(cursor, "found", "log group appeared; following it")
        cursor.present = True
        return _chain_first(first, pages)

    def _convert(self, source: LogSource, page: list[RawEvent]) -> list[LogEvent]:
        """A page as LogEvents in timestamp order."""
        label, group = source.label, source.group
        page.sort(key=_timestamp)
        return [
            LogEvent(
                r["timestamp"],
                label,
                group,
                r.get("logStreamName", ""),
                r["eventId"],
                r.get("message", ""),
            )
            for r in page
        ]

    def _new_events(self, cursor: _Cursor, pages: Iterator[list[LogEvent]]) -> Iterator[LogEvent]:
        """The events of this round not yielded before; updates the cursor page by page."""
        overlap = self.options.overlap_ms
        seen = cursor.seen
        try:
            for event in chain.from_iterable(pages):
                if not seen.add(event.timestamp, event.event_id):
                    continue
                if cursor.newest is None or event.timestamp > cursor.newest:
                    cursor.newest = event.timestamp
                    seen.forget_before(event.timestamp - overlap)
                yield event
        except LogGroupNotFound:
            # Deleted while we were reading it: wait for it to come back.
            self._group_missing(cursor)
        except ThrottledError as exc:
            # The rest of this round's pages come again next round, from the cursor.
            self._throttled(cursor, exc)

    def _group_missing(self, cursor: _Cursor) -> None:
        if cursor.present is False:
            return
        if self.options.follow:
            self._notice(cursor, "waiting", "log group does not exist yet; waiting for it")
        else:
            self._notice(cursor, "missing", "log group does not exist; skipped")
        cursor.present = False

    def _throttled(self, cursor: _Cursor, exc: ThrottledError) -> None:
        self.throttled = True
        self._notice(cursor, "throttled", f"{exc.message}; backing off and carrying on")

    def _notice(self, cursor: _Cursor, kind: NoticeKind, message: str) -> None:
        source = cursor.source
        self.notices.append(TailNotice(kind, source.label, source.group, message))

    def _drain_notices(self) -> Iterator[TailNotice]:
        while self.notices:
            yield self.notices.pop(0)


class _Prefetch:
    """Fetches and converts `pages` in a background thread, `depth` pages ahead of the
    consumer.

    Exceptions (a missing group, throttling) are raised in the consumer's thread. Closing it
    (or dropping it) stops the thread after its current request.
    """

    def __init__(
        self,
        pages: Iterator[list[RawEvent]],
        convert: Callable[[list[RawEvent]], list[LogEvent]],
        depth: int = 2,
    ) -> None:
        self._pages = pages
        self._convert = convert
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eventctl-prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for page in self._pages:
                if not self._put(("page", self._convert(page))):
                    return
            self._put(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(("error", exc))

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[list[LogEvent]]:
        return self

    def __next__(self) -> list[LogEvent]:
        if self._stop.is_set():
            raise StopIteration
        kind, value = self._queue.get()
        if kind == "page":
            return value  # type: ignore[no-any-return]
        self._stop.set()
        if kind == "error":
            raise value
        raise StopIteration

    def close(self) -> None:
        """Stop fetching (the thread ends after its current request)."""
        self._stop.set()


_event_time = attrgetter("timestamp")


def _timestamp(raw: RawEvent) -> Any:
    return raw["timestamp"]


def _chain_first(first: list[LogEvent], rest: Iterator[list[LogEvent]]) -> Iterator[list[LogEvent]]:
    yield first
    yield from rest


def merge_batches(groups: Sequence[Iterator[list[LogEvent]]]) -> Iterator[LogEvent]:
    """Merge per-group streams of sorted batches into one stream in timestamp order.

    Instead of comparing event by event (heapq.merge), each step takes from every group the
    events up to the smallest "last timestamp" among groups that may still send more, and
    sorts that chunk in C. Equal timestamps keep the groups' order.
    """
    buffers: list[list[LogEvent]] = [[] for _ in groups]
    positions = [0] * len(groups)
    open_groups = set(range(len(groups)))
    while True:
        for index in list(open_groups):
            if positions[index] == len(buffers[index]):
                batch = next(groups[index], None)
                while batch is not None and not batch:
                    batch = next(groups[index], None)
                if batch is None:
                    open_groups.discard(index)
                    buffers[index], positions[index] = [], 0
                else:
                    buffers[index], positions[index] = batch, 0
        if not open_groups and all(p == len(b) for p, b in zip(positions, buffers, strict=True)):
            return
        limit = min((buffers[i][-1].timestamp for i in open_groups), default=None)
        chunk: list[LogEvent] = []
        for index, buffer in enumerate(buffers):
            start = positions[index]
            if start == len(buffer):
                continue
            end = (
                len(buffer)
                if limit is None
                else bisect_right(buffer, limit, lo=start, key=_event_time)
            )
            chunk.extend(buffer[start:end])
            positions[index] = end
        if len(chunk) > 1:
            chunk.sort(key=_event_time)
        yield from chunk


def tail(
    pages: PageSource,
    sources: Sequence[LogSource],
    options: TailOptions,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[TailItem]:
    """Log events of `sources` in timestamp order, with notices; forever when following.

    Without `follow`, raises LogGroupNotFound when no group exists (a missing group among
    others is a notice). ThrottledError ends a one-pass read; a follow backs off instead.
    """
    engine = _Tail(pages, sources, options, clock, sleep)
    return engine.follow() if options.follow else engine.read_once()


def format_timestamp(timestamp_ms: int) -> str:
    """'2024-05-01 12:00:00.123Z' (UTC)."""
    moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{timestamp_ms % 1000:03d}Z"
