"""The web app's security headers, from the one file the CloudFront policy is built from.

`templates/terraform/modules/frontend/security-headers.json` is read by Terraform (the
response headers policy: `jsondecode(file(...))`) and here, for the local gateway, so a header
changed in one place changes on CloudFront and on this machine alike. The content security
policy is strict: scripts and styles only from the site itself (no inline script, no inline
style: the Angular build inlines neither), no framing, no plugins.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventctl.paths import templates_dir

#: Stands for the API's origin in the policy's sources (a host of its own on AWS).
API_ORIGIN = "API_ORIGIN"


def headers_file() -> Path:
    return templates_dir() / "terraform" / "modules" / "frontend" / "security-headers.json"


@functools.cache
def _policy() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(headers_file().read_text(encoding="utf-8"))
    return data


def content_security_policy(api_origins: Sequence[str] = ()) -> str:
    """The Content-Security-Policy value; `API_ORIGIN` becomes `api_origins` (or nothing)."""
    directives = []
    for name, *sources in _policy()["content_security_policy"]:
        expanded: list[str] = []
        for source in sources:
            expanded.extend(api_origins if source == API_ORIGIN else [source])
        directives.append(" ".join([name, *expanded]))
    return "; ".join(directives)


def security_headers(api_origins: Sequence[str] = ()) -> dict[str, str]:
    """Every security header of the web app, as CloudFront's policy sends them (lower case)."""
    policy = _policy()
    hsts = policy["strict_transport_security"]
    xss = policy["xss_protection"]
    headers = {
        "content-security-policy": content_security_policy(api_origins),
        "strict-transport-security": f"max-age={hsts['max_age_sec']}"
        + ("; includeSubDomains" if hsts["include_subdomains"] else "")
        + ("; preload" if hsts["preload"] else ""),
        "x-frame-options": policy["frame_options"],
        "x-content-type-options": "nosniff",
        "referrer-policy": policy["referrer_policy"],
        "x-xss-protection": ("1" if xss["protection"] else "0")
        + ("; mode=block" if xss["protection"] and xss["mode_block"] else ""),
    }
    headers.update({name.lower(): value for name, value in policy["custom_headers"].items()})
    return headers
