"""Writing tail output fast: one line per event, service-coloured, or one JSON object.

Lines go to the stream with plain `write` calls (no rich markup per line), because a tail of
a busy day prints hundreds of thousands of them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventctl.core.logs import LogEvent

PALETTE = ("36", "35", "32", "33", "34", "91", "96", "95")
"""ANSI colours for service labels: cyan, magenta, green, yellow, blue, bright red, ..."""
LEVEL_COLOURS = {"ERROR": "31", "CRITICAL": "31", "FATAL": "31", "WARNING": "33", "WARN": "33"}
RESET = "\x1b[0m"
BATCH = 256
"""lines joined into one write: a write per line costs more than formatting the line"""

_encode_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode
_decode = json.JSONDecoder().decode
_NEWLINES = "\r\n"


class LineWriter:
    """Human lines: `<service> <UTC time> <message>`; JSON messages shown compactly."""

    def __init__(self, stream: IO[str], labels: Sequence[str], *, colour: bool) -> None:
        self.stream = stream
        self.colour = colour
        width = max((len(label) for label in labels), default=0)
        self.labels = {
            label: _paint(label.ljust(width), PALETTE[i % len(PALETTE)], colour)
            for i, label in enumerate(labels)
        }
        self._second: tuple[int, str] = (-1, "")
        self._pending: list[str] = []

    def render(self, timestamp: int, label: str, message: str) -> str:
        """The output line of one event."""
        second = timestamp // 1000
        cached = self._second
        if cached[0] != second:
            cached = (second, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second)))
            self._second = cached
        stamp = f"{cached[1]}.{timestamp % 1000:03d}Z"
        if self.colour:
            stamp = f"\x1b[2m{stamp}{RESET}"
        if message[:1] == "{":
            shown = compact_json(message, self.colour)
            if shown is not None:
                message = shown
        return f"{self.labels.get(label, label)} {stamp} {message.rstrip(_NEWLINES)}\n"

    def write(self, event: LogEvent) -> None:
        self._pending.append(self.render(event.timestamp, event.source, event.message))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write out the lines held back for batching, then flush the stream."""
        if self._pending:
            self.stream.write("".join(self._pending))
            self._pending.clear()
        self.stream.flush()


def compact_json(message: str, colour: bool = False) -> str | None:
    """'LEVEL message {other fields}' for a JSON object log line; None when it is not one."""
    try:
        data = _decode(message)
    except ValueError:
        return None
    if type(data) is not dict:
        return None
    level = _pop_first(data, ("level", "levelname", "severity"))
    text = _pop_first(data, ("message", "msg"))
    data.pop("timestamp", None)
    data.pop("time", None)
    parts = []
    if level is not None:
        level_text = str(level).upper()
        parts.append(_paint(level_text, LEVEL_COLOURS.get(level_text, "1"), colour))
    if text is not None:
        parts.append(str(text))
    if data:
        parts.append(_encode_compact(data))
    return " ".join(parts)


class JsonWriter:
    """One JSON object per line, for piping into jq and friends."""

    def __init__(self, stream: IO[str], groups: dict[str, str]) -> None:
        self.stream = stream
        self.groups = groups
        self._pending: list[str] = []

    def render(self, timestamp: int, label: str, message: str) -> str:
        """The JSON line of one event, without the stream and id, which `write` adds."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp // 1000))
        record: dict[str, Any] = {
            "timestamp": f"{stamp}.{timestamp % 1000:03d}Z",
            "timestamp_ms": timestamp,
            "service": label,
            "message": message.rstrip(_NEWLINES),
            "log_group": self.groups.get(label, ""),
        }
        return _encode_compact(record)[:-1]

    def write(self, event: LogEvent) -> None:
        head = self.render(event.timestamp, event.source, event.message)
        tail = _encode_compact({"log_stream": event.stream, "event_id": event.event_id})
        self._pending.append(f"{head},{tail[1:]}\n")
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write out the lines held back for batching, then flush the stream."""
        if self._pending:
            self.stream.write("".join(self._pending))
            self._pending.clear()
        self.stream.flush()


def _pop_first(data: dict[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if key in data:
            return data.pop(key)
    return None


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}{RESET}" if colour else text
