"""Calls to another service's internal API, with this service's credential and a deadline.

A call either returns the other service's answer (any status below 500) or raises
`Unavailable`, saying whether the request may have been processed (`sent=True`: a timeout, a
dropped connection, a 5xx) or certainly was not (`sent=False`: the connection was refused or
never made). Callers rely on that difference to clean up safely.

Between services the requests are small JSON bodies on the hot path of every booking, so they
go through `HttpPool`: keep-alive HTTP/1.1 connections per peer, written directly on asyncio
streams and parsed by httptools (uvicorn's parser). httpx's pool polls every pooled socket on
every request, which cost a third of the booking service's CPU under load (see
docs/decisions.md). Tests that run services in one process route calls through an httpx
transport instead (`HttpxSender`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from services.kit.errors import Unavailable
from services.kit.logs import request_id_var

log = logging.getLogger("services.calls")


@dataclass(frozen=True)
class Reply:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class NotSent(Exception):
    """The request never reached the peer (no connection)."""


class Lost(Exception):
    """The request may have reached the peer, but no complete answer came back."""


class Sender(Protocol):
    async def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> Reply: ...

    async def aclose(self) -> None: ...


# -- the pooled HTTP/1.1 client ----------------------------------------------------------------


class _Parsed:
    """httptools callbacks: collects one response."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.done = False
        self.started = False
        self.keep_alive = False
        self.parser: Any = None

    def on_message_begin(self) -> None:
        self.started = True

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        # Asked here: once feed_data returns, the parser has already reset this state.
        self.keep_alive = bool(self.parser.should_keep_alive())
        self.done = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    def close(self) -> None:
        self.writer.close()


class HttpPool:
    """Keep-alive HTTP/1.1 connections to one `http://host:port`.

    An idle connection is reused only while younger than `idle_seconds` (below uvicorn's
    5-second keep-alive, so the server has not closed it). If a reused connection turns out
    closed before any byte of the answer, the request is sent once more on a new connection:
    the internal APIs are idempotent by the caller's key, so a repeat is safe.
    """

    def __init__(self, base_url: str, *, max_idle: int = 100, idle_seconds: float = 4.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"internal calls use plain http://host:port URLs, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        self._idle: deque[_Connection] = deque()
        self._head = f"Host: {self.host}:{self.port}\r\n"

    async def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> Reply:
        request = self._encode(method, path, headers, body)
        sent = False
        try:
            async with asyncio.timeout(timeout):
                connection, reused = await self._acquire()
                sent = True
                try:
                    return await self._exchange(connection, request)
                except _Stale:
                    if not reused:
                        raise Lost("the connection closed before an answer") from None
                sent = False
                connection, _ = await self._connect()
                sent = True
                try:
                    return await self._exchange(connection, request)
                except _Stale:
                    raise Lost("the connection closed before an answer") from None
        except TimeoutError:
            if not sent:  # still connecting: nothing went out
                raise NotSent("connect timed out") from None
            raise

    def _encode(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> bytes:
        lines = [f"{method} {path} HTTP/1.1\r\n", self._head]
        lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n")
        lines.append("\r\n")
        return "".join(lines).encode("latin-1") + (body or b"")

    async def _acquire(self) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()  # the most recently used: least likely closed
            if now - connection.idle_since < self.idle_seconds and not connection.reader.at_eof():
                return connection, True
            connection.close()
        return await self._connect()

    async def _connect(self) -> tuple[_Connection, bool]:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as exc:
            raise NotSent(f"{type(exc).__name__}: {exc}") from None
        return _Connection(reader, writer), False

    async def _exchange(self, connection: _Connection, request: bytes) -> Reply:
        import httptools

        parsed = _Parsed()
        parser = parsed.parser = httptools.HttpResponseParser(parsed)
        try:
            connection.writer.write(request)
            while not parsed.done:
                data = await connection.reader.read(65536)
                if not data:
                    raise _Stale() if not parsed.started else Lost("the answer was cut short")
                parser.feed_data(data)
        except (_Stale, Lost):
            connection.close()
            raise
        except (OSError, httptools.HttpParserError) as exc:
            connection.close()
            if not parsed.started and isinstance(exc, ConnectionError):
                raise _Stale() from None
            raise Lost(f"{type(exc).__name__}: {exc}") from None
        except BaseException:  # a timeout or cancellation mid-answer: the stream is unusable
            connection.close()
            raise
        if parsed.keep_alive and len(self._idle) < self.max_idle:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return Reply(parser.get_status_code(), bytes(parsed.body))

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()


class _Stale(Exception):
    """A kept-alive connection was closed by the peer before answering."""


class HttpxSender:
    """Sends through an httpx client (tests route it to in-process apps)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    async def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None, timeout: float
    ) -> Reply:
        extra = {"Content-Type": "application/json"} if body is not None else {}
        try:
            response = await self.http.request(
                method,
                self.base_url + path,
                content=body,
                headers={**headers, **extra},
                timeout=timeout,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotSent(type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise Lost(type(exc).__name__) from None
        return Reply(response.status_code, response.content)

    async def aclose(self) -> None:
        return None  # the kit owns the httpx client


# -- the client services use -------------------------------------------------------------------


class ServiceClient:
    """Another service's internal API, called with this service's credential."""

    def __init__(
        self, name: str, sender: Sender, headers: Mapping[str, str], *, timeout: float = 5.0
    ) -> None:
        self.name = name
        self.sender = sender
        self.headers = dict(headers)
        self.timeout = timeout

    async def call(self, method: str, path: str, body: Any = None) -> Reply:
        """The answer of `method path` (status < 500); Unavailable otherwise."""
        headers = self.headers
        request_id = request_id_var.get()
        if request_id:
            headers = {**headers, "X-Request-ID": request_id}
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        try:
            reply = await self.sender.send(method, path, headers, payload, self.timeout)
        except NotSent as exc:
            self._failed(str(exc))
            raise Unavailable(f"the {self.name} service is unavailable", sent=False) from None
        except (Lost, TimeoutError) as exc:
            self._failed(type(exc).__name__)
            raise Unavailable(f"the {self.name} service did not answer", sent=True) from None
        if reply.status_code >= 500:
            self._failed(f"status {reply.status_code}")
            raise Unavailable(f"the {self.name} service failed", sent=True)
        return reply

    def _failed(self, error: str) -> None:
        log.warning("call failed", extra={"to": self.name, "error": error})

    async def aclose(self) -> None:
        await self.sender.aclose()
