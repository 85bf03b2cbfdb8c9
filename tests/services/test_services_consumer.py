"""The kit's SQS consumer against a real moto server: shutdown, visibility, retries."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from services.kit.consumer import ConsumerOptions, Message, QueueConsumer
from services.kit.db import Database
from services.kit.inbox import MIGRATIONS, Inbox
from services.kit.migrations import migrate
from tests.helpers.services import ENV, PLATFORM, Backend, queue_url

QUEUE = "user-registration"


def _body(**data: Any) -> str:
    return json.dumps({"id": str(uuid.uuid4()), "type": QUEUE, "data": data})


async def _consumer(
    backend: Backend,
    tmp_path: Path,
    aws: Any,
    handler: Callable[[Message], Awaitable[None]],
    **opts: Any,
) -> tuple[QueueConsumer, Database]:
    from services.notification.settings import NotificationSettings

    url = backend.database_url(NotificationSettings) or f"sqlite:///{tmp_path / 'inbox.sqlite3'}"
    db = Database(url)
    await migrate(db, list(MIGRATIONS))
    options = ConsumerOptions(**{"wait_seconds": 1, "retry_base_seconds": 0, **opts})
    consumer = QueueConsumer(
        aws.client("sqs"), QUEUE, PLATFORM.names(ENV).queue(QUEUE), handler, Inbox(db), options
    )
    return consumer, db


def _visible_now(aws: Any) -> list[dict[str, Any]]:
    response = aws.client("sqs").receive_message(
        QueueUrl=queue_url(aws, QUEUE),
        MaxNumberOfMessages=10,
        WaitTimeSeconds=0,
        AttributeNames=["ApproximateReceiveCount"],
    )
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


async def _until(condition: Callable[[], bool], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def test_shutdown_finishes_messages_in_hand(backend: Backend, tmp_path: Path, aws: Any) -> None:
    started, finished = asyncio.Event(), []

    async def slow(message: Message) -> None:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(message.data["n"])

    async def scenario() -> None:
        consumer, db = await _consumer(backend, tmp_path, aws, slow)
        aws.client("sqs").send_message(QueueUrl=queue_url(aws, QUEUE), MessageBody=_body(n=1))
        consumer.start()
        await asyncio.wait_for(started.wait(), 10)
        await consumer.stop()
        assert finished == [1]
        assert consumer.handled == 1
        await db.close()

    asyncio.run(scenario())
    assert _visible_now(aws) == []  # deleted after it was handled


def test_shutdown_returns_messages_that_overrun_the_grace_period(
    backend: Backend, tmp_path: Path, aws: Any
) -> None:
    started = asyncio.Event()

    async def stuck(message: Message) -> None:
        started.set()
        await asyncio.sleep(60)

    async def scenario() -> None:
        consumer, db = await _consumer(backend, tmp_path, aws, stuck, shutdown_grace_seconds=0.2)
        aws.client("sqs").send_message(QueueUrl=queue_url(aws, QUEUE), MessageBody=_body(n=2))
        consumer.start()
        await asyncio.wait_for(started.wait(), 10)
        await consumer.stop()
        await db.close()

    asyncio.run(scenario())
    back = _visible_now(aws)  # at once, not after the 30 s visibility timeout
    assert [json.loads(m["Body"])["data"] for m in back] == [{"n": 2}]


def test_messages_arriving_during_shutdown_go_back(
    backend: Backend, tmp_path: Path, aws: Any
) -> None:
    seen: list[Message] = []

    async def record(message: Message) -> None:
        seen.append(message)

    async def scenario() -> None:
        consumer, db = await _consumer(backend, tmp_path, aws, record, wait_seconds=3)
        consumer.start()
        await asyncio.sleep(0.5)  # the first long poll is waiting
        await consumer.stop()  # returns at once; the poll's thread is still waiting
        aws.client("sqs").send_message(QueueUrl=queue_url(aws, QUEUE), MessageBody=_body(n=3))
        await asyncio.sleep(3.5)  # the poll ends, receives it and hands it back
        await db.close()

    asyncio.run(scenario())
    assert seen == []
    back = _visible_now(aws)
    assert [json.loads(m["Body"])["data"] for m in back] == [{"n": 3}]


def test_a_slow_handler_keeps_its_message_hidden(
    backend: Backend, tmp_path: Path, aws: Any
) -> None:
    calls: list[int] = []

    async def slow(message: Message) -> None:
        calls.append(message.receive_count)
        await asyncio.sleep(3.5)

    async def scenario() -> None:
        # Two workers on one queue, a 2 s visibility timeout, a handler taking 3.5 s.
        one, db = await _consumer(backend, tmp_path, aws, slow, visibility_seconds=2)
        two = QueueConsumer(aws.client("sqs"), QUEUE, one.queue_name, slow, Inbox(db), one.options)
        aws.client("sqs").send_message(QueueUrl=queue_url(aws, QUEUE), MessageBody=_body(n=4))
        one.start()
        two.start()
        await _until(lambda: one.handled + two.handled == 1)
        await asyncio.sleep(1)
        await one.stop()
        await two.stop()
        await db.close()

    asyncio.run(scenario())
    assert calls == [1]  # never redelivered while it was being handled
    assert _visible_now(aws) == []


def test_a_failing_message_is_retried_and_then_handled_once(
    backend: Backend, tmp_path: Path, aws: Any
) -> None:
    attempts: list[int] = []

    async def flaky(message: Message) -> None:
        attempts.append(message.receive_count)
        if len(attempts) < 3:
            raise RuntimeError("downstream is down")

    async def scenario() -> None:
        consumer, db = await _consumer(backend, tmp_path, aws, flaky)
        aws.client("sqs").send_message(QueueUrl=queue_url(aws, QUEUE), MessageBody=_body(n=5))
        consumer.start()
        await _until(lambda: consumer.handled == 1)
        await consumer.stop()
        await db.close()

    asyncio.run(scenario())
    assert attempts == [1, 2, 3]
    assert _visible_now(aws) == []
