"""The local gateway: CloudFront and the ALB on one port.

`python -m eventctl.core.local.gateway CONFIG.json` serves the built web app the way the
CloudFront distribution does: from the app's folder (`frontend_dist/event-planner/browser/`,
as the origin path picks the app's prefix in the bucket), a path without a file extension is
an app route and gets index.html (the CloudFront function's rewrite), every file gets the
Content-Type and Cache-Control of `eventctl.core.web_assets` (the metadata `deploy frontend`
gives each S3 object) and the security headers of `eventctl.core.web_security` (the response
headers policy). It sends `/api/<service>` and `/api/<service>/*` to that service, as the
ALB's listener rules do.

Proxying streams both bodies, passes `X-Request-ID` through (or sets one), appends the caller
to `X-Forwarded-For`, and answers 502 (backend refused or dropped the connection) or 504
(backend too slow) in JSON, as `{"detail": ..., "code": ...}` like the services.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from eventctl.core import web_assets
from eventctl.core.web_security import security_headers

STATIC_METHODS = frozenset({"GET", "HEAD"})
# A request id the services accept as given (services/kit/middleware.py); another is replaced,
# so the gateway's log line and the service's share the id.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# Headers that describe one connection, not the message: never forwarded (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass(frozen=True)
class Backend:
    """One ALB listener rule: requests under `prefix` go to `upstream`."""

    service: str
    prefix: str
    upstream: str

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


@dataclass(frozen=True)
class GatewayConfig:
    static_dir: Path
    backends: tuple[Backend, ...]
    host: str = "127.0.0.1"
    port: int = 8080
    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    headers: Mapping[str, str] = field(default_factory=security_headers)

    @classmethod
    def load(cls, path: Path) -> GatewayConfig:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            static_dir=Path(data["static_dir"]),
            backends=tuple(Backend(**item) for item in data["backends"]),
            host=data.get("host", "127.0.0.1"),
            port=int(data["port"]),
            connect_timeout=float(data.get("connect_timeout", 2.0)),
            read_timeout=float(data.get("read_timeout", 30.0)),
        )


def log(message: str, **fields: Any) -> None:
    """One JSON line on stdout, shaped like the services' log lines."""
    entry = {
        "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "level": "info",
        "service": "gateway",
        "msg": message,
        **fields,
    }
    sys.stdout.write(json.dumps(entry, default=str) + "\n")
    sys.stdout.flush()


