"""Several services in one test process and one event loop, calling each other in-process.

Each app runs its real lifespan (database, migrations, outbox relay, consumers); calls between
services go through `Network`, an httpx transport that routes by the port in the URL (the
model's port of each service, which is where `service_url` points locally) to the app's ASGI
interface. A service can be taken down: its connections are then refused, as a stopped process
would refuse them. Two faults can be planted on a request: the caller dies before sending it or
after its answer (`crash_caller`), or the request is delivered late (`deliver_late`): the caller
gives up at once (a timeout, a 502, or it dies) while the request is held back, and reaches the
service only when the test calls `deliver_held`, after the caller has cleaned up.

Tests drive the apps through `SyncClient`s, which have the methods of Starlette's TestClient
that the test helpers use (get/post/patch/delete), so `signed_in`, `create_event` and the
others work with either.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio.from_thread
import httpx
from starlette.applications import Starlette

from platform_model import build_platform

T = TypeVar("T")
PLATFORM = build_platform()


class Crash(BaseException):
    """The calling process died at this point: nothing after it runs (not even `except
    Exception` handlers), as with SIGKILL."""


class Network(httpx.AsyncBaseTransport):
    """Routes `http://127.0.0.1:<port>/...` to the app serving that service's port."""

    def __init__(self) -> None:
        self.apps: dict[int, httpx.ASGITransport] = {}
        self.names: dict[int, str] = {}
        self.down: set[str] = set()
        self.calls: list[tuple[str, str, str]] = []  # (service, method, path)
        self._crashes: list[tuple[str, str, str, str]] = []
        self._late: list[tuple[str, str, str, str]] = []
        self.held: list[tuple[int, httpx.Request]] = []  # (port, request) delivered late

    def crash_caller(self, service: str, method: str, path_part: str, when: str) -> None:
        """Once: the caller of `method` on a `service` path containing `path_part` dies
        `before` sending it or `after` the answer arrived."""
        self._crashes.append((service, method, path_part, when))

    def _crash_rule(self, name: str, request: httpx.Request) -> str | None:
        for rule in self._crashes:
            service, method, part, when = rule
            if (service, method) == (name, request.method) and part in request.url.path:
                self._crashes.remove(rule)
                return when
        return None

    def deliver_late(self, service: str, method: str, path_part: str, caller_sees: str) -> None:
        """Once: a `method` request to a `service` path containing `path_part` is held back
        (delivered by `deliver_held`), and its caller at once sees `timeout` (the answer never
        came), `5xx` (a 502 from something in between) or `crash` (it died waiting)."""
        if caller_sees not in ("timeout", "5xx", "crash"):
            raise ValueError(f"caller_sees is timeout, 5xx or crash, not {caller_sees!r}")
        self._late.append((service, method, path_part, caller_sees))

    async def deliver_held(self) -> list[httpx.Response]:
        """Deliver the held-back requests now, in order: the answers nobody waited for."""
        answers = []
        while self.held:
            port, request = self.held.pop(0)
            response = await self.apps[port].handle_async_request(request)
            await response.aread()
            answers.append(response)
        return answers

    def _late_rule(self, name: str, request: httpx.Request) -> str | None:
        for rule in self._late:
            service, method, part, caller_sees = rule
            if (service, method) == (name, request.method) and part in request.url.path:
                self._late.remove(rule)
                return caller_sees
        return None

    def attach(self, name: str, app: Starlette) -> None:
        port = PLATFORM.service(name).port
        self.apps[port] = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.names[port] = name

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port or 80
        name = self.names.get(port, "?")
        if port not in self.apps or name in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        self.calls.append((name, request.method, request.url.path))
        late = self._late_rule(name, request)
        if late is not None:
            await request.aread()  # kept whole, to be sent later
            self.held.append((port, request))
            if late == "crash":
                raise Crash(f"died waiting for {request.method} {request.url.path}")
            if late == "5xx":
                return httpx.Response(502, json={"detail": "bad gateway"}, request=request)
            raise httpx.ReadTimeout("no answer in time", request=request)
        crash = self._crash_rule(name, request)
        if crash == "before":
            raise Crash(f"died before {request.method} {request.url.path}")
        response = await self.apps[port].handle_async_request(request)
        if crash == "after":
            await response.aread()
            raise Crash(f"died after {request.method} {request.url.path}")
        return response


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Run `app`'s lifespan: startup on entry, shutdown on exit (as uvicorn does)."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def receive() -> dict[str, Any]:
        return await to_app.get()

    async def send(message: dict[str, Any]) -> None:
        await from_app.put(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, receive, send))
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        await task
        raise RuntimeError(f"startup failed: {started.get('message')}")
    try:
        yield
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await from_app.get()
        await task
        if stopped["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(f"shutdown failed: {stopped.get('message')}")


class SyncClient:
    """A blocking client of one app, run through the cluster's event loop."""

    def __init__(self, cluster: Cluster, name: str, app: Starlette) -> None:
        self.cluster = cluster
        self.name = name
        self.app = app
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.cluster.call(self.client.request, method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    @property
    def kit(self) -> Any:
        return self.app.state.kit

    @property
    def service(self) -> Any:
        return self.app.state.service


class Cluster:
    """Apps started in one event loop (a blocking portal) with a shared `Network`."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, network: Network) -> None:
        self.portal = portal
        self.network = network
        self.clients: dict[str, SyncClient] = {}
        self._stack = contextlib.AsyncExitStack()

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run `fn(*args, **kwargs)` in the cluster's event loop and return its result."""

        async def run() -> tuple[T | None, Crash | None]:
            try:
                return await fn(*args, **kwargs), None
            except Crash as crash:  # kept from the portal's task group, re-raised below
                return None, crash

        result, crash = self.portal.call(run)
        if crash is not None:
            raise crash
        return result  # type: ignore[return-value]

    def start(self, name: str, app: Starlette) -> SyncClient:
        self.network.attach(name, app)
        self.call(self._stack.enter_async_context, lifespan(app))
        client = SyncClient(self, name, app)
        self.clients[name] = client
        return client

    def take_down(self, name: str) -> None:
        """Its port refuses connections from now on, as if its process had stopped."""
        self.network.down.add(name)

    def bring_up(self, name: str) -> None:
        self.network.down.discard(name)

    def close(self) -> None:
        for client in self.clients.values():
            self.call(client.client.aclose)
        self.call(self._stack.aclose)

    def __getitem__(self, name: str) -> SyncClient:
        return self.clients[name]


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    with anyio.from_thread.start_blocking_portal() as portal:
        running = Cluster(portal, Network())
        try:
            yield running
        finally:
            running.close()
