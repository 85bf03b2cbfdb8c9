"""Durations as operators type them: '90s', '15m', '1h30m', '500ms', '2d', '1w', or '45'.

One parser for every option that takes a duration (`logs tail --since`, `deploy --timeout`,
`env up --lock-timeout`), so they all accept the same spellings: one or more
`<number><unit>` parts with the units ms, s/sec, m/min, h, d and w (any case, spaces
allowed between parts), or a bare number of seconds. `format_duration` writes the form
Terraform and Go read back (h, m, s only).
"""

from __future__ import annotations

import re

from eventctl.errors import EventctlError

UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
}
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"({_NUMBER})\s*(ms|sec|min|s|m|h|d|w)", re.IGNORECASE)
_WHOLE = re.compile(rf"\s*(?:{_NUMBER}\s*(?:ms|sec|min|s|m|h|d|w)\s*)+", re.IGNORECASE)
_BARE = re.compile(rf"\s*({_NUMBER})\s*")
HINT = "use a duration like 90s, 15m, 1h30m or 2d"


def parse_duration(text: str, *, zero_ok: bool = False, longest: float | None = None) -> float:
    """Seconds in `text`; EventctlError ("cannot read the duration ...") when it is not one.

    Zero is refused unless `zero_ok`; a duration above `longest` seconds is refused too.
    """
    seconds = _seconds(text)
    if seconds is None or (seconds == 0 and not zero_ok):
        raise EventctlError(f"cannot read the duration {text!r}", hint=HINT)
    if longest is not None and seconds > longest:
        raise EventctlError(
            f"cannot read the duration {text!r}: it is longer than {format_duration(longest)}",
            hint=f"use at most {format_duration(longest)}",
        )
    return seconds


def is_duration(text: str) -> bool:
    """Whether `text` reads as a duration (zero included)."""
    return _seconds(text) is not None


def format_duration(seconds: float) -> str:
    """'15m' for 900, '1h' for 3600, '90s' for 90, '0.5s' for 0.5: whole hours or minutes
    when exact, otherwise seconds."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _seconds(text: str) -> float | None:
    bare = _BARE.fullmatch(text)
    if bare:
        return float(bare.group(1))
    if not _WHOLE.fullmatch(text):
        return None
    return sum(float(number) * UNIT_SECONDS[unit.lower()] for number, unit in _PART.findall(text))
