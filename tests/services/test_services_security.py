"""Security properties of the auth and event services, through their HTTP APIs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from services.auth.keys import generate_private_key
from tests.helpers.service_flows import create_event, event_body
from tests.helpers.services import PLATFORM, User, bearer, signed_in


def _claims(user: User, **changes: Any) -> dict[str, Any]:
    claims = jwt.decode(user.token, options={"verify_signature": False})
    claims.update(changes)
    return claims


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(auth: TestClient, user: User) -> dict[str, str]:
    """Tokens an attacker could present, each wrong in one way."""
    keys = auth.app.state.service.keys  # the real signing key, to isolate the other defects
    kid = jwt.get_unverified_header(user.token)["kid"]
    header, _payload, signature = user.token.split(".")
    now = int(time.time())
    tampered_payload = _b64(_claims(user, role="organizer", sub=str(uuid.uuid4())))
    other_key = generate_private_key()
    return {
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "expired": keys.sign(_claims(user, iat=now - 3600, exp=now - 60)),
        "other key": jwt.encode(_claims(user), other_key, algorithm="RS256", headers={"kid": kid}),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(_claims(user))}.",
        "wrong audience": keys.sign(_claims(user, aud=PLATFORM.names("prod").prefix)),
        "wrong issuer": keys.sign(_claims(user, iss="https://evil.example/api/auth")),
        "no expiry": keys.sign({k: v for k, v in _claims(user).items() if k != "exp"}),
        "unknown kid": jwt.encode(
            _claims(user), other_key, algorithm="RS256", headers={"kid": "made-up"}
        ),
        "hs256 with the public key": _hs256_with_public_key(auth, user),
        "garbage": "not.a.token",
    }


def _hs256_with_public_key(auth: TestClient, user: User) -> str:
    jwk = auth.get("/api/auth/.well-known/jwks.json").json()["keys"][0]
    secret = json.dumps(jwk).encode()
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]})
    body = _b64(_claims(user))
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_bad_tokens_are_refused_by_both_services(auth: TestClient, events: TestClient) -> None:
    organizer = signed_in(auth, "organizer")
    assert auth.get("/api/auth/me", headers=organizer.headers).status_code == 200
    for name, token in forged_tokens(auth, organizer).items():
        me = auth.get("/api/auth/me", headers=bearer(token))
        assert me.status_code == 401, name
        create = events.post("/api/events/", json=event_body(), headers=bearer(token))
        assert create.status_code == 401, name
        assert "detail" in create.json()
    assert events.get("/api/events/").json()["items"] == []


def test_an_organizer_cannot_touch_anothers_event(auth: TestClient, events: TestClient) -> None:
    owner = signed_in(auth, "organizer")
    intruder = signed_in(auth, "organizer")
    event = create_event(events, owner)
    url = f"/api/events/{event['id']}"
    assert (
        events.patch(url, json={"title": "Mine now"}, headers=intruder.headers).status_code == 403
    )
    assert events.delete(url, headers=intruder.headers).status_code == 403
    after = events.get(url).json()
    assert after["title"] == event["title"]
    assert after["status"] == "published"


INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE events; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1) UNION SELECT * FROM users --",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_queries_are_just_text(
    auth: TestClient, events: TestClient, text: str
) -> None:
    organizer = signed_in(auth, "organizer")
    create_event(events, organizer, title="Plain title")
    literal = create_event(events, organizer, title=f"Title with {text} inside")
    found = events.get("/api/events/", params={"q": text})
    assert found.status_code == 200
    assert [e["id"] for e in found.json()["items"]] == [literal["id"]]
    assert events.get(f"/api/events/{text}").status_code in (404, 307)
    login = auth.post("/api/auth/login", json={"email": text, "password": text})
    assert login.status_code == 401
    assert len(events.get("/api/events/").json()["items"]) == 2  # nothing was dropped


def test_secrets_never_reach_the_logs(auth: TestClient, events: TestClient, log_output) -> None:  # type: ignore[no-untyped-def]
    user = signed_in(auth, "organizer")
    auth.post("/api/auth/login", json={"email": user.email, "password": "wrong-password-123"})
    refreshed = auth.post("/api/auth/refresh", json={"refresh_token": user.refresh_token}).json()
    auth.get("/api/auth/me", headers=user.headers)
    create_event(events, user)
    events.post(
        "/api/events/", json=event_body(), headers=bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
    )
    auth.post(
        "/api/auth/register", json={"email": "x@example.org", "password": "short", "name": "X"}
    )
    logged = log_output.getvalue()
    assert '"path": "/api/auth/login"' in logged  # requests were logged...
    secrets = [
        user.password,
        "wrong-password-123",
        "short",
        user.token,
        user.refresh_token,
        user.refresh_token.partition(".")[2],
        refreshed["access_token"],
        refreshed["refresh_token"],
        "$argon2id$",
    ]
    for secret in secrets:
        assert secret not in logged  # ...but never a credential


def test_errors_never_show_a_traceback(auth_app) -> None:  # type: ignore[no-untyped-def]
    from starlette.routing import Route

    async def boom(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("database password is hunter2")

    auth_app.router.routes.append(Route("/boom", boom))
    with TestClient(auth_app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side; please try again.",
        "code": "internal_error",
    }
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
