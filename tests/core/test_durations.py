"""One duration parser: the spellings of every option that takes a duration."""

from __future__ import annotations

import pytest

from eventctl.core.durations import format_duration, is_duration, parse_duration
from eventctl.errors import EventctlError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45", 45),
        ("90s", 90),
        ("90 sec", 90),
        ("15m", 900),
        ("15min", 900),
        ("15M", 900),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("500ms", 0.5),
        ("1.5h", 5400),
        ("2d", 172800),
        ("1w", 604800),
        (" 10m ", 600),
    ],
)
def test_every_spelling_the_options_accepted(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)
    assert is_duration(text)


@pytest.mark.parametrize("text", ["", "soon", "-5m", "5 minutes", "m", "1h30", "2024-05-01"])
def test_anything_else_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(EventctlError, match="cannot read the duration") as caught:
        parse_duration(text)
    assert caught.value.hint and "1h30m" in caught.value.hint
    assert not is_duration(text)


def test_zero_only_when_the_caller_allows_it() -> None:
    with pytest.raises(EventctlError, match="cannot read the duration '0m'"):
        parse_duration("0m")
    assert parse_duration("0m", zero_ok=True) == 0


def test_a_ceiling_names_itself() -> None:
    assert parse_duration("12h", longest=86400) == 43200
    with pytest.raises(
        EventctlError, match="cannot read the duration '10d': it is longer than 24h"
    ):
        parse_duration("10d", longest=86400)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (900, "15m"),
        (3600, "1h"),
        (90, "90s"),
        (45, "45s"),
        (5400, "90m"),
        (86400, "24h"),
        (0.5, "0.5s"),
    ],
)
def test_formatted_as_terraform_and_go_read_it(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown
    assert parse_duration(shown) == seconds
