"""The auth service through its HTTP API, on every backend."""

from __future__ import annotations

import jwt
from starlette.testclient import TestClient

from tests.services.conftest import PLATFORM, bearer, login, receive_all, register, signed_in


def test_register_returns_the_user_without_secrets(auth: TestClient) -> None:
    response = auth.post(
        "/api/auth/register",
        json={"email": "Grace@Example.org", "password": "hopper1906", "name": " Grace "},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "name", "role"}
    assert body["email"] == "Grace@example.org"  # the domain part is case-insensitive
    assert body["name"] == "Grace"
    assert body["role"] == "attendee"


def test_register_refuses_a_taken_email_in_any_case(auth: TestClient) -> None:
    account = register(auth)
    again = auth.post(
        "/api/auth/register",
        json={"email": account["email"].upper(), "password": "another-pass", "name": "X"},
    )
    assert again.status_code == 409
    assert again.json() == {
        "detail": "An account with this e-mail address already exists.",
        "code": "email_taken",
        "field": "email",
    }


def test_register_validates_input_without_echoing_the_password(auth: TestClient) -> None:
    short = auth.post(
        "/api/auth/register", json={"email": "a@example.org", "password": "s3cr3t!", "name": "A"}
    )
    assert short.status_code == 422
    assert short.json()["field"] == "password"
    assert short.json()["detail"] == "The password must be at least 8 characters."
    assert "s3cr3t!" not in short.text
    bad_email = auth.post(
        "/api/auth/register", json={"email": "not-an-email", "password": "long enough", "name": "A"}
    )
    assert bad_email.status_code == 422
    assert bad_email.json()["field"] == "email"
    bad_role = auth.post(
        "/api/auth/register",
        json={"email": "b@example.org", "password": "long enough", "name": "B", "role": "admin"},
    )
    assert bad_role.status_code == 422
    not_json = auth.post(
        "/api/auth/register", content=b"email=x", headers={"content-type": "text/plain"}
    )
    assert not_json.status_code == 415
    broken = auth.post(
        "/api/auth/register", content=b"{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422


def test_login_issues_an_rs256_token_with_the_documented_claims(auth: TestClient) -> None:
    account = register(auth, "organizer")
    tokens = login(auth, account["email"].upper(), account["password"])
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    header = jwt.get_unverified_header(tokens["access_token"])
    jwks = auth.get("/api/auth/.well-known/jwks.json").json()
    assert header["alg"] == "RS256"
    assert header["kid"] in [key["kid"] for key in jwks["keys"]]
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == account["id"]
    assert claims["email"] == account["email"]
    assert claims["role"] == "organizer"
    assert claims["aud"] == PLATFORM.names("local").prefix
    assert claims["iss"].endswith("/api/auth")
    assert claims["exp"] - claims["iat"] == 900


def test_login_failures_look_the_same(auth: TestClient) -> None:
    account = register(auth)
    wrong_password = auth.post(
        "/api/auth/login", json={"email": account["email"], "password": "wrong password"}
    )
    unknown_email = auth.post(
        "/api/auth/login", json={"email": "nobody@example.org", "password": "wrong password"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert (
        wrong_password.json()
        == unknown_email.json()
        == {
            "detail": "The e-mail address or the password is not right.",
            "code": "invalid_login",
        }
    )


def test_login_is_locked_after_five_failures_for_that_email(auth: TestClient) -> None:
    account = register(auth)
    other = register(auth)
    for _ in range(5):
        failed = auth.post(
            "/api/auth/login", json={"email": account["email"], "password": "nope-nope"}
        )
        assert failed.status_code == 401
    locked = auth.post(
        "/api/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 900
    # Another account is not affected.
    assert login(auth, other["email"], other["password"])["access_token"]


def test_a_successful_login_resets_the_failure_count(auth: TestClient) -> None:
    account = register(auth)
    for _ in range(4):
        auth.post("/api/auth/login", json={"email": account["email"], "password": "nope-nope"})
    login(auth, account["email"], account["password"])
    for _ in range(4):
        auth.post("/api/auth/login", json={"email": account["email"], "password": "nope-nope"})
    assert login(auth, account["email"], account["password"])["access_token"]


def test_me_returns_the_signed_in_user(auth: TestClient) -> None:
    user = signed_in(auth)
    response = auth.get("/api/auth/me", headers=user.headers)
    assert response.status_code == 200
    assert response.json()["id"] == user.id
    assert auth.get("/api/auth/me").status_code == 401
    assert auth.get("/api/auth/me").headers["www-authenticate"] == "Bearer"


def test_refresh_rotates_and_reuse_revokes_the_session(auth: TestClient) -> None:
    user = signed_in(auth)
    first = auth.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != user.refresh_token
    assert auth.get("/api/auth/me", headers=bearer(first.json()["access_token"])).status_code == 200
    # The old token comes back (stolen?): refused, and the whole session ends.
    reuse = auth.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert reuse.status_code == 401
    after = auth.post("/api/auth/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401


def test_logout_ends_the_session(auth: TestClient) -> None:
    user = signed_in(auth)
    assert (
        auth.post("/api/auth/logout", json={"refresh_token": user.refresh_token}).status_code == 204
    )
    refused = auth.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refused.status_code == 401
    # Logging out twice, or with garbage, says nothing either way.
    assert (
        auth.post("/api/auth/logout", json={"refresh_token": user.refresh_token}).status_code == 204
    )
    assert auth.post("/api/auth/logout", json={"refresh_token": "garbage"}).status_code == 204


def test_sessions_are_stored_hashed(auth: TestClient) -> None:
    user = signed_in(auth)
    session_id, _, secret = user.refresh_token.partition(".")
    store = auth.app.state.kit.store
    stored = auth.portal.call(store.get, f"session:{session_id}")
    assert stored is not None
    assert secret.encode() not in stored


def test_registration_and_login_are_published(auth: TestClient, aws) -> None:  # type: ignore[no-untyped-def]
    account = register(auth)
    login(auth, account["email"], account["password"])
    registered = receive_all(aws, "user-registration")
    assert [m["data"]["user_id"] for m in registered] == [account["id"]]
    assert registered[0]["type"] == "user-registration"
    assert registered[0]["source"] == "auth"
    logins = receive_all(aws, "user-login")
    assert [m["data"]["user_id"] for m in logins] == [account["id"]]
