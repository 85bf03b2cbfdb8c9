"""docs/services.md is generated from the services' OpenAPI documents and kept equal to it."""

from __future__ import annotations

from pathlib import Path

from services.docs import render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "services.md"


def test_services_md_matches_the_openapi_documents() -> None:
    assert DOCS.read_text() == render(), (
        "docs/services.md is stale: run `python -m services.docs > docs/services.md`"
    )


def test_services_md_lists_every_public_and_internal_route() -> None:
    text = DOCS.read_text()
    for route in (
        "POST /api/auth/register",
        "POST /api/auth/login",
        "POST /api/auth/refresh",
        "POST /api/auth/logout",
        "GET /api/auth/me",
        "GET /api/auth/.well-known/jwks.json",
        "GET /api/events/",
        "POST /api/events/",
        "PATCH /api/events/{event_id}",
        "DELETE /api/events/{event_id}",
        "POST /internal/events/{event_id}/reservations",
    ):
        assert f"`{route}`" in text
