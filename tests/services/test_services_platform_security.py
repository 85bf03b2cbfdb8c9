"""Security across the five services: card numbers never stored or logged, internal APIs
closed to callers without the service credential."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from services.kit.openapi import iter_routes
from tests.helpers.cluster import Cluster
from tests.helpers.service_flows import book, create_event
from tests.helpers.services import SERVICE_TOKEN, sent_emails, signed_in

CARDS = {
    "4242424242424242": 201,  # succeeds
    "4000000000000002": 402,  # declined
    "4000000000009995": 402,  # declined, insufficient funds
    "5555555555554444": 201,  # another network, succeeds
    "4242424242424241": 422,  # fails the Luhn check
}


def _card_patterns(number: str) -> list[re.Pattern[str]]:
    """The number as typed, and spread with any separators (spaces, dashes, JSON)."""
    spread = r"[\s\-\",:]*".join(number)
    return [re.compile(re.escape(number)), re.compile(spread)]


async def _dump_databases(platform: Cluster) -> str:
    """Every row of every table of every service's database, as text."""
    chunks = []
    for name, client in platform.clients.items():
        db = client.kit.db
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
            for table in tables:
                rows = await conn.execute(sa.text(f'SELECT * FROM "{table}"'))
                chunks.append(f"-- {name}.{table}\n" + "\n".join(repr(tuple(r)) for r in rows))
    return "\n".join(chunks)


def test_card_numbers_appear_nowhere(
    start_platform: Any, aws: Any, log_output: Any, tmp_path: Path
) -> None:
    platform: Cluster = start_platform()
    organizer, guest = signed_in(platform["auth"], "organizer"), signed_in(platform["auth"])
    event = create_event(platform["event"], organizer, capacity=20)
    for n, (number, status) in enumerate(CARDS.items()):
        assert book(platform, guest, event, card=number).status_code == status
        spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
        with_key = book(platform, guest, event, card=spaced, key=f"order-{n}")
        assert with_key.status_code == status
        assert book(platform, guest, event, card=spaced, key=f"order-{n}").status_code == status
    confirmed = [
        b
        for b in platform["booking"].get("/api/bookings/", headers=guest.headers).json()
        if b["status"] == "confirmed"
    ]
    platform["booking"].delete(f"/api/bookings/{confirmed[0]['id']}", headers=guest.headers)
    # 2 welcomes, 4 confirmations, 4 receipts, 1 cancellation, 1 refund receipt
    deadline = time.monotonic() + 20
    while len(sent_emails(aws)) < 12 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(sent_emails(aws)) == 12
    time.sleep(0.5)  # audit batches are flushed

    stored = platform.call(_dump_databases, platform)
    assert "4242" in stored  # the scan sees the data: last four digits are kept...
    files = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    haystacks = {
        "databases": stored,
        "database files": files.decode("latin-1"),
        "logs": log_output.getvalue(),
        "emails": repr(sent_emails(aws)),
    }
    assert '"path": "/api/bookings/"' in haystacks["logs"]
    for number in CARDS:
        for pattern in _card_patterns(number):
            for where, text in haystacks.items():
                assert not pattern.search(text), f"card {number} found in {where}"


def test_internal_apis_refuse_callers_without_the_credential(start_platform: Any) -> None:
    platform: Cluster = start_platform()
    user = signed_in(platform["auth"], "organizer")
    checked = 0
    for name, client in platform.clients.items():
        prefix = client.kit.service.internal_prefix
        for path, route in iter_routes(client.app.routes):
            if not path.startswith(prefix):
                continue
            url = re.sub(r"{[^}]+}", "x-1", path)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                for headers in ({}, {"X-Service-Token": "guess"}, user.headers):
                    response = client.request(method, url, json={}, headers=headers)
                    assert response.status_code == 401, (name, method, url, headers)
                checked += 1
    assert checked >= 7  # the event and payment internal APIs
    with_token = platform["payment"].get(
        "/internal/payments/charges/x-1", headers={"X-Service-Token": SERVICE_TOKEN}
    )
    assert with_token.status_code == 404  # the route exists; only the credential was missing
