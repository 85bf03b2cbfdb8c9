"""The OpenAPI 3.1 document of a service, built from its `ApiRoute`s and pydantic models.

Because the document is generated from the routes the app really serves, it cannot drift from
them; a test checks that every route is documented and every documented path is routed.
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Mount, Route

from services.kit.http import ApiRoute, Operation

Mode = Literal["validation", "serialization"]


class FieldProblem(BaseModel):
    field: str | None = Field(description="the input at fault (dotted for nested ones)")
    detail: str = Field(description="what is wrong with it, for a person")
    code: str = Field(description="pydantic's error type, e.g. missing, string_too_short")


class ErrorOut(BaseModel):
    """Every error. `detail` is a sentence to show a person as it is; `code` a stable token
    for programs (it tells apart refusals that share a status, e.g. `not_enough_seats`);
    `field` the input at fault, if one is. Some errors attach what they are about (a declined
    booking: `booking`)."""

    model_config = ConfigDict(extra="allow")

    detail: str
    code: str
    field: str | None = Field(default=None, description="the input at fault")
    errors: list[FieldProblem] | None = Field(
        default=None, description="422: every input at fault, the first one above"
    )


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256)"},
    "service": {"type": "apiKey", "in": "header", "name": "X-Service-Token"},
}


def iter_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    """(full path, route) for every endpoint route, descending into mounts."""
    for route in routes:
        if isinstance(route, Mount):
            yield from iter_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def _openapi_path(path: str) -> str:
    return re.sub(r"{([A-Za-z_][A-Za-z0-9_]*):[^}]+}", r"{\1}", path)


def openapi_document(
    routes: Sequence[BaseRoute],
    *,
    title: str,
    version: str,
    description: str = "",
    remote_keys: bool = False,
) -> dict[str, Any]:
    """`remote_keys`: bearer tokens are verified with keys fetched from the auth service, so
    a bearer route can also answer 503 (a key it does not know, while auth is unreachable)."""
    wanted: list[tuple[type[BaseModel], Mode]] = [(ErrorOut, "serialization")]
    operations: list[tuple[str, str, Operation]] = []
    for path, route in iter_routes(routes):
        if not isinstance(route, ApiRoute):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            operations.append((_openapi_path(path), method.lower(), route.operation))
        op = route.operation
        if op.body is not None:
            wanted.append((op.body, "validation"))
        wanted.extend((model, "serialization") for model in op.responses.values() if model)
    refs, schemas = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in operations:
        paths.setdefault(path, {})[method] = _operation(path, op, refs, remote_keys)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _operation(path: str, op: Operation, refs: dict[Any, Any], remote_keys: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"summary": op.summary}
    if op.tags:
        result["tags"] = list(op.tags)
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{([A-Za-z_][A-Za-z0-9_]*)}", path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(mode="validation")
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.security != "none":
        result["security"] = [{op.security: []}]
    statuses = dict(op.responses)
    if op.security == "bearer" and remote_keys:
        statuses.setdefault(503, None)
    responses: dict[str, Any] = {}
    for status, model in sorted(statuses.items()):
        entry: dict[str, Any] = {"description": http.HTTPStatus(status).phrase}
        if model is None and status >= 400:
            model = ErrorOut
        if model is not None:
            schema = refs[(model, "serialization")]
            entry["content"] = {"application/json": {"schema": schema}}
        responses[str(status)] = entry
    result["responses"] = responses
    return result
