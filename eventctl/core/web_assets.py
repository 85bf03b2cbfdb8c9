"""How each file of the built web app is served: its Content-Type and its Cache-Control.

One rule for the local gateway and for `deploy frontend` (S3 object metadata, which CloudFront
passes on), so a file is cached the same way on this machine and behind CloudFront:

- files whose name carries a content hash (`main-ABCD1234.js`, `chunk-XYZ98765.js`,
  `styles-QWERTY12.css`, `media/font-0A1B2C3D.woff2`) never change under that name: cached for
  a year as immutable;
- `index.html` names those files, so it must be revalidated on every load: `no-cache`;
- anything else (`favicon.ico`, `assets/...`) keeps its name between releases: five minutes.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SHORT = "public, max-age=300"

#: The web app's entry point, served for every route of the single-page app.
INDEX = "index.html"

# Angular's builder (esbuild) appends "-" and an 8-character upper-case hash to output names.
_FINGERPRINT = re.compile(r"-[A-Z0-9]{8}\.[A-Za-z0-9]+$")

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}


def is_fingerprinted(relative_path: str) -> bool:
    """Whether the file's name carries a content hash (so it never changes under that name)."""
    return bool(_FINGERPRINT.search(PurePosixPath(relative_path).name))


def cache_control(relative_path: str) -> str:
    """The Cache-Control header of a file of the built web app (path relative to its root)."""
    if PurePosixPath(relative_path).name == INDEX:
        return REVALIDATE
    return IMMUTABLE if is_fingerprinted(relative_path) else SHORT


def content_type(relative_path: str) -> str:
    """The Content-Type of a file of the built web app; unknown kinds are opaque bytes."""
    return _TYPES.get(PurePosixPath(relative_path).suffix.lower(), "application/octet-stream")
