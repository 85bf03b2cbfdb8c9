"""The kit's pooled HTTP client for internal calls, against a real uvicorn server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from services.kit.calls import HttpPool, ServiceClient
from services.kit.errors import Unavailable
from services.kit.logs import request_id_var
from tests.helpers.net import free_port


async def echo(request: Request) -> Response:
    body = await request.body()
    client = request.client
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "body": body.decode(),
            "token": request.headers.get("x-service-token"),
            "request_id": request.headers.get("x-request-id"),
            "content_type": request.headers.get("content-type"),
            "peer_port": client.port if client else None,
        }
    )


async def slow(request: Request) -> Response:
    await asyncio.sleep(2)
    return JSONResponse({})


async def boom(request: Request) -> Response:
    return JSONResponse({"detail": "internal server error"}, status_code=500)


async def refused(request: Request) -> Response:
    return JSONResponse({"detail": "not enough seats"}, status_code=409)


async def chunked(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b'{"parts":', b'["a",', b'"b"]}'):
            yield part

    return StreamingResponse(parts(), media_type="application/json")


async def closing(request: Request) -> Response:
    return JSONResponse({"closing": True}, headers={"Connection": "close"})


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST", "DELETE"]),
        Route("/slow", slow),
        Route("/boom", boom),
        Route("/refused", refused, methods=["POST"]),
        Route("/chunked", chunked),
        Route("/closing", closing),
    ]
)


def serve(scenario: Callable[[ServiceClient, HttpPool], Awaitable[None]], **pool: Any) -> None:
    """Run `scenario` against APP served by uvicorn on a free port (keep-alive 1 s)."""
    import uvicorn

    port = free_port()

    async def main() -> None:
        config = uvicorn.Config(
            APP, host="127.0.0.1", port=port, log_config=None, timeout_keep_alive=1
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        sender = HttpPool(f"http://127.0.0.1:{port}", **pool)
        client = ServiceClient("peer", sender, {"X-Service-Token": "s3cret"}, timeout=1)
        try:
            await scenario(client, sender)
        finally:
            await client.aclose()
            server.should_exit = True
            await task

    asyncio.run(main())


def test_calls_send_json_and_credentials_and_reuse_connections() -> None:
    async def scenario(client: ServiceClient, pool: HttpPool) -> None:
        token = request_id_var.set("trace-7")
        try:
            first = await client.call("POST", "/echo", {"seats": 2})
        finally:
            request_id_var.reset(token)
        assert first.status_code == 200
        seen = first.json()
        assert seen["body"] == '{"seats":2}'
        assert seen["content_type"] == "application/json"
        assert (seen["token"], seen["request_id"]) == ("s3cret", "trace-7")
        second = (await client.call("DELETE", "/echo")).json()
        assert second["method"] == "DELETE"
        assert second["body"] == ""
        assert second["peer_port"] == seen["peer_port"]  # the same kept-alive connection
        refused = await client.call("POST", "/refused", {})
        assert (refused.status_code, refused.json()) == (409, {"detail": "not enough seats"})
        assert (await client.call("GET", "/chunked")).json() == {"parts": ["a", "b"]}
        assert (await client.call("GET", "/closing")).json() == {"closing": True}
        assert (await client.call("GET", "/echo")).status_code == 200

    serve(scenario)


def test_a_connection_the_server_closed_is_replaced() -> None:
    async def scenario(client: ServiceClient, pool: HttpPool) -> None:
        before = (await client.call("GET", "/echo")).json()["peer_port"]
        await asyncio.sleep(1.5)  # uvicorn closes the idle connection after 1 s
        after = await client.call("GET", "/echo")
        assert after.status_code == 200
        assert after.json()["peer_port"] != before

    serve(scenario, idle_seconds=30)  # the pool does not know it was closed


def test_failures_say_whether_the_request_may_have_been_processed() -> None:
    async def scenario(client: ServiceClient, pool: HttpPool) -> None:
        with pytest.raises(Unavailable) as timed_out:
            await client.call("GET", "/slow")
        assert timed_out.value.sent is True
        with pytest.raises(Unavailable) as failed:
            await client.call("GET", "/boom")
        assert failed.value.sent is True
        assert (await client.call("GET", "/echo")).status_code == 200  # still usable

    serve(scenario)


def test_a_refused_connection_was_certainly_not_processed() -> None:
    async def scenario() -> None:
        client = ServiceClient("peer", HttpPool(f"http://127.0.0.1:{free_port()}"), {})
        with pytest.raises(Unavailable) as refused:
            await client.call("POST", "/echo", {})
        assert refused.value.sent is False

    asyncio.run(scenario())


def test_only_plain_http_urls() -> None:
    with pytest.raises(ValueError, match="plain http"):
        HttpPool("https://payment.example.org")
