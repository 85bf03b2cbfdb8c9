"""What the service tests share: the model they run, where their data lives, users signed in
through the auth service, and the messages and emails the moto server holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from platform_model import build_platform
from services.kit.settings import ServiceSettings

MotoServer = Any  # tests/conftest.py's MotoServer (that conftest is not importable by name)
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_URL = "redis://127.0.0.1:6379/0"
SERVICE_TOKEN = "test-booking-credential-3b5d"
PLATFORM = build_platform()
ENV = "local"
NOTIFICATIONS_DB = "notifications"


@dataclass(frozen=True)
class Backend:
    """Where a test's services keep their data."""

    name: str
    databases: dict[str, str] | None  # db_name -> PostgreSQL database; None = SQLite
    redis_prefix: str | None

    def database_url(self, settings_cls: type[ServiceSettings]) -> str | None:
        if self.databases is None:
            return None
        service = PLATFORM.service(settings_cls.service_name)
        db_name = next(
            (d.db_name for d in PLATFORM.databases if d.name == service.database), NOTIFICATIONS_DB
        )
        return f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{self.databases[db_name]}"


def receive_all(
    moto: MotoServer, queue: str, *, expect: int = 1, timeout: float = 10
) -> list[dict[str, Any]]:
    """Bodies (JSON) of the messages on `queue`, waiting until at least `expect` arrived."""
    import json
    import time

    sqs = moto.client("sqs")
    url = sqs.get_queue_url(QueueName=PLATFORM.names(ENV).queue(queue))["QueueUrl"]
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        for message in response.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(bodies) >= expect:
            break
        time.sleep(0.05)
    return bodies


def sent_emails(moto: MotoServer) -> list[dict[str, Any]]:
    """Every email SES (the moto server) accepted: {to, subject, body (HTML)}."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{moto.endpoint_url}/moto-api/data.json", timeout=10) as r:
        messages = json.load(r).get("ses", {}).get("Message", [])
    return [
        {"to": m["destinations"]["ToAddresses"], "subject": m["subject"], "body": m["body"]}
        for m in messages
    ]


def queue_url(moto: MotoServer, queue: str, *, dead_letter: bool = False) -> str:
    names = PLATFORM.names(ENV)
    name = names.dead_letter_queue(queue) if dead_letter else names.queue(queue)
    url: str = moto.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return url


def register(auth: TestClient, role: str = "attendee", **fields: Any) -> dict[str, Any]:
    body = {
        "email": f"{uuid.uuid4().hex[:12]}@example.org",
        "password": "correct horse battery",
        "name": "Ada Lovelace",
        "role": role,
        **fields,
    }
    response = auth.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "password": body["password"]}


def login(auth: TestClient, email: str, password: str) -> dict[str, Any]:
    response = auth.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class User:
    id: str
    email: str
    password: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def signed_in(auth: TestClient, role: str = "attendee") -> User:
    account = register(auth, role)
    tokens = login(auth, account["email"], account["password"])
    return User(
        account["id"],
        account["email"],
        account["password"],
        tokens["access_token"],
        tokens["refresh_token"],
    )
