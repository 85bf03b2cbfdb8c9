"""Cache and session store: Redis when REDIS_URL is set, an in-process store otherwise.

Both implement `Store`, with TTLs in seconds. Keys are namespaced by a prefix per service and
environment, so services (and test runs) sharing one Redis never see each other's keys.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Protocol


class Store(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, ttl: float | None = None) -> int:
        """Add one; `ttl` starts when the key is created (a fixed window)."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds left, or None for a missing key or one without expiry."""
        ...

    async def compare_and_set(
        self, key: str, expected: bytes, new: bytes | None, ttl: float | None = None
    ) -> bool:
        """Atomically replace (or delete, when `new` is None) `key` if it holds `expected`."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """The in-process store: a bounded dict with expiry, for one process (local runs, tests)."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._max = max_entries

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= time.monotonic():
            del self._data[key]
            return None
        return entry

    def _put(self, key: str, value: bytes, expires: float | None) -> None:
        self._data[key] = (value, expires)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    @staticmethod
    def _deadline(ttl: float | None) -> float | None:
        return None if ttl is None else time.monotonic() + ttl

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return None if entry is None else entry[0]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._put(key, value, self._deadline(ttl))

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, ttl: float | None = None) -> int:
        entry = self._live(key)
        if entry is None:
            self._put(key, b"1", self._deadline(ttl))
            return 1
        value = int(entry[0]) + 1
        self._put(key, str(value).encode(), entry[1])
        return value

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry[1] is None:
            return None
        return max(0.0, entry[1] - time.monotonic())

    async def compare_and_set(
        self, key: str, expected: bytes, new: bytes | None, ttl: float | None = None
    ) -> bool:
        entry = self._live(key)
        if entry is None or entry[0] != expected:
            return False
        if new is None:
            del self._data[key]
        else:
            self._put(key, new, self._deadline(ttl))
        return True

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()


_INCR = """
local value = redis.call('INCR', KEYS[1])
if value == 1 and tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return value
"""

_CAS = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
"""


class RedisStore:
    """The Redis store (ElastiCache in AWS); atomic steps run as Lua scripts."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self.prefix = prefix
        self._incr = self._redis.register_script(_INCR)
        self._cas = self._redis.register_script(_CAS)

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def get(self, key: str) -> bytes | None:
        value: bytes | None = await self._redis.get(self._key(key))
        return value

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._redis.set(self._key(key), value, px=_millis(ttl) if ttl else None)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._key(key))

    async def incr(self, key: str, ttl: float | None = None) -> int:
        return int(await self._incr(keys=[self._key(key)], args=[_millis(ttl) if ttl else 0]))

    async def ttl(self, key: str) -> float | None:
        millis = int(await self._redis.pttl(self._key(key)))
        return None if millis < 0 else millis / 1000

    async def compare_and_set(
        self, key: str, expected: bytes, new: bytes | None, ttl: float | None = None
    ) -> bool:
        args: list[bytes | int] = [
            expected,
            new if new is not None else b"",
            _millis(ttl) if ttl else 0,
        ]
        return bool(await self._cas(keys=[self._key(key)], args=args))

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()


def _millis(seconds: float | None) -> int:
    return max(1, int((seconds or 0) * 1000))
