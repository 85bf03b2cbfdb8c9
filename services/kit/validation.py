"""pydantic's validation errors as messages for people, each with the field at fault.

An error body says what is wrong in a sentence a web app can show as it is ("The card number
must have 12 to 19 digits."), and names the input separately (`field`: "card_number"), so a
form can put the message beside the right box. Never the value that was sent: it may be a
password or a card number.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

# How a field is named in a sentence; any other field is named by its words ("the venue").
LABELS = {
    "starts_at": "the start time",
    "ends_at": "the end time",
    "price_cents": "the price",
    "amount_cents": "the amount",
    "card_number": "the card number",
    "email": "the e-mail address",
    "user_email": "the e-mail address",
    "event_id": "the event",
    "seats": "the number of seats",
    "q": "the search text",
    "from": "the earliest start",
    "to": "the latest start",
    "refresh_token": "the sign-in session",
}


def field_name(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """The dotted name of the input at fault (None for the body as a whole)."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    return ".".join(parts) or None


def label(field: str | None) -> str:
    if field is None:
        return "the request"
    last = field.rsplit(".", 1)[-1]
    return LABELS.get(last, "the " + last.replace("_", " "))


def sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _limit(ctx: dict[str, Any], *names: str) -> Any:
    return next((ctx[name] for name in names if name in ctx), "")


def message(error: Any, field: str | None) -> str:
    """One pydantic error as a sentence naming the field in words."""
    kind, ctx = error["type"], error.get("ctx") or {}
    name = label(field)
    if kind in ("value_error", "assertion_error"):
        reason = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return sentence(reason)
    if kind == "missing":
        return sentence(f"{name} is required")
    if kind == "extra_forbidden":
        return sentence(f"{name} is not something this request takes")
    if kind == "too_short" and "min_length" in ctx:  # a secret (a password)
        return sentence(f"{name} must be at least {ctx['min_length']} characters")
    if kind == "too_long" and "max_length" in ctx:
        return sentence(f"{name} must be at most {ctx['max_length']} characters")
    if kind == "string_too_short":
        minimum = _limit(ctx, "min_length")
        return sentence(
            f"{name} cannot be empty"
            if minimum == 1
            else f"{name} must be at least {minimum} characters"
        )
    if kind == "string_too_long":
        return sentence(f"{name} must be at most {_limit(ctx, 'max_length')} characters")
    if kind in ("greater_than_equal", "greater_than"):
        return sentence(f"{name} must be at least {_limit(ctx, 'ge', 'gt')}")
    if kind in ("less_than_equal", "less_than"):
        return sentence(f"{name} must be at most {_limit(ctx, 'le', 'lt')}")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return sentence(f"{name} must be a whole number")
    if kind.startswith(("datetime", "timezone", "date_")):
        return sentence(
            f"{name} must be a date and time with a time zone, like 2030-06-01T19:00:00+02:00"
        )
    if kind in ("bool_parsing", "bool_type"):
        return sentence(f"{name} must be true or false")
    if kind == "literal_error":
        return sentence(f"{name} must be one of {_limit(ctx, 'expected')}")
    if kind == "string_pattern_mismatch":
        return sentence(f"{name} is not in the expected format")
    if kind == "json_invalid":
        return "The body is not valid JSON."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return sentence(f"{name} must be a JSON object")
    if kind == "string_type":
        return sentence(f"{name} must be text")
    return sentence(f"{name} is not valid")


def problems(exc: ValidationError) -> list[dict[str, Any]]:
    """Every error as {field, detail, code}, without the offending input."""
    found = []
    for error in exc.errors(include_url=False, include_input=False):
        field = field_name(error["loc"])
        found.append({"field": field, "detail": message(error, field), "code": error["type"]})
    return found
