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

A one-pass read (no follow) fetches the groups' pages in two background threads and merges
their pages in sorted chunks; following stays in the caller's thread.

`tail` yields `LogEvent` and `TailNotice` objects. `tail_lines` yields the caller's rendering
of the events instead, in chunks of lines: in a one-pass read the rendering runs in the fetch
threads as each page arrives, so it overlaps with waiting for AWS, and only the rendered lines
(not the events) are held until the merge can release them. The engine never prints. Its clock
and sleep are injectable, so tests drive it deterministically.
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
from operator import attrgetter, itemgetter
from typing import Any, Literal, NamedTuple, Protocol, TypeVar

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

Render = Callable[[Sequence[LogEvent]], list[str]]
"""Turns a batch of events into their output lines, one each, in the same order. A one-pass
read calls it from several threads at once."""

LineItem = list[str] | TailNotice
"""What `tail_lines` yields: a chunk of rendered lines in timestamp order, or a notice."""

_T = TypeVar("_T")


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
        for item in self.read_chunks(self._convert, _event_time):
            if isinstance(item, list):
                yield from item
            else:
                yield item

    def read_lines(self, render: Render) -> Iterator[LineItem]:
        def rendered(source: LogSource, page: list[RawEvent]) -> list[tuple[int, str]]:
            events = self._convert(source, page)
            page.clear()  # the raw dicts go before the lines are made: less memory at once
            return list(zip(map(_event_time, events), render(events), strict=True))

        by_time: Callable[[tuple[int, str]], int] = _first
        for item in self.read_chunks(rendered, by_time):
            yield item if isinstance(item, TailNotice) else list(map(_second, item))

    def read_chunks(
        self,
        convert: Callable[[LogSource, list[RawEvent]], list[_T]],
        key: Callable[[_T], int],
    ) -> Iterator[list[_T] | TailNotice]:
        """One pass over every group: `convert`ed pages merged by `key` (the timestamp),
        in chunks; notices first."""
        batches: list[Iterator[list[_T]]] = []
        missing: list[str] = []
        # Every group's first request is queued now for a few background threads, so the
        # server works while this thread merges the pages already here.
        workers = _Workers(min(FETCH_THREADS, len(self.cursors)))
        fetchers = [
            _Prefetch(self._request(cursor), partial(convert, cursor.source), workers)
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
            yield from _merged_chunks(batches, key)
        finally:
            for fetcher in fetchers:
                fetcher.close()
            workers.stop()

    # following: rounds of polls, a reorder buffer, backoff on throttling

    def follow(self) -> Iterator[TailItem | None]:
        """Rounds of polls; yields None when it is about to wait for the next round."""
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
            yield None
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

    def _open(self, cursor: _Cursor, pages: Iterator[list[_T]]) -> Iterator[list[_T]] | None:
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
        page.sort(key=_raw_timestamp)
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


FETCH_THREADS = 2
"""Background threads of a one-pass read, whatever the number of groups. Two keep a request
in flight while a page is decoded and rendered; more would hold more pages in memory at once
(each thread's allocator arena keeps what it once used) and press on FilterLogEvents' quota of
5 requests per second per account and region, which every other tool shares."""


class _Workers:
    """A few daemon threads running queued tasks in order. Daemons, so that Ctrl-C or a closed
    pipe never waits for a request still in flight; `stop` ends them after their task."""

    def __init__(self, count: int) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._count = count
        for _ in range(count):
            threading.Thread(target=self._run, name="eventctl-fetch", daemon=True).start()

    def submit(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)

    def stop(self) -> None:
        for _ in range(self._count):
            self._tasks.put(None)

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            task()


class _Prefetch:
    """The pages of one group, fetched and converted by `workers`, up to `depth` pages ahead
    of the consumer (one request at a time: each page needs the previous one's token).

    Exceptions (a missing group, throttling) are raised in the consumer's thread. Closing it
    stops the fetching after the current request.
    """

    def __init__(
        self,
        pages: Iterator[list[RawEvent]],
        convert: Callable[[list[RawEvent]], list[Any]],
        workers: _Workers,
        depth: int = 2,
    ) -> None:
        self._pages = pages
        self._convert = convert
        self._workers = workers
        self._depth = depth
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._ready = 0  # pages fetched and not taken yet
        self._fetching = False  # a fetch is queued or running
        self._finished = False
        self._closed = False
        self._schedule()

    def _schedule(self) -> None:
        with self._lock:
            if self._closed or self._finished or self._fetching or self._ready >= self._depth:
                return
            self._fetching = True
        self._workers.submit(self._fetch)

    def _fetch(self) -> None:
        if self._closed:
            return
        try:
            page = next(self._pages, None)
            item: tuple[str, Any] = ("end", None) if page is None else ("page", self._convert(page))
        except BaseException as exc:  # handed to the consumer, raised there
            item = ("error", exc)
        with self._lock:
            self._fetching = False
            if item[0] == "page":
                self._ready += 1
            else:
                self._finished = True
        self._queue.put(item)
        self._schedule()

    def __iter__(self) -> Iterator[list[Any]]:
        return self

    def __next__(self) -> list[Any]:
        if self._closed:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == "page":
            with self._lock:
                self._ready -= 1
            self._schedule()
            return value  # type: ignore[no-any-return]
        self._closed = True
        if kind == "error":
            raise value
        raise StopIteration

    def close(self) -> None:
        """Stop fetching (a request in flight still completes, unseen)."""
        self._closed = True


_event_time = attrgetter("timestamp")
_raw_timestamp = itemgetter("timestamp")
_first = itemgetter(0)
_second = itemgetter(1)


def _chain_first(first: list[_T], rest: Iterator[list[_T]]) -> Iterator[list[_T]]:
    yield first
    yield from rest


def merge_batches(groups: Sequence[Iterator[list[LogEvent]]]) -> Iterator[LogEvent]:
    """Merge per-group streams of sorted batches into one stream in timestamp order.

    Instead of comparing event by event (heapq.merge), each step takes from every group the
    events up to the smallest "last timestamp" among groups that may still send more, and
    sorts that chunk in C. Equal timestamps keep the groups' order.
    """
    for chunk in _merged_chunks(groups, _event_time):
        yield from chunk


def _merged_chunks(
    groups: Sequence[Iterator[list[_T]]], key: Callable[[_T], int]
) -> Iterator[list[_T]]:
    """`merge_batches` by `key`, a sorted chunk at a time."""
    buffers: list[list[_T]] = [[] for _ in groups]
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
        limit = min((key(buffers[i][-1]) for i in open_groups), default=None)
        chunk: list[_T] = []
        for index, buffer in enumerate(buffers):
            start = positions[index]
            if start == len(buffer):
                continue
            end = len(buffer) if limit is None else bisect_right(buffer, limit, lo=start, key=key)
            chunk.extend(buffer[start:end])
            positions[index] = end
        if len(chunk) > 1:
            chunk.sort(key=key)
        if chunk:
            yield chunk


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
    if options.follow:
        return (item for item in engine.follow() if item is not None)
    return engine.read_once()


def tail_lines(
    pages: PageSource,
    sources: Sequence[LogSource],
    options: TailOptions,
    render: Render,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[LineItem]:
    """`tail`, with each event already turned into its output line by `render`: yields chunks
    of lines in timestamp order, and notices. The same events, order and errors as `tail`.

    A one-pass read renders each page in its fetch thread as soon as it arrives (so `render`
    must be safe to call from several threads) and holds only the lines until the merge
    releases them. Following renders the events of each release, and yields what it has
    before every wait for the next poll, and before a KeyboardInterrupt propagates.
    """
    engine = _Tail(pages, sources, options, clock, sleep)
    if options.follow:
        return _rendered_rounds(engine.follow(), render)
    return engine.read_lines(render)


_ROUND_CHUNK = 1024
"""the most events a follow holds back before rendering them (its first round's backlog)"""


def _rendered_rounds(items: Iterator[TailItem | None], render: Render) -> Iterator[LineItem]:
    pending: list[LogEvent] = []
    try:
        for item in items:
            if isinstance(item, LogEvent):
                pending.append(item)
                if len(pending) < _ROUND_CHUNK:
                    continue
            if pending:
                yield render(pending)
                pending = []
            if item is not None and not isinstance(item, LogEvent):
                yield item
    except KeyboardInterrupt:
        if pending:
            yield render(pending)  # the lines of the events shown on Ctrl-C, then stop
        raise


def format_timestamp(timestamp_ms: int) -> str:
    """'2024-05-01 12:00:00.123Z' (UTC)."""
    moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{timestamp_ms % 1000:03d}Z"
