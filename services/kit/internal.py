"""Typed calls to another service's internal API, built from the routes that service serves.

A client names a route by method and path template as the other service declares it (its
`INTERNAL_ROUTES`); `Endpoint.of` finds that `ApiRoute` and keeps its `Operation`, so the
path, the body model and the model of each answer come from the declaration, not from a copy.
A route renamed or removed there fails here when the client is built (at start, and in the
tests), not at the first booking. `Endpoint.call` returns an `Answer`: the status and the
answer parsed with the model the route declares for it, or the error body's code and detail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel
from starlette.routing import BaseRoute

from services.kit.calls import ServiceClient
from services.kit.http import ApiRoute

M = TypeVar("M", bound=BaseModel)
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Answer(Generic[M]):
    """One answer: `value` for a status the route declares a model for, else the error body's
    `code` and `detail`."""

    status: int
    value: M | None = None
    code: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Endpoint(Generic[M]):
    method: str
    prefix: str  # where the other service mounts its internal routes
    route: ApiRoute
    model: type[M]  # what its successful answers are

    @classmethod
    def of(
        cls, routes: Sequence[BaseRoute], prefix: str, method: str, path: str, model: type[M]
    ) -> Endpoint[M]:
        """The route `method path` among `routes`; ValueError when it is not declared, or
        when its successful answers are not `model`."""
        for route in routes:
            if (
                isinstance(route, ApiRoute)
                and route.path == path
                and method in (route.methods or ())
            ):
                declared = {s: m for s, m in route.operation.responses.items() if s < 300}
                if not declared or any(m is not model for m in declared.values()):
                    raise ValueError(f"{method} {prefix}{path} does not answer {model.__name__}")
                return cls(method, prefix.rstrip("/"), route, model)
        raise ValueError(f"no route {method} {prefix}{path} is declared")

    def url(self, **params: str) -> str:
        def value(match: re.Match[str]) -> str:
            return quote(params[match.group(1)], safe="")

        return self.prefix + _PARAM.sub(value, self.route.path)

    async def call(
        self, client: ServiceClient, body: dict[str, Any] | None = None, **params: str
    ) -> Answer[M]:
        """Send it (Unavailable propagates, see `ServiceClient.call`)."""
        reply = await client.call(self.method, self.url(**params), body)
        if reply.status_code in self.route.operation.responses and reply.status_code < 300:
            return Answer(reply.status_code, self.model.model_validate_json(reply.content))
        code = detail = None
        try:
            error = reply.json()
        except ValueError:
            error = None
        if isinstance(error, dict):
            code = error.get("code") if isinstance(error.get("code"), str) else None
            detail = error.get("detail") if isinstance(error.get("detail"), str) else None
        return Answer(reply.status_code, code=code, detail=detail)
