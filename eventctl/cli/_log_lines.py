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
        self._second = -1
        self._second_text = ""

    def write(self, event: LogEvent) -> None:
        timestamp = event.timestamp
        second = timestamp // 1000
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
        stamp = f"{self._second_text}.{timestamp % 1000:03d}Z"
        if self.colour:
            stamp = f"\x1b[2m{stamp}{RESET}"
        label = self.labels.get(event.source) or event.source
        self.stream.write(f"{label} {stamp} {self._message(event.message)}\n")

    def _message(self, message: str) -> str:
        if message[:1] == "{":
            shown = compact_json(message, self.colour)
            if shown is not None:
                return shown
        return message.rstrip("\r\n")


def compact_json(message: str, colour: bool = False) -> str | None:
    """'LEVEL message {other fields}' for a JSON object log line; None when it is not one."""
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, dict):
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
        parts.append(json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str))
    return " ".join(parts)


class JsonWriter:
    """One JSON object per line, for piping into jq and friends."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def write(self, event: LogEvent) -> None:
        ms = event.timestamp
        record: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
            + f".{ms % 1000:03d}Z",
            "timestamp_ms": ms,
            "service": event.source,
            "message": event.message.rstrip("\r\n"),
            "log_group": event.group,
            "log_stream": event.stream,
            "event_id": event.event_id,
        }
        self.stream.write(self._encode(record) + "\n")


def _pop_first(data: dict[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        if key in data:
            return data.pop(key)
    return None


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}{RESET}" if colour else text
