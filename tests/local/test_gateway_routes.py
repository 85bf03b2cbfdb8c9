"""Every public route of every service, through the local gateway, with and without its
trailing slash: the same answer both ways, and never a redirect (a client following one would
leave the gateway and lose its Authorization header)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.local_lab import ALL_SERVICES, LocalLab, kill_all, make_lab

PARAM = re.compile(r"\{[^}]+\}")
CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLab]:
    lab = make_lab(tmp_path_factory.mktemp("routes") / ".eventctl" / "local", services=ALL_SERVICES)
    # The services under test are this checkout's, whatever copy of `services` the
    # interpreter has installed.
    checkout = {"PYTHONPATH": str(CHECKOUT)}
    lab.options = replace(
        lab.options,
        service_environ={
            name: {**lab.options.service_environ.get(name, {}), **checkout} for name in ALL_SERVICES
        },
    )
    try:
        lab.up()
        yield lab
    finally:
        try:
            lab.down()
        finally:
            kill_all(lab.leftovers())


def _token(client: httpx.Client) -> str:
    account = {
        "email": f"{uuid.uuid4().hex[:12]}@example.org",
        "password": "correct horse battery",
        "name": "Route Walker",
        "role": "organizer",
    }
    assert client.post("/api/auth/register", json=account).status_code == 201
    login = client.post(
        "/api/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


def public_routes(running: LocalLab, client: httpx.Client) -> list[tuple[str, str]]:
    """(method, path) of every /api route the services document, path parameters filled."""
    routes = []
    for service in ALL_SERVICES:
        prefix = running.platform.service(service).path_prefix
        document = client.get(f"{prefix}/openapi.json")
        assert document.status_code == 200, (service, document.text)
        for path, operations in document.json()["paths"].items():
            if not path.startswith("/api/"):
                continue
            for method in operations:
                routes.append((method.upper(), PARAM.sub("no-such-id", path)))
    return routes


def _other_spelling(path: str) -> str:
    return path.rstrip("/") if path.endswith("/") else path + "/"


def _ask(client: httpx.Client, method: str, path: str, token: str) -> httpx.Response:
    body: Any = {} if method in ("POST", "PATCH", "PUT") else None
    return client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})


def test_every_route_answers_alike_with_and_without_the_slash_and_never_redirects(
    running: LocalLab,
) -> None:
    with httpx.Client(base_url=running.gateway_url, follow_redirects=False, timeout=20) as client:
        token = _token(client)
        routes = public_routes(running, client)
        assert len(routes) >= 20, routes  # the five services' public routes were found
        assert ("POST", "/api/events/") in routes and ("GET", "/api/notifications/") in routes
        answers: dict[str, list[str]] = {}
        for method, path in routes:
            pair = []
            for spelling in (path, _other_spelling(path)):
                response = _ask(client, method, spelling, token)
                where = f"{method} {spelling}"
                assert not response.is_redirect, (where, response.headers.get("location"))
                assert "location" not in response.headers or response.headers[
                    "location"
                ].startswith(running.gateway_url), where
                pair.append(f"{response.status_code} {_code(response)}")
            answers[f"{method} {path}"] = pair
        differing = {route: pair for route, pair in answers.items() if pair[0] != pair[1]}
        assert differing == {}


def _code(response: httpx.Response) -> str | None:
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        return body.get("code") if isinstance(body, dict) else None
    return None


def test_the_collection_routes_without_a_slash_answer_through_the_gateway(
    running: LocalLab,
) -> None:
    """The paths the web app calls, as a person would type them (no trailing slash)."""
    with httpx.Client(base_url=running.gateway_url, follow_redirects=False, timeout=20) as client:
        token = _token(client)
        headers = {"Authorization": f"Bearer {token}"}
        event = {
            "title": "Slash-free",
            "venue": "Hall",
            "starts_at": "2099-01-01T10:00:00+00:00",
            "ends_at": "2099-01-01T12:00:00+00:00",
            "capacity": 5,
            "price_cents": 0,
            "currency": "EUR",
        }
        created = client.post("/api/events", json=event, headers=headers)
        assert created.status_code == 201, created.text
        listed = client.get("/api/events", params={"q": "slash-free"})
        assert [e["id"] for e in listed.json()["items"]] == [created.json()["id"]]
        for path in ("/api/bookings", "/api/payments", "/api/notifications"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.text)


def test_unknown_paths_say_so_in_the_error_shape(running: LocalLab) -> None:
    with httpx.Client(base_url=running.gateway_url, follow_redirects=False, timeout=20) as client:
        missing = client.get("/api/events/no-such-id")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "Event not found.", "code": "not_found"}
