"""JSON for the hot paths (log pages, log lines): orjson when it is installed, else the stdlib.

orjson decodes and encodes several times faster than the standard library's C code; `logs
tail` decodes every FilterLogEvents page and every JSON log line with it. It stays optional:
without it (a platform with no wheel), the same functions use `json` and give the same data.

Where the two libraries differ, the standard library's result is kept:
- orjson turns an integer beyond 64 bits into a float and so loses digits: a document in
  which orjson found a float of that size is decoded again by the standard library.
- `NaN`, `Infinity` and lone surrogates, which orjson refuses to read (and writes NaN as
  `null`): read and written by the standard library.
The one visible difference is how an exponent is written (`1e16`, not `1e+16`); both are JSON.
"""

from __future__ import annotations

import json
from typing import Any

_std_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_INT64 = 2.0**63
_NESTED = frozenset((float, dict, list))

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by the fallback test with orjson hidden
    orjson = None  # type: ignore[assignment]

FAST = orjson is not None
"""True when orjson does the work."""


def loads(text: str) -> Any:
    """`json.loads`, faster: the same values for every input the standard library reads."""
    if orjson is not None:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # NaN, Infinity, a lone surrogate, or not JSON at all: the stdlib decides
        else:
            if not _needs_the_standard_library(data):
                return data
    return json.loads(text)


def _needs_the_standard_library(value: Any) -> bool:
    """True when `value` holds a float orjson cannot be trusted with: 2**63 or more (maybe an
    integer orjson rounded), infinite or NaN. A container with no float, dict or list in it
    is cleared in C."""
    kind = type(value)
    if kind is dict:
        values = value.values()
    elif kind is list:
        values = value
    else:
        return kind is float and not abs(value) < _INT64
    if _NESTED.isdisjoint(map(type, values)):
        return False
    return any(map(_needs_the_standard_library, values))


def loads_int64(data: bytes) -> Any:
    """`loads` for a document whose integers all fit in 64 bits (an AWS response: times,
    counts), so the digits check is skipped: 56-digit event ids are strings there."""
    if orjson is not None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def dumps(data: Any) -> str:
    """Compact JSON text (`,` and `:` without spaces, non-ASCII kept as is)."""
    if orjson is not None and not _needs_the_standard_library(data):
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            pass  # an integer beyond 64 bits, a lone surrogate, a type orjson does not know
    return _std_encode(data)
