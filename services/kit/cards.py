"""Card numbers: the input type every service uses, the Luhn check, and the last four digits.

A card number is held as a `SecretStr` from the moment it is parsed, so a repr, a log line or a
validation error can never show it; `last4` is the only part any service stores or logs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise(number: str) -> str:
    """The digits of a card number as people type it (spaces and dashes allowed)."""
    return number.replace(" ", "").replace("-", "")


def _check(value: SecretStr) -> SecretStr:
    digits = normalise(value.get_secret_value())
    if not digits.isascii() or not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise ValueError("the card number must have 12 to 19 digits")
    if not luhn_valid(digits):
        raise ValueError("this card number is not valid: check its digits")
    return SecretStr(digits)


CardNumber = Annotated[
    SecretStr,
    Field(description="12-19 digits (spaces or dashes allowed), Luhn-valid; never stored"),
    AfterValidator(_check),
]


def last4(number: SecretStr) -> str:
    return number.get_secret_value()[-4:]


def brand(number: SecretStr) -> str:
    """The card network, from the number's leading digits (IIN ranges)."""
    digits = number.get_secret_value()
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    if digits.startswith(("6011", "65")):
        return "discover"
    return "unknown"
