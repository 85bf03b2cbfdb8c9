"""A backend for the gateway tests: reports what it received; can be slow, stream, set cookies."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.helpers.net import free_port, wait_for_port


async def echo(request: Request) -> Response:
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.stream():
        digest.update(chunk)
        size += len(chunk)
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": {k: v for k, v in request.headers.items()},
            "size": size,
            "sha256": digest.hexdigest(),
        },
        headers={"x-backend": "echo"},
    )


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("seconds", "3")))
    return JSONResponse({"slow": True})


async def stream(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for number in range(5):
            yield f"part {number}\n".encode()
            await asyncio.sleep(0.01)

    return StreamingResponse(parts(), media_type="text/plain")


async def cookies(request: Request) -> Response:
    response = Response("ok")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


app = Starlette(
    routes=[
        Route("/api/echo/slow", slow),
        Route("/api/echo/stream", stream),
        Route("/api/echo/cookies", cookies),
        Route("/api/echo{rest:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
)


@contextmanager
def running_echo() -> Iterator[int]:
    """The echo app on a free loopback port, in a thread; stopped on exit."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield port
    finally:
        server.should_exit = True
        deadline = time.monotonic() + 10
        while thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.1)
