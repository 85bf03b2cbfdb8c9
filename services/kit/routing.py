"""Paths with and without a trailing slash answer alike, with no redirect; and the public
address a trusted proxy reports becomes the request's own.

Starlette answers a path that matches a route only with (or without) its trailing slash with
a 307 to the other spelling, built from the Host the service saw: behind the gateway or the
ALB that is an internal address, and a client that follows it loses its Authorization header
on the way. `SlashTolerant` serves the other spelling directly instead.

Behind `trusted_proxy_hops` proxies, `PublicAddress` sets the request's scheme and host from
`X-Forwarded-Proto` / `X-Forwarded-Host` as the nearest proxy (the one the service trusts)
wrote them, so any URL the service builds from the request (`request.url`, a redirect) is the
one the client used. With no trusted proxy those headers are ignored: anyone can send them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


def resolves(routes: Sequence[BaseRoute], scope: Scope) -> bool:
    """Whether some route (through its mounts) answers `scope`'s path, for any method."""
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount) and match is Match.FULL:
            if resolves(route.routes, {**scope, **child}):
                return True
            continue
        return True
    return False


def _toggled(path: str) -> str:
    return path.rstrip("/") if path.endswith("/") else path + "/"


def _toggled_raw(raw: bytes) -> bytes:
    return raw.rstrip(b"/") if raw.endswith(b"/") else raw + b"/"


@dataclass
class SlashTolerant:
    """Serve `/x/` as `/x` (or the other way round) when only the other spelling routes."""

    app: ASGIApp
    routes: Sequence[BaseRoute]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/" and not resolves(self.routes, scope):
            other = {**scope, "path": _toggled(scope["path"])}
            if scope.get("raw_path"):
                other["raw_path"] = _toggled_raw(scope["raw_path"])
            if resolves(self.routes, other):
                scope = other
        await self.app(scope, receive, send)


def _nearest(value: str) -> str:
    """The entry the nearest proxy wrote: the last of a comma-separated list."""
    return value.split(",")[-1].strip()


@dataclass
class PublicAddress:
    """The scheme and host the client used, from the trusted proxy's forwarded headers."""

    app: ASGIApp
    trusted_proxy_hops: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted_proxy_hops and scope["type"] in ("http", "websocket"):
            scope = self._public(scope)
        await self.app(scope, receive, send)

    @staticmethod
    def _public(scope: Scope) -> Scope:
        headers = list(scope.get("headers", []))
        found = {bytes(n).decode("latin-1"): bytes(v).decode("latin-1") for n, v in headers}
        changed = dict(scope)
        proto = _nearest(found.get("x-forwarded-proto", "")).lower()
        if proto in ("http", "https"):
            changed["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        host = _nearest(found.get("x-forwarded-host", ""))
        if host and _HOST.fullmatch(host):
            changed["headers"] = [(n, v) for n, v in headers if n != b"host"]
            changed["headers"].append((b"host", host.encode("latin-1")))
        return changed
