"""Generate docs/services.md from the services' OpenAPI documents.

    python -m services.docs > docs/services.md

A test keeps the file equal to this output, so the page always matches the routes served.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette

from services.kit.settings import ServiceSettings

SECURITY = {
    "bearer": "Bearer access token",
    "service": "service credential (`X-Service-Token`)",
}


def service_settings() -> list[type[ServiceSettings]]:
    from services.auth.settings import AuthSettings
    from services.booking.settings import BookingSettings
    from services.event.settings import EventSettings
    from services.notification.settings import NotificationSettings
    from services.payment.settings import PaymentSettings

    return [AuthSettings, EventSettings, BookingSettings, PaymentSettings, NotificationSettings]


def render_settings(settings: type[ServiceSettings]) -> list[str]:
    """The environment variables a service reads, with defaults, descriptions and what the
    ECS task definition must give it in AWS."""
    from platform_model import build_platform

    needs = settings.aws_needs(build_platform())
    required = {o[0] for n in needs if len(n.options) == 1 for o in n.options if len(o) == 1}
    either = {name for n in needs if len(n.options) > 1 for o in n.options for name in o}
    secret = set(settings.secret_fields())
    lines = [
        f"### {settings.service_name} service: configuration",
        "",
        "Environment variables (secrets are injected from Secrets Manager in AWS). "
        "`python -m services.<name>` also reads `HOST`, `PORT` (default: the model's port) and "
        "`WEB_CONCURRENCY` (uvicorn workers). Column AWS: `required` in dev and prod (the task "
        "definition gives it; the service refuses to start without it), `required*` one of "
        "the alternatives below, `secret` never a plain value.",
        "",
        "| variable | default | AWS | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "" if default in (None, {}, []) else f"`{default}`"
        meaning = (field.description or "").replace("|", "\\|")
        marks = ["required" if name in required else "required*" if name in either else ""]
        marks.append("secret" if name in secret else "")
        aws = ", ".join(mark for mark in marks if mark)
        lines.append(f"| `{name.upper()}` | {shown} | {aws} | {meaning} |")
    alternatives = [n for n in needs if len(n.options) > 1]
    if alternatives:
        lines += ["", "In AWS, one of (the task definition gives the parts):", ""]
        lines += [f"- {need.what}: {need.describe()}" for need in alternatives]
    return [*lines, ""]


def service_apps() -> list[Starlette]:
    """Each service's app, built with default settings (nothing is opened or started)."""
    from services.auth.app import create_app as auth_app
    from services.auth.settings import AuthSettings
    from services.booking.app import create_app as booking_app
    from services.booking.settings import BookingSettings
    from services.event.app import create_app as event_app
    from services.event.settings import EventSettings
    from services.notification.app import create_app as notification_app
    from services.notification.settings import NotificationSettings
    from services.payment.app import create_app as payment_app
    from services.payment.settings import PaymentSettings

    return [
        auth_app(AuthSettings(environment="local", jwt_private_key=None)),
        event_app(EventSettings(environment="local")),
        booking_app(BookingSettings(environment="local")),
        payment_app(PaymentSettings(environment="local")),
        notification_app(NotificationSettings(environment="local")),
    ]


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(_type(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if "const" in schema:
        return f"`{schema['const']}`"
    if "enum" in schema:
        return " \\| ".join(f"`{value}`" for value in schema["enum"])
    kind = str(schema.get("type", "any"))
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else kind


def _rules(schema: dict[str, Any]) -> str:
    rules = []
    for key, label in (
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", ">="),
        ("maximum", "<="),
        ("pattern", "pattern"),
    ):
        for candidate in [schema, *schema.get("anyOf", [])]:
            if key in candidate:
                value = candidate[key]
                rules.append(f"{label} `{value}`" if key == "pattern" else f"{label} {value}")
    if "default" in schema:
        rules.append(f"default `{json.dumps(schema['default'])}`")
    description = schema.get("description")
    if description:
        rules.append(description)
    return "; ".join(rules)


def _fields(schema: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| field | type | required | rules |", "|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        lines.append(
            f"| `{name}` | {_type(prop)} | {'yes' if name in required else 'no'} | {_rules(prop)} |"
        )
    return lines


def _parameter(parameter: dict[str, Any]) -> str:
    schema = parameter["schema"]
    rules = _rules(schema)
    return f"`{parameter['name']}` ({_type(schema)}{'; ' + rules if rules else ''})"


def render_service(document: dict[str, Any]) -> list[str]:
    info = document["info"]
    out = [f"## {info['title']}", "", info["description"], ""]
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            out += [f"### `{method.upper()} {path}`", "", op["summary"] + ".", ""]
            security = [SECURITY[name] for entry in op.get("security", []) for name in entry]
            out.append(f"- Caller: {', '.join(security) if security else 'anyone'}")
            query = [p for p in op.get("parameters", []) if p["in"] == "query"]
            if query:
                out.append("- Query: " + ", ".join(_parameter(p) for p in query))
            body = op.get("requestBody")
            if body:
                out.append(f"- Body: {_type(body['content']['application/json']['schema'])}")
            responses = []
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json")
                shape = f" {_type(content['schema'])}" if content and int(status) < 400 else ""
                responses.append(f"`{status}`{shape}")
            out += [f"- Responses: {', '.join(responses)}", ""]
    out += [f"### {info['title']}: schemas", ""]
    for name, schema in document["components"]["schemas"].items():
        out += [f"#### {name}", ""]
        if schema.get("description"):
            out += [schema["description"], ""]
        if schema.get("type") == "array":
            out += [f"A JSON array: {_type(schema)}.", ""]
            continue
        out += [*_fields(schema), ""]
    return out


def render() -> str:
    out = [
        "# Services API",
        "",
        "Generated from each service's OpenAPI document (`<prefix>/openapi.json`) by",
        "`python -m services.docs > docs/services.md`; a test keeps this page equal to it.",
        "",
        'Errors are always JSON `{"detail": "<a sentence for a person>", "code": "<a stable',
        'token for programs>"}`, with `field` when one input is at fault, `errors` (every',
        "input at fault) on a 422, and what the error is about where useful (a declined",
        "booking: `booking`); see `ErrorOut` below. Every response carries `X-Request-ID`.",
        "`/internal/...` paths are for other services only: the load balancer never routes them.",
        "",
    ]
    for app, settings in zip(service_apps(), service_settings(), strict=True):
        out += render_service(app.state.openapi)
        out += render_settings(settings)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import logging

    logging.getLogger("services").setLevel(logging.ERROR)  # no start-up warnings in the output
    print(render(), end="")
