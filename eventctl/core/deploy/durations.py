"""Durations on the command line: '90s', '15m', '1h', or plain seconds."""

from __future__ import annotations

import re

from eventctl.errors import EventctlError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """Seconds in '15m', '90s', '1h' or '600' (seconds)."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise EventctlError(
            f"cannot read the duration {text!r}", hint="use a duration like 90s, 15m or 1h"
        )
    return float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "s").lower()]


def format_duration(seconds: float) -> str:
    """'15m' for 900, '1h' for 3600, '90s' for 90."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
