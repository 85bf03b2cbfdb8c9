"""The gateway as a real process: ALB path routing and CloudFront's web app serving."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eventctl.core.web_security import security_headers
from eventctl.paths import templates_dir
from tests.helpers.net import free_port, wait_for_port
from tests.local.echo_app import running_echo


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web")
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "main-ABCD1234.js").write_text("console.log('app');")
    (root / "styles-QWERTY12.css").write_text("body{}")
    (root / "favicon.ico").write_bytes(b"\0\0\1\0")
    (root / "assets").mkdir()
    (root / "assets" / "logo.svg").write_text("<svg/>")
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("not for the web")
    (root / "leak.txt").symlink_to(outside)
    return root


@pytest.fixture(scope="module")
def gateway(static_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m eventctl.core.local.gateway` routing /api/echo to a live backend and /api/dead to
    a port nothing listens on; 1 s read timeout."""
    with running_echo() as echo_port:
        port = free_port()
        config = tmp_path_factory.mktemp("gateway") / "gateway.json"
        config.write_text(
            json.dumps(
                {
                    "static_dir": str(static_dir),
                    "port": port,
                    "read_timeout": 1.0,
                    "backends": [
                        {
                            "service": "echo",
                            "prefix": "/api/echo",
                            "upstream": f"http://127.0.0.1:{echo_port}",
                        },
                        {
                            "service": "dead",
                            "prefix": "/api/dead",
                            "upstream": f"http://127.0.0.1:{free_port()}",
                        },
                    ],
                }
            )
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "eventctl.core.local.gateway", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture
def client(gateway: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway, timeout=10) as c:
        yield c


# -- the ALB part --------------------------------------------------------------------------


def test_routes_the_prefix_and_below_it_to_the_backend(client: httpx.Client) -> None:
    for path in ("/api/echo", "/api/echo/", "/api/echo/a/b"):
        response = client.get(path, params={"q": "x y"})
        assert response.status_code == 200, path
        seen = response.json()
        assert (seen["path"], seen["query"]) == (path, "q=x+y")
        assert response.headers["x-backend"] == "echo"


def test_paths_no_rule_matches_get_a_json_404(client: httpx.Client) -> None:
    for path in ("/api/echoes", "/api/unknown/1", "/api"):
        response = client.post(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": f"no service serves {path}", "code": "not_found"}


def test_request_id_is_passed_through_or_set(client: httpx.Client) -> None:
    given = client.get("/api/echo/x", headers={"X-Request-ID": "abc-123"})
    assert given.json()["headers"]["x-request-id"] == "abc-123"
    made = client.get("/api/echo/x")
    request_id = made.json()["headers"]["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # one the services would not take as given is replaced here already, so both logs agree
    odd = client.get("/api/echo/x", headers={"X-Request-ID": "has spaces " + "x" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.json()["headers"]["x-request-id"])


def test_the_gateways_own_answers_carry_a_request_id_too(client: httpx.Client) -> None:
    """A file, an app route, a 404 and a 405 of the gateway itself: the id given, or a new one."""
    for method, path in (("GET", "/"), ("GET", "/events/x"), ("GET", "/api/nosuch"), ("POST", "/")):
        given = client.request(method, path, headers={"X-Request-ID": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123", path
        made = client.request(method, path)
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"]), path


def test_forwarded_headers_name_the_caller_and_hop_headers_stay(client: httpx.Client) -> None:
    response = client.get(
        "/api/echo/x",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "Connection": "keep-alive, x-hop",
            "X-Hop": "1",
            "Authorization": "Bearer t0ken",
        },
    )
    seen = response.json()["headers"]
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["authorization"] == "Bearer t0ken"
    assert "x-hop" not in seen


def test_bodies_stream_both_ways_intact(client: httpx.Client) -> None:
    body = os.urandom(3 * 1024 * 1024)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    sent = client.post("/api/echo/upload", content=chunks())  # chunked, no length
    assert sent.json()["size"] == len(body)
    assert sent.json()["sha256"] == hashlib.sha256(body).hexdigest()
    sized = client.put("/api/echo/upload", content=body)
    assert sized.json()["headers"]["content-length"] == str(len(body))
    assert sized.json()["sha256"] == hashlib.sha256(body).hexdigest()
    with client.stream("GET", "/api/echo/stream") as streamed:
        assert "".join(streamed.iter_text()) == "".join(f"part {n}\n" for n in range(5))


def test_every_set_cookie_header_gets_through(client: httpx.Client) -> None:
    response = client.get("/api/echo/cookies")
    assert sorted(response.headers.get_list("set-cookie")) == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]


def test_a_dead_backend_is_a_json_502(client: httpx.Client) -> None:
    response = client.get("/api/dead/x", headers={"X-Request-ID": "dead-1"})
    assert response.status_code == 502
    assert response.json() == {
        "detail": "the dead service is not answering",
        "code": "service_unavailable",
    }
    assert response.headers["x-request-id"] == "dead-1"


def test_a_slow_backend_is_a_json_504(client: httpx.Client) -> None:
    response = client.get("/api/echo/slow", params={"seconds": "3"})
    assert response.status_code == 504
    assert response.json() == {
        "detail": "the echo service did not answer in time",
        "code": "service_timeout",
    }


def test_api_responses_are_the_backends_not_the_web_apps(client: httpx.Client) -> None:
    response = client.get("/api/echo/x")
    assert "content-security-policy" not in response.headers


# -- the CloudFront part -------------------------------------------------------------------


def test_app_routes_get_index_html_and_files_are_served(client: httpx.Client) -> None:
    for path in ("/", "/events", "/events/42/book", "/signin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.text == "<!doctype html><title>app</title>"
        assert response.headers["content-type"].startswith("text/html")
    script = client.get("/main-ABCD1234.js")
    assert script.text == "console.log('app');"
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert client.get("/styles-QWERTY12.css").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/assets/logo.svg").headers["content-type"] == "image/svg+xml"
    assert client.get("/favicon.ico").headers["content-type"] == "image/x-icon"
    assert client.head("/main-ABCD1234.js").status_code == 200


def test_cache_control_is_the_serving_rule_of_the_web_app(client: httpx.Client) -> None:
    """Fingerprinted files for a year, index.html (and every app route) revalidated, the rest
    five minutes: eventctl.core.web_assets, as the S3 objects carry it behind CloudFront."""
    expected = {
        "/main-ABCD1234.js": "public, max-age=31536000, immutable",
        "/styles-QWERTY12.css": "public, max-age=31536000, immutable",
        "/index.html": "no-cache",
        "/": "no-cache",
        "/events/42": "no-cache",
        "/favicon.ico": "public, max-age=300",
        "/assets/logo.svg": "public, max-age=300",
        "/missing.js": "no-cache",
    }
    for path, cache_control in expected.items():
        assert client.get(path).headers["cache-control"] == cache_control, path


def test_an_unchanged_file_is_revalidated_with_its_etag(client: httpx.Client) -> None:
    first = client.get("/index.html")
    again = client.get("/index.html", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_missing_files_and_escapes_are_404(client: httpx.Client) -> None:
    for path in ("/missing.js", "/assets/missing.png", "/leak.txt"):  # leak: a symlink out
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": f"the web app has no file {path}", "code": "not_found"}


def test_the_web_app_is_read_only(client: httpx.Client) -> None:
    response = client.post("/index.html", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"detail": "the web app is read-only", "code": "method_not_allowed"}


def test_every_static_response_has_the_security_headers(client: httpx.Client) -> None:
    for path in ("/", "/main-ABCD1234.js", "/missing.js"):
        response = client.get(path)
        for name, value in security_headers().items():
            assert response.headers[name] == value, (path, name)


def test_the_policy_is_strict() -> None:
    """No inline script or style anywhere: the Angular build needs neither."""
    csp = security_headers()["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "style-src 'self';" in csp and "script-src 'self';" in csp
    assert "connect-src 'self';" in csp  # through the gateway the API is the same origin
    assert "frame-ancestors 'none'" in csp


def test_security_headers_are_those_of_the_cloudfront_policy(tmp_path: Path) -> None:
    """The gateway sends what Terraform's response headers policy sets: the module's own
    `locals` (which read security-headers.json) are evaluated by terraform itself."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed")
    module = templates_dir() / "terraform/modules/frontend"
    template = (module / "main.tf.j2").read_text()
    locals_block = re.search(r"^locals \{\n.*?^\}\n", template, re.MULTILINE | re.DOTALL)
    assert locals_block and "security-headers.json" in locals_block.group(0)
    assert "content_security_policy = local.content_security_policy" in template
    assert "for_each = local.security.custom_headers" in template
    shutil.copy(module / "security-headers.json", tmp_path)
    (tmp_path / "main.tf").write_text(
        'variable "api_host" {\n  type = string\n}\n' + locals_block.group(0)
    )
    expression = "jsonencode({csp = local.content_security_policy, all = local.security})"
    config = tmp_path / "terraformrc"
    config.write_text("")
    result = subprocess.run(
        [terraform, "console", "-var", "api_host=api.example.org"],
        input=expression,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1"},
        check=True,
    )
    evaluated = json.loads(json.loads(result.stdout.strip()))
    policy = evaluated["all"]
    hsts = policy["strict_transport_security"]
    expected = {
        "content-security-policy": evaluated["csp"],
        "strict-transport-security": f"max-age={hsts['max_age_sec']}; includeSubDomains; preload",
        "x-frame-options": policy["frame_options"],
        "x-content-type-options": "nosniff",
        "referrer-policy": policy["referrer_policy"],
        "x-xss-protection": "1; mode=block",
        **{name.lower(): value for name, value in policy["custom_headers"].items()},
    }
    assert hsts["include_subdomains"] and hsts["preload"]
    assert "connect-src 'self' https://api.example.org;" in evaluated["csp"]
    assert security_headers(["https://api.example.org"]) == expected


def test_the_gateway_process_loads_no_websocket_library_and_no_cli(
    static_dir: Path, tmp_path: Path
) -> None:
    """It serves no WebSocket (uvicorn would import one to offer it) and is not the CLI."""
    port = free_port()
    config = tmp_path / "gateway.json"
    config.write_text(json.dumps({"static_dir": str(static_dir), "port": port, "backends": []}))
    report = tmp_path / "importtime.txt"
    with report.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "eventctl.core.local.gateway", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            wait_for_port(port)
            assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        finally:
            process.terminate()
            process.wait(10)
    modules = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in report.read_text().splitlines()
        if line.startswith("import time:")
    }
    assert "starlette" in modules  # the list is the real one
    unwanted = modules & {"websockets", "wsproto", "typer", "pydantic"}
    assert not unwanted, sorted(unwanted)
