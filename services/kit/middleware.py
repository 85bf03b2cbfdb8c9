"""The request middleware (pure ASGI): request id, one access log line, one audit record;
and CORS, whose refusals answer in the services' error shape.

The request id comes from `X-Request-ID` when it is well-formed, otherwise it is generated; it is
returned in the response, put on every log line, and sent on downstream calls.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.audit import AuditNote, AuditWriter, Outcome, audit_var
from services.kit.logs import request_id_var

access_log = logging.getLogger("services.access")
error_log = logging.getLogger("services.error")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_ip(scope: Scope, trusted_hops: int) -> str | None:
    """The caller's address: the socket peer, or the entry `trusted_hops` proxies saw."""
    if trusted_hops:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                hops = [part.strip() for part in value.decode("latin-1").split(",")]
                if len(hops) >= trusted_hops:
                    return str(hops[-trusted_hops])
    client = scope.get("client")
    return str(client[0]) if client else None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


@dataclass
class RequestMiddleware:
    app: ASGIApp
    service: str
    trusted_proxy_hops: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        note = AuditNote()
        audit_token = audit_var.set(note)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            error_log.exception("unhandled error", extra={"path": scope["path"]})
            raise
        finally:
            ip = client_ip(scope, self.trusted_proxy_hops)
            self._log(scope, status, started, ip)
            if scope["method"] not in SAFE_METHODS:
                self._audit(scope, status, ip, request_id, note)
            audit_var.reset(audit_token)
            request_id_var.reset(token)

    def _log(self, scope: Scope, status: int, started: float, ip: str | None) -> None:
        access_log.info(
            "request",
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "client_ip": ip,
            },
        )

    def _audit(
        self, scope: Scope, status: int, ip: str | None, request_id: str, note: AuditNote
    ) -> None:
        kit = getattr(scope["app"].state, "kit", None)  # set once the lifespan has started
        if kit is None:
            return
        writer: AuditWriter = kit.audit
        writer.submit(
            service=self.service,
            actor=note.actor,
            action=note.action or f"{scope['method']} {scope['path']}",
            resource=note.resource,
            outcome=Outcome.from_status(status).value,
            request_id=request_id,
            client_ip=ip,
        )


class Cors(CORSMiddleware):
    """Starlette's CORS handling, with a refused preflight in the services' error shape
    (Starlette answers it in plain text: "Disallowed CORS origin")."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        headers = {  # Starlette's (Vary among them), but the body's own
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-type", "content-length")
        }
        return JSONResponse(
            {
                "detail": f"this cross-origin request is not allowed (its {refused})",
                "code": "cors_refused",
            },
            status_code=400,
            headers=headers,
        )
