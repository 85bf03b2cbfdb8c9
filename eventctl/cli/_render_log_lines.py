"""Writing tail output fast: one line per event, service-coloured, or one JSON object.

Events are rendered a batch at a time (`render_batch`, which the tail engine calls from its
fetch threads as pages arrive) and written in large joined writes, with no rich markup per
line: a tail of a busy day prints hundreds of thousands of them. JSON goes through
`adapters.fastjson` (orjson when installed).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from eventctl.adapters.fastjson import dumps, loads

if TYPE_CHECKING:
    from eventctl.core.logs import LogEvent

PALETTE = ("36", "35", "32", "33", "34", "91", "96", "95")
"""ANSI colours for service labels: cyan, magenta, green, yellow, blue, bright red, ..."""
LEVEL_COLOURS = {"ERROR": "31", "CRITICAL": "31", "FATAL": "31", "WARNING": "33", "WARN": "33"}
RESET = "\x1b[0m"
BATCH = 1024
"""lines joined into one write: a write per line costs more than formatting the line"""

_NEWLINES = "\r\n"
_gmtime = time.gmtime
_strftime = time.strftime


class _Writer:
    """Batching shared by both formats: `write` holds events, `write_lines` writes lines."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._pending: list[LogEvent] = []

    def render_batch(self, events: Sequence[LogEvent]) -> list[str]:
        raise NotImplementedError

    def write(self, event: LogEvent) -> None:
        """Hold one event; it is written with the next full batch or `flush`."""
        self._pending.append(event)
        if len(self._pending) >= BATCH:
            self._write_pending()

    def write_lines(self, lines: Sequence[str]) -> None:
        """Write rendered lines (a chunk from the tail engine) and flush the stream."""
        self._write_pending()
        self._write_joined(lines)
        self.stream.flush()

    def flush(self) -> None:
        """Write out the events held back for batching, then flush the stream."""
        self._write_pending()
        self.stream.flush()

    def _write_pending(self) -> None:
        if self._pending:
            events, self._pending = self._pending, []
            self._write_joined(self.render_batch(events))

    def _write_joined(self, lines: Sequence[str]) -> None:
        write = self.stream.write
        for start in range(0, len(lines), BATCH):
            write("".join(lines[start : start + BATCH]))


class LineWriter(_Writer):
    """Human lines: `<service> <UTC time> <message>`; JSON messages shown compactly."""

    def __init__(self, stream: IO[str], labels: Sequence[str], *, colour: bool) -> None:
        super().__init__(stream)
        self.colour = colour
        width = max((len(label) for label in labels), default=0)
        self.labels = {
            label: _paint(label.ljust(width), PALETTE[i % len(PALETTE)], colour)
            for i, label in enumerate(labels)
        }

    def render(self, timestamp: int, label: str, message: str) -> str:
        """The output line of one event."""
        return self._render(((timestamp, label, message),))[0]

    def render_batch(self, events: Sequence[LogEvent]) -> list[str]:
        """The output lines of `events` (safe to call from several threads at once)."""
        return self._render((e.timestamp, e.source, e.message) for e in events)

    def _render(self, events: Any) -> list[str]:
        labels, colour = self.labels, self.colour
        stamp_format = "\x1b[2m{}.{:03d}Z" + RESET if colour else "{}.{:03d}Z"
        lines: list[str] = []
        append = lines.append
        second, stamp = -1, ""
        for timestamp, label, message in events:
            if timestamp // 1000 != second:  # events come in time order: one strftime a second
                second = timestamp // 1000
                stamp = _strftime("%Y-%m-%d %H:%M:%S", _gmtime(second))
            if message[:1] == "{":
                shown = compact_json(message, colour)
                if shown is not None:
                    message = shown
            head = labels.get(label, label)
            when = stamp_format.format(stamp, timestamp % 1000)
            append(f"{head} {when} {message.rstrip(_NEWLINES)}\n")
        return lines


def compact_json(message: str, colour: bool = False) -> str | None:
    """'LEVEL message {other fields}' for a JSON object log line; None when it is not one."""
    try:
        data = loads(message)
    except ValueError:
        return None
    if type(data) is not dict:
        return None
    # The first of each list of keys that is present is taken (written out: this runs for
    # every JSON line of a tail).
    if "level" in data:
        level = data.pop("level")
    elif "levelname" in data:
        level = data.pop("levelname")
    else:
        level = data.pop("severity", None)
    text = data.pop("message") if "message" in data else data.pop("msg", None)
    data.pop("timestamp", None)
    data.pop("time", None)
    parts = []
    if level is not None:
        level_text = str(level).upper()
        if colour:
            level_text = _paint(level_text, LEVEL_COLOURS.get(level_text, "1"), colour)
        parts.append(level_text)
    if text is not None:
        parts.append(str(text))
    if data:
        parts.append(dumps(data))
    return " ".join(parts)


class JsonWriter(_Writer):
    """One JSON object per line, for piping into jq and friends."""

    def __init__(self, stream: IO[str], groups: dict[str, str]) -> None:
        super().__init__(stream)
        self.groups = groups

    def render_batch(self, events: Sequence[LogEvent]) -> list[str]:
        """The JSON lines of `events` (safe to call from several threads at once)."""
        groups = self.groups
        lines: list[str] = []
        append = lines.append
        second, stamp = -1, ""
        for event in events:
            timestamp = event.timestamp
            if timestamp // 1000 != second:
                second = timestamp // 1000
                stamp = _strftime("%Y-%m-%dT%H:%M:%S", _gmtime(second))
            record = {
                "timestamp": f"{stamp}.{timestamp % 1000:03d}Z",
                "timestamp_ms": timestamp,
                "service": event.source,
                "message": event.message.rstrip(_NEWLINES),
                "log_group": groups.get(event.source, ""),
                "log_stream": event.stream,
                "event_id": event.event_id,
            }
            append(dumps(record) + "\n")
        return lines


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}{RESET}" if colour else text
