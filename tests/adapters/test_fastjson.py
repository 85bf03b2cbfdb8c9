"""adapters.fastjson: orjson's speed with the standard library's values, and the fallback."""

from __future__ import annotations

import importlib.util
import json
import sys
from types import ModuleType

import pytest

from eventctl.adapters import fastjson

DOCUMENTS = [
    '{"level": "info", "message": "ok", "ms": 12, "ratio": 0.25, "ok": true, "none": null}',
    '{"id": 123456789012345678901234567890}',  # beyond 64 bits: orjson would round it
    '{"a": [1, {"b": -9223372036854775809}]}',  # the same, nested
    '{"max": 9223372036854775807, "min": -9223372036854775808, "u": 18446744073709551615}',
    '{"big": 1e300, "small": 5e-324}',
    '{"x": NaN, "y": Infinity}',  # orjson refuses both
    '{"s": "\\ud800"}',  # a lone surrogate: orjson refuses it
    '{"s": "é😀 \\u2028 \\u0000 \\t \\" \\\\ /"}',
    '{"a": "x", "a": "y"}',
    "[1, 2, 3]",
]


def same(left: object, right: object) -> bool:
    # NaN != NaN: compare through repr, which also tells 1 from 1.0
    return repr(left) == repr(right)


@pytest.mark.parametrize("text", DOCUMENTS)
def test_loads_gives_what_the_standard_library_gives(text: str) -> None:
    assert same(fastjson.loads(text), json.loads(text))


def test_not_json_is_a_value_error() -> None:
    for text in ("{not json", "", "{'single': 1}"):
        with pytest.raises(ValueError):
            fastjson.loads(text)


def test_dumps_is_compact_and_keeps_every_digit() -> None:
    data = {"id": 2**70, "path": "/é", "nested": {"n": [1, 2.5, None]}, "s": "\ud800"}
    text = fastjson.dumps(data)
    assert text == json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    assert fastjson.dumps({"a": 1, "b": "x y"}) == '{"a":1,"b":"x y"}'
    nonfinite = {"v": [float("nan"), float("inf"), -float("inf")], "big": 1e300}
    assert fastjson.dumps(nonfinite) == '{"v":[NaN,Infinity,-Infinity],"big":1e+300}'


def test_loads_int64_reads_a_page_with_long_digit_strings() -> None:
    page = {"events": [{"eventId": "3" * 56, "timestamp": 1714564800123, "message": "m"}]}
    body = json.dumps(page).encode()
    assert fastjson.loads_int64(body) == page


def test_orjson_does_the_work_when_installed() -> None:
    pytest.importorskip("orjson")
    assert fastjson.FAST


def _without_orjson(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A fresh copy of the module, loaded as if orjson were not installed."""
    monkeypatch.setitem(sys.modules, "orjson", None)  # makes `import orjson` fail
    spec = importlib.util.spec_from_file_location("fastjson_without_orjson", fastjson.__file__)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_orjson_the_standard_library_gives_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fallback = _without_orjson(monkeypatch)
    assert not fallback.FAST
    for text in DOCUMENTS:
        assert same(fallback.loads(text), json.loads(text))
    assert fallback.dumps({"a": [1, "é"], "b": 2**70}) == '{"a":[1,"é"],"b":1180591620717411303424}'
    assert fallback.loads_int64(b'{"events": []}') == {"events": []}
