"""Calls to another service's internal API, with this service's credential and a deadline.

A call either returns the other service's answer (any status below 500) or raises
`Unavailable`, saying whether the request may have been processed (`sent=True`: a timeout, a
dropped connection, a 5xx) or certainly was not (`sent=False`: the connection was refused or
never made). Callers rely on that difference to clean up safely.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from services.kit.errors import Unavailable

log = logging.getLogger("services.calls")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ServiceClient:
    """One other service, reached at `base_url` through the kit's HTTP client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        name: str,
        base_url: str,
        headers: dict[str, str],
        *,
        timeout: float = 5.0,
    ) -> None:
        self.http = http
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.headers = headers
        self.timeout = timeout

    async def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """The answer of `method path` (status < 500); Unavailable otherwise."""
        try:
            response = await self.http.request(
                method,
                self.base_url + path,
                json=body,
                headers=self.headers,
                timeout=self.timeout,
            )
        except _NOT_SENT as exc:
            log.warning("call failed", extra={"to": self.name, "error": type(exc).__name__})
            raise Unavailable(f"the {self.name} service is unavailable", sent=False) from None
        except httpx.HTTPError as exc:
            log.warning("call failed", extra={"to": self.name, "error": type(exc).__name__})
            raise Unavailable(f"the {self.name} service did not answer", sent=True) from None
        if response.status_code >= 500:
            log.warning("call failed", extra={"to": self.name, "status": response.status_code})
            raise Unavailable(f"the {self.name} service failed", sent=True)
        return response
