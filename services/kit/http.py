"""HTTP helpers: routes that carry their OpenAPI description, body/query parsing, JSON errors.

Every error a service answers has one shape: `{"detail": "<a sentence for a person>", "code":
"<a machine token>"}`, plus `"field"` when one input is at fault (and, for validation, `"errors"`
listing every field), plus whatever the endpoint attaches (a declined booking: `"booking"`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.kit import errors
from services.kit.validation import problems, sentence

log = logging.getLogger("services.http")

M = TypeVar("M", bound=BaseModel)

Security = Literal["none", "bearer", "service"]


@dataclass(frozen=True)
class Operation:
    """What OpenAPI says about one route: models, statuses, who may call it."""

    summary: str
    responses: Mapping[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    security: Security = "none"
    tags: Sequence[str] = field(default_factory=tuple)


class ApiRoute(Route):
    """A Starlette route plus its `Operation`, so the OpenAPI document matches the routes."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str],
        operation: Operation,
    ) -> None:
        super().__init__(path, endpoint, methods=list(methods))
        self.operation = operation


class ApiError(Exception):
    """An HTTP error raised by an endpoint (not by a service): detail, code, and `extra`
    members of the body (the field at fault, a resource attached)."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = dict(headers or {})
        self.extra = extra


def error_body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    """The one error shape (members that are None are left out)."""
    return {"detail": detail, "code": code, **{k: v for k, v in extra.items() if v is not None}}


def json_response(
    data: BaseModel | Mapping[str, Any] | Sequence[Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = data.model_dump_json().encode() if isinstance(data, BaseModel) else _dumps(data)
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


async def read_json(request: Request, model: type[M], max_bytes: int) -> M:
    """The request body validated as `model`; 413/415/422 when it is not acceptable."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            415, "Send the body as JSON, with Content-Type: application/json.", "unsupported_media"
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise ApiError(413, f"The body is larger than {max_bytes} bytes.", "body_too_large")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise invalid_input(exc) from None


def read_query(request: Request, model: type[M]) -> M:
    """The query string validated as `model` (422 when invalid)."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise invalid_input(exc) from None


def invalid_input(exc: ValidationError) -> ApiError:
    """A 422 saying what is wrong with the first field at fault, listing all of them."""
    found = problems(exc)
    first = found[0]
    return ApiError(422, first["detail"], "invalid", field=first["field"], errors=found)


DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.Invalid: 422,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    status = next(s for kind, s in DOMAIN_STATUS.items() if isinstance(exc, kind))
    headers: dict[str, str] = {}
    if isinstance(exc, errors.RateLimited | errors.Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    body = error_body(sentence(exc.detail), exc.code or exc.default_code, field=exc.field)
    return json_response(body, status, headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json_response(error_body(exc.detail, exc.code, **exc.extra), exc.status, exc.headers)


HTTP_ERRORS = {
    404: ("There is nothing at this address.", "not_found"),
    405: ("This address does not take that method.", "method_not_allowed"),
}


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail, code = HTTP_ERRORS.get(
        exc.status_code, (sentence(exc.detail), f"http_{exc.status_code}")
    )
    return json_response(error_body(detail, code), exc.status_code, exc.headers)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (the request middleware writes it); never to the client.
    body = error_body("Something went wrong on our side; please try again.", "internal_error")
    return json_response(body, 500)


EXCEPTION_HANDLERS: dict[Any, Callable[..., Any]] = {
    errors.DomainError: domain_error_handler,
    ApiError: api_error_handler,
    HTTPException: http_exception_handler,
    Exception: server_error_handler,
}