def create_app(config: GatewayConfig) -> ASGIApp:
    """The gateway as a plain ASGI app.

    No framework routing in between: every request is either proxied (the path of a backend),
    a JSON 404 (another `/api` path) or a file of the web app, and the proxy writes the
    backend's answer straight to the connection as it arrives. Measured against calling a
    service directly (bench/local_runtime.py), that is what keeps the gateway's overhead small.
    """
    state: dict[str, httpx.AsyncClient] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(config, state, receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        request = Request(scope, receive)
        path: str = scope["path"]
        backend = next((b for b in config.backends if b.matches(path)), None)
        if backend is not None:
            status = await _proxy(request, backend, state["client"], send)
        else:
            if path == "/api" or path.startswith("/api/"):
                response = _error(404, f"no service serves {path}")
            else:
                response = _static(request, config)
            # Its own answers carry a request id too, as the proxied ones do.
            request_id = _request_id(request)
            scope["gateway.request_id"] = request_id
            response.headers["x-request-id"] = request_id
            await response(scope, receive, send)
            status = response.status_code
        log(
            "request",
            method=scope["method"],
            path=path,
            status=status,
            backend=backend.service if backend else None,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            request_id=scope.get("gateway.request_id"),
        )

    return app


async def _lifespan(
    config: GatewayConfig, state: dict[str, httpx.AsyncClient], receive: Receive, send: Send
) -> None:
    """One pooled client to the backends for the life of the process."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
            state["client"] = httpx.AsyncClient(timeout=timeout, limits=limits)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if "client" in state:
                await state.pop("client").aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return


#: The machine code of each error the gateway answers itself (the services' error shape).
_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    502: "service_unavailable",
    504: "service_timeout",
}


def _error(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    body = {"detail": detail, "code": _CODES[status]}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


# -- the ALB part: path routing ----------------------------------------------------------


async def _proxy(request: Request, backend: Backend, client: httpx.AsyncClient, send: Send) -> int:
    """Send the request on to `backend` and its answer back; returns the status sent."""
    request_id = _request_id(request)
    request.scope["gateway.request_id"] = request_id
    headers = _forward_headers(request, request_id)
    has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
    url = backend.upstream + request.scope["path"]
    query = request.scope.get("query_string", b"")
    if query:
        url += "?" + query.decode("latin-1")
    outgoing = client.build_request(
        request.method, url, headers=headers, content=request.stream() if has_body else None
    )
    echo = {"x-request-id": request_id}
    try:
        upstream = await client.send(outgoing, stream=True)
    except httpx.TimeoutException:
        failed = _error(504, f"the {backend.service} service did not answer in time", echo)
    except httpx.TransportError:
        failed = _error(502, f"the {backend.service} service is not answering", echo)
    else:
        try:
            await _relay(upstream, send)
        finally:
            await upstream.aclose()
        return upstream.status_code
    await failed(request.scope, request.receive, send)
    return failed.status_code


async def _relay(upstream: httpx.Response, send: Send) -> None:
    # Raw pairs, not a mapping: repeated headers (Set-Cookie) must all get through.
    await send(
        {
            "type": "http.response.start",
            "status": upstream.status_code,
            "headers": _response_headers(upstream.headers),
        }
    )
    try:
        async for chunk in upstream.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except httpx.TransportError:
        pass  # the backend went away mid-body: end the response; the client sees it cut
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _request_id(request: Request) -> str:
    """The caller's X-Request-ID when it is well-formed, else a new one."""
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _forward_headers(request: Request, request_id: str) -> list[tuple[str, str]]:
    connection_listed = {
        token.strip().lower() for token in request.headers.get("connection", "").split(",")
    }
    dropped = HOP_BY_HOP | connection_listed | {"host", "x-request-id"}
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in dropped]
    client = request.client.host if request.client else ""
    previous = request.headers.get("x-forwarded-for")
    forwarded_for = f"{previous}, {client}" if previous else client
    headers = [(k, v) for k, v in headers if not k.lower().startswith("x-forwarded-")]
    headers += [
        ("x-request-id", request_id),
        ("x-forwarded-for", forwarded_for),
        ("x-forwarded-proto", request.url.scheme),
        ("x-forwarded-port", str(request.url.port or 80)),
        ("x-forwarded-host", request.headers.get("host", "")),
    ]
    return headers


def _response_headers(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    return [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in headers.multi_items()
        if k.lower() not in HOP_BY_HOP
    ]


# -- the CloudFront part: the web app --------------------------------------------------------


def _static(request: Request, config: GatewayConfig) -> Response:
    if request.method not in STATIC_METHODS:
        headers = {**config.headers, "cache-control": web_assets.REVALIDATE, "allow": "GET, HEAD"}
        return _error(405, "the web app is read-only", headers)
    relative = request.url.path.lstrip("/")
    if "." not in relative.rsplit("/", 1)[-1]:
        relative = web_assets.INDEX  # an app route, as the CloudFront function rewrites it
    root = config.static_dir.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        headers = {**config.headers, "cache-control": web_assets.REVALIDATE}
        return _error(404, f"the web app has no file /{relative}", headers)
    name = target.relative_to(root).as_posix()
    stat = target.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    headers = {**config.headers, "cache-control": web_assets.cache_control(name), "etag": etag}
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)  # unchanged: the browser's copy stands
    return FileResponse(
        target, headers=headers, media_type=web_assets.content_type(name), stat_result=stat
    )


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m eventctl.core.local.gateway CONFIG.json`: serve until SIGTERM."""
    import uvicorn

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m eventctl.core.local.gateway CONFIG.json\n")
        raise SystemExit(2)
    config = GatewayConfig.load(Path(args[0]))
    log("started", port=config.port, backends=[b.service for b in config.backends])
    uvicorn.run(
        create_app(config),
        host=config.host,
        port=config.port,
        log_config=None,
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,  # the backends' Date passes through; static files need none
        proxy_headers=False,
        ws="none",  # no WebSocket is served: uvicorn need not import a library for it
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
