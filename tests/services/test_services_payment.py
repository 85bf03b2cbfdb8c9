"""The payment service through its HTTP API, on every backend."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from services.kit.cards import luhn_valid
from tests.helpers.service_flows import DECLINED_CARD, GOOD_CARD, INTERNAL, charge_body
from tests.helpers.services import User, receive_all, signed_in

NO_FUNDS_CARD = "4000000000009995"


def charge(payments: TestClient, user: User, **fields: Any) -> dict[str, Any]:
    response = payments.post(
        "/internal/payments/charges", json=charge_body(user, **fields), headers=INTERNAL
    )
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def test_luhn() -> None:
    assert luhn_valid(GOOD_CARD)
    assert luhn_valid(DECLINED_CARD)
    assert luhn_valid("79927398713")
    assert not luhn_valid("4242424242424241")
    assert not luhn_valid("79927398710")


def test_a_charge_succeeds_once_per_key(auth: TestClient, payments: TestClient) -> None:
    user = signed_in(auth)
    body = charge_body(user, card_number="4242 4242 4242 4242")
    first = payments.post("/internal/payments/charges", json=body, headers=INTERNAL)
    assert first.status_code == 201
    payment = first.json()
    assert payment["status"] == "succeeded"
    assert payment["card_last4"] == "4242"
    assert payment["amount_cents"] == 5000
    again = payments.post("/internal/payments/charges", json=body, headers=INTERNAL)
    assert again.status_code == 200
    assert again.json() == payment
    different = payments.post(
        "/internal/payments/charges", json={**body, "amount_cents": 1}, headers=INTERNAL
    )
    assert different.status_code == 409
    mine = payments.get("/api/payments/", headers=user.headers).json()
    assert [p["id"] for p in mine] == [payment["id"]]


@pytest.mark.parametrize(
    ("card", "reason"), [(DECLINED_CARD, "card_declined"), (NO_FUNDS_CARD, "insufficient_funds")]
)
def test_test_cards_are_declined(
    auth: TestClient, payments: TestClient, card: str, reason: str
) -> None:
    user = signed_in(auth)
    payment = charge(payments, user, card_number=card)
    assert payment["status"] == "declined"
    assert payment["decline_reason"] == reason
    assert payment["card_last4"] == card[-4:]


@pytest.mark.parametrize("card", ["4242424242424241", "1234", "4242x42424242424", "4" * 20])
def test_invalid_card_numbers_are_refused_without_echo(
    auth: TestClient, payments: TestClient, card: str
) -> None:
    user = signed_in(auth)
    response = payments.post(
        "/internal/payments/charges", json=charge_body(user, card_number=card), headers=INTERNAL
    )
    assert response.status_code == 422
    assert response.json()["field"] == "card_number"
    assert response.json()["code"] == "invalid"
    assert card not in response.text
    assert payments.get("/api/payments/", headers=user.headers).json() == []


def test_refunds_happen_once_and_are_published(
    auth: TestClient, payments: TestClient, aws: Any
) -> None:
    user = signed_in(auth)
    payment = charge(payments, user)
    key = payment["idempotency_key"]
    for _ in range(2):
        refunded = payments.post(f"/internal/payments/charges/{key}/refund", headers=INTERNAL)
        assert refunded.status_code == 200
        assert refunded.json()["status"] == "refunded"
    mine = payments.get(f"/api/payments/{payment['id']}", headers=user.headers).json()
    assert mine["status"] == "refunded"
    messages = receive_all(aws, "payment-processed", expect=2)
    assert sorted(m["data"]["status"] for m in messages) == ["refunded", "succeeded"]
    assert {m["data"]["email"] for m in messages} == {user.email}
    assert {m["source"] for m in messages} == {"payment"}
    assert len(receive_all(aws, "payment-processed", expect=1, timeout=1)) == 0


def test_a_voided_key_can_never_be_charged(auth: TestClient, payments: TestClient) -> None:
    user = signed_in(auth)
    key = str(uuid.uuid4())
    voided = payments.post(f"/internal/payments/charges/{key}/void", headers=INTERNAL)
    assert voided.status_code == 200
    assert voided.json()["status"] == "voided"
    late = charge(payments, user, key=key)
    assert late["status"] == "voided"
    assert payments.get("/api/payments/", headers=user.headers).json() == []
    # Refunding a key that was never charged voids it as well.
    other = str(uuid.uuid4())
    never = payments.post(f"/internal/payments/charges/{other}/refund", headers=INTERNAL)
    assert never.json()["status"] == "voided"
    assert charge(payments, user, key=other)["status"] == "voided"


def test_void_reports_an_existing_charge(auth: TestClient, payments: TestClient) -> None:
    user = signed_in(auth)
    payment = charge(payments, user)
    key = payment["idempotency_key"]
    voided = payments.post(f"/internal/payments/charges/{key}/void", headers=INTERNAL).json()
    assert voided["status"] == "succeeded"
    assert voided["id"] == payment["id"]
    declined = charge(payments, user, card_number=DECLINED_CARD)
    refund = payments.post(
        f"/internal/payments/charges/{declined['idempotency_key']}/refund", headers=INTERNAL
    )
    assert refund.json()["status"] == "declined"


def test_racing_charges_with_one_key_charge_once(auth: TestClient, payments: TestClient) -> None:
    user = signed_in(auth)
    body = charge_body(user)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=payments.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://payment") as client:
            return await asyncio.gather(
                *(
                    client.post("/internal/payments/charges", json=body, headers=INTERNAL)
                    for _ in range(20)
                )
            )

    responses = payments.portal.call(burst)
    assert Counter(r.status_code for r in responses) == {201: 1, 200: 19}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(payments.get("/api/payments/", headers=user.headers).json()) == 1


def test_payments_are_private(auth: TestClient, payments: TestClient) -> None:
    owner, other = signed_in(auth), signed_in(auth)
    payment = charge(payments, owner)
    url = f"/api/payments/{payment['id']}"
    assert payments.get(url, headers=owner.headers).status_code == 200
    refused = payments.get(url, headers=other.headers)
    assert refused.status_code == 404
    assert refused.json() == {"detail": "Payment not found.", "code": "not_found"}
    assert payments.get(f"/api/payments/{uuid.uuid4()}", headers=owner.headers).status_code == 404
    assert payments.get("/api/payments/", headers=other.headers).json() == []
    assert payments.get("/api/payments/").status_code == 401


def test_internal_api_needs_the_service_credential(auth: TestClient, payments: TestClient) -> None:
    user = signed_in(auth)
    body = charge_body(user)
    key = body["idempotency_key"]
    for headers in ({}, {"X-Service-Token": "guess"}, user.headers):
        refused = payments.post("/internal/payments/charges", json=body, headers=headers)
        assert refused.status_code == 401
        for action in ("refund", "void"):
            url = f"/internal/payments/charges/{key}/{action}"
            assert payments.post(url, headers=headers).status_code == 401
        assert payments.get(f"/internal/payments/charges/{key}", headers=headers).status_code == 401
    assert payments.get(f"/internal/payments/charges/{key}", headers=INTERNAL).status_code == 404
