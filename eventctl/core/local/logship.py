"""Ship the services' output to CloudWatch Logs, as the awslogs driver does on ECS.

Reader threads `add` lines as they arrive; a shipper thread sends them in PutLogEvents batches
every `interval` seconds, one stream per process. When the emulator does not answer, lines wait
(up to `max_pending` per stream, the oldest dropped first and counted) and go out once it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from eventctl.adapters.aws.log_ingest import LogIngest, LogRecord
from eventctl.errors import EventctlError

log = logging.getLogger("eventctl.local.logs")


@dataclass
class _Stream:
    group: str
    name: str
    pending: deque[LogRecord] = field(default_factory=deque)
    created: bool = False


class LogShipper:
    """Batches lines per (group, stream) and sends them from one background thread."""

    def __init__(
        self,
        ingest: Callable[[], LogIngest],
        *,
        interval: float = 0.25,
        max_pending: int = 20_000,
    ) -> None:
        self._ingest_factory = ingest
        self._ingest: LogIngest | None = None
        self.interval = interval
        self.max_pending = max_pending
        self._streams: dict[tuple[str, str], _Stream] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.shipped = 0
        self.dropped = 0
        self.last_error: str | None = None

    def add(self, group: str, stream: str, message: str, timestamp_ms: int | None = None) -> None:
        """Queue one line (any thread)."""
        when = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
        with self._lock:
            key = (group, stream)
            target = self._streams.get(key)
            if target is None:
                target = self._streams[key] = _Stream(group, stream)
            if len(target.pending) >= self.max_pending:
                target.pending.popleft()
                self.dropped += 1
            target.pending.append((when, message))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread after a last flush (bounded by `timeout`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def flush(self) -> int:
        """Send everything queued now; the number of lines sent."""
        with self._lock:
            work = [(s, list(s.pending)) for s in self._streams.values() if s.pending]
            for stream, records in work:
                for _ in records:
                    stream.pending.popleft()
        sent = 0
        for stream, records in work:
            try:
                sent += self._send(stream, records)
            except EventctlError as exc:
                self.last_error = exc.message
                if getattr(exc, "code", "") == "ResourceNotFoundException":
                    stream.created = False  # the emulator restarted empty: make it again
                with self._lock:  # keep them, in order, in front of anything newer
                    stream.pending.extendleft(reversed(records))
                    while len(stream.pending) > self.max_pending:
                        stream.pending.popleft()
                        self.dropped += 1
        self.shipped += sent
        return sent

    def _send(self, stream: _Stream, records: list[LogRecord]) -> int:
        if self._ingest is None:
            self._ingest = self._ingest_factory()
        if not stream.created:
            self._ingest.ensure_stream(stream.group, stream.name)
            stream.created = True
        return self._ingest.put(stream.group, stream.name, records)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._flush_logged()
        self._flush_logged()

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception:  # the shipper must outlive any surprise; the lines stay queued
            log.exception("log shipping failed")
