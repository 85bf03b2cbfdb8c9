"""One error shape everywhere: a sentence for a person in `detail`, a machine `code`, the
input at fault in `field`; and the public address behind a trusted proxy."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from services.kit.routing import PublicAddress
from tests.helpers.service_flows import INTERNAL, charge_body, event_body, future
from tests.services.conftest import signed_in


def test_event_rules_answer_with_a_sentence_and_the_field(
    auth: TestClient, events: TestClient
) -> None:
    organizer = signed_in(auth, "organizer")

    def refused(**fields: Any) -> Any:
        response = events.post("/api/events", json=event_body(**fields), headers=organizer.headers)
        assert response.status_code == 422, response.text
        return response.json()

    assert refused(starts_at=future(-1), ends_at=future(1)) == {
        "detail": "The start time must be in the future.",
        "code": "starts_in_past",
        "field": "starts_at",
    }
    ends_early = refused(ends_at=future(9))
    assert (ends_early["detail"], ends_early["field"]) == (
        "The end time must be after the start time.",
        "ends_at",
    )
    empty_title = refused(title="")
    assert (empty_title["detail"], empty_title["field"], empty_title["code"]) == (
        "The title cannot be empty.",
        "title",
        "invalid",
    )
    assert empty_title["errors"] == [
        {"field": "title", "detail": "The title cannot be empty.", "code": "string_too_short"}
    ]
    no_zone = refused(starts_at="2030-01-01T10:00:00")
    assert no_zone["field"] == "starts_at" and "time zone" in no_zone["detail"]


def test_a_card_number_error_reads_as_a_sentence(auth: TestClient, payments: TestClient) -> None:

    user = signed_in(auth)
    response = payments.post(
        "/internal/payments/charges", json=charge_body(user, card_number="123"), headers=INTERNAL
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "The card number must have 12 to 19 digits."
    assert response.json()["field"] == "card_number"


def test_unknown_paths_methods_and_tokens_share_the_shape(events: TestClient) -> None:
    missing = events.get("/api/events/nothing/here")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is nothing at this address.", "code": "not_found"}
    wrong_method = events.put("/api/events/some-id")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    anonymous = events.post("/api/events", json=event_body())
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Missing bearer token.", "code": "unauthenticated"}


def _echo_app(hops: int) -> Any:
    async def where(request: Request) -> Response:
        return RedirectResponse(str(request.url_for("where")), status_code=303)

    app = Starlette(routes=[Route("/where", where, name="where")])
    return PublicAddress(app, trusted_proxy_hops=hops)


def test_behind_a_trusted_proxy_urls_use_the_public_scheme_and_host() -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "events.example.org"}
    with TestClient(_echo_app(1), base_url="http://10.0.0.7:8082") as client:
        answer = client.get("/where", headers=forwarded, follow_redirects=False)
        assert answer.headers["location"] == "https://events.example.org/where"
        # The list as proxies append to it: the nearest (trusted) proxy's entry counts.
        chained = {
            "X-Forwarded-Proto": "http, https",
            "X-Forwarded-Host": "evil.test, api.example.org",
        }
        answer = client.get("/where", headers=chained, follow_redirects=False)
        assert answer.headers["location"] == "https://api.example.org/where"
        junk = {"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "bad/host"}
        answer = client.get("/where", headers=junk, follow_redirects=False)
        assert answer.headers["location"] == "http://10.0.0.7:8082/where"


def test_with_no_trusted_proxy_forwarded_headers_are_ignored() -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.test"}
    with TestClient(_echo_app(0), base_url="http://10.0.0.7:8082") as client:
        answer = client.get("/where", headers=forwarded, follow_redirects=False)
        assert answer.headers["location"] == "http://10.0.0.7:8082/where"
