"""The serving rule of the built web app, shared by the local gateway and `deploy frontend`."""

from __future__ import annotations

import pytest

from eventctl.core import web_assets


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("index.html", web_assets.REVALIDATE),
        ("event-planner/browser/index.html", web_assets.REVALIDATE),
        ("main-ABCD1234.js", web_assets.IMMUTABLE),
        ("chunk-Z9Y8X7W6.js", web_assets.IMMUTABLE),
        ("styles-QWERTY12.css", web_assets.IMMUTABLE),
        ("media/inter-0A1B2C3D.woff2", web_assets.IMMUTABLE),
        ("favicon.ico", web_assets.SHORT),
        ("assets/logo.svg", web_assets.SHORT),
        # a lower-case or short suffix is part of the name, not a content hash
        ("main-abcd1234.js", web_assets.SHORT),
        ("app-v2.js", web_assets.SHORT),
    ],
)
def test_cache_control_by_file(path: str, expected: str) -> None:
    assert web_assets.cache_control(path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("main-ABCD1234.js", "text/javascript; charset=utf-8"),
        ("styles-QWERTY12.CSS", "text/css; charset=utf-8"),
        ("media/inter-0A1B2C3D.woff2", "font/woff2"),
        ("favicon.ico", "image/x-icon"),
        ("3rdpartylicenses.txt", "text/plain; charset=utf-8"),
        ("blob.bin", "application/octet-stream"),
    ],
)
def test_content_type_by_file(path: str, expected: str) -> None:
    assert web_assets.content_type(path) == expected
