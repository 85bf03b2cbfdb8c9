"""Consuming an SQS queue: long-poll, handle, delete only after success.

- A message is deleted only after its handler returned; a handler that raises leaves it on the
  queue, hidden for a backoff that doubles with each receive (`ApproximateReceiveCount`), and
  the queue's redrive policy moves it to its dead-letter queue after `maxReceiveCount`
  receives. A message that is not even JSON goes the same way. Other messages keep flowing.
- Each message is handled once by its id (the envelope `id` every outbox message carries;
  the SQS message id otherwise), through the service's inbox: a duplicate delivery is deleted
  without running the handler again.
- While a handler runs, the message's visibility (and its inbox lease) is extended, so a slow
  handler is not raced by a second delivery.
- Stopping lets the messages in hand finish (up to a grace period) and returns the others to
  the queue at once (visibility 0), including any that arrive from a poll still in flight.

boto3 is synchronous: polls run in this consumer's own threads, so a 20-second long poll never
occupies the default executor the rest of the service uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from services.kit.inbox import Claim, Inbox

log = logging.getLogger("services.consumer")


class Poison(Exception):
    """A message that can never be handled (malformed): it ends in the dead-letter queue."""


@dataclass(frozen=True)
class Message:
    id: str  # the de-duplication id
    queue: str  # the model's queue name
    data: dict[str, Any]
    type: str | None = None
    source: str | None = None
    receive_count: int = 1
    envelope: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Message], Awaitable[None]]


def parse(queue: str, raw: dict[str, Any]) -> Message:
    """The message in an SQS message: an outbox envelope, directly or inside an SNS
    notification (when a subscription does not use raw delivery)."""
    try:
        body = json.loads(raw["Body"])
        if isinstance(body, dict) and body.get("Type") == "Notification" and "Message" in body:
            body = json.loads(body["Message"])
    except (ValueError, TypeError) as exc:
        raise Poison(f"not JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise Poison("not an envelope: a JSON object with a `data` object is expected")
    return Message(
        id=str(body.get("id") or raw["MessageId"]),
        queue=queue,
        data=body["data"],
        type=body.get("type"),
        source=body.get("source"),
        receive_count=_count(raw),
        envelope=body,
    )


@dataclass(frozen=True)
class ConsumerOptions:
    wait_seconds: int = 20
    batch: int = 10
    visibility_seconds: int = 30
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    shutdown_grace_seconds: float = 20.0
    error_pause_seconds: float = 2.0
    inbox_retention_seconds: float = 15 * 86400  # longer than any queue keeps a message
    prune_every_seconds: float = 3600.0


class QueueConsumer:
    """Polls one queue (the model's name `queue`, AWS name `queue_name`) for `handler`."""

    def __init__(
        self,
        sqs: Any,
        queue: str,
        queue_name: str,
        handler: Handler,
        inbox: Inbox,
        options: ConsumerOptions | None = None,
    ) -> None:
        self.sqs = sqs
        self.queue = queue
        self.queue_name = queue_name
        self.handler = handler
        self.inbox = inbox
        self.options = options or ConsumerOptions()
        self._url: str | None = None
        self._stopping = False
        self._polling = False
        self._task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix=f"sqs-{queue}")
        self.handled = 0  # messages handled successfully (for tests and logs)
        self._pruned_at = float("-inf")
        self._inflight: dict[str, asyncio.Event] = {}

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.queue}")

    async def stop(self) -> None:
        """Finish the messages in hand (up to the grace period) and return the rest."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            if self._polling:  # nothing in hand: the poll's thread returns what it gets
                task.cancel()
            done, _ = await asyncio.wait({task}, timeout=self.options.shutdown_grace_seconds)
            if not done:
                task.cancel()  # handlers overran: their messages are returned (see _process)
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._executor.shutdown(wait=False)

    # -- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._prune()
                url = await self._queue_url()
                self._polling = True
                try:
                    raws = await self._call(self._receive, url)
                finally:
                    self._polling = False
                await asyncio.gather(*(self._process(url, raw) for raw in raws))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("queue poll failed", extra={"queue": self.queue})
                await asyncio.sleep(self.options.error_pause_seconds)

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned_at < self.options.prune_every_seconds:
            return
        self._pruned_at = time.monotonic()
        removed = await self.inbox.prune(self.options.inbox_retention_seconds)
        if removed:
            log.info("inbox pruned", extra={"queue": self.queue, "removed": removed})

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _queue_url(self) -> str:
        if self._url is None:
            response = await self._call(lambda: self.sqs.get_queue_url(QueueName=self.queue_name))
            self._url = str(response["QueueUrl"])
        return self._url

    def _receive(self, url: str) -> list[dict[str, Any]]:
        """One long poll (in a worker thread). Messages that arrive after stop() was called
        are handed straight back to the queue."""
        response = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=self.options.batch,
            WaitTimeSeconds=self.options.wait_seconds,
            VisibilityTimeout=self.options.visibility_seconds,
            AttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        if self._stopping and messages:
            for raw in messages:
                self._set_visibility(url, raw, 0)
            return []
        return messages

    def _set_visibility(self, url: str, raw: dict[str, Any], seconds: int) -> None:
        try:
            self.sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=raw["ReceiptHandle"], VisibilityTimeout=seconds
            )
        except Exception:  # it becomes visible again when its timeout ends anyway
            log.warning("could not change visibility", extra={"queue": self.queue})

    # -- one message ---------------------------------------------------------------------

    async def _process(self, url: str, raw: dict[str, Any]) -> None:
        try:
            message = parse(self.queue, raw)
        except Poison as exc:
            log.error(
                "malformed message; it will reach the dead-letter queue",
                extra={
                    "queue": self.queue,
                    "sqs_message_id": raw.get("MessageId"),
                    "why": str(exc),
                },
            )
            await self._retry_later(url, raw, receive_count=_count(raw))
            return
        try:
            await self._handle_once(url, raw, message)
        except asyncio.CancelledError:  # stopping and the grace period is over: give it back
            await self._call(self._set_visibility, url, raw, 0)
            raise

    async def _handle_once(self, url: str, raw: dict[str, Any], message: Message) -> None:
        twin = self._inflight.get(message.id)
        if twin is not None:  # the same message is in hand here: wait for its outcome
            await asyncio.shield(twin.wait())
        done = self._inflight[message.id] = asyncio.Event()
        try:
            await self._claim_and_handle(url, raw, message)
        finally:
            done.set()
            if self._inflight.get(message.id) is done:
                del self._inflight[message.id]

    async def _claim_and_handle(self, url: str, raw: dict[str, Any], message: Message) -> None:
        lease = self.options.visibility_seconds
        claim = await self.inbox.claim(message.id, self.queue, lease)
        if claim is Claim.DONE:
            log.info("duplicate message dropped", extra={"queue": self.queue, "id": message.id})
            await self._call(self._delete, url, raw)
            return
        if claim is Claim.BUSY:  # a twin is in another worker's hands: look when it is done
            await self._call(self._set_visibility, url, raw, lease)
            return
        started = time.perf_counter()
        try:
            async with self._heartbeat(url, raw, message):
                await self.handler(message)
        except Exception as exc:
            await self.inbox.release(message.id)
            log.warning(
                "message handling failed; will retry",
                extra={
                    "queue": self.queue,
                    "id": message.id,
                    "receive_count": message.receive_count,
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                },
            )
            await self._retry_later(url, raw, message.receive_count)
            return
        await self.inbox.complete(message.id)
        await self._call(self._delete, url, raw)
        self.handled += 1
        log.info(
            "message handled",
            extra={
                "queue": self.queue,
                "id": message.id,
                "type": message.type,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    def _delete(self, url: str, raw: dict[str, Any]) -> None:
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=raw["ReceiptHandle"])

    async def _retry_later(self, url: str, raw: dict[str, Any], receive_count: int) -> None:
        options = self.options
        delay = min(
            options.retry_max_seconds, options.retry_base_seconds * 2 ** (receive_count - 1)
        )
        await self._call(self._set_visibility, url, raw, int(delay))

    @contextlib.asynccontextmanager
    async def _heartbeat(
        self, url: str, raw: dict[str, Any], message: Message
    ) -> AsyncIterator[None]:
        """Keep the message hidden (and its claim ours) while the handler runs."""
        every = max(1.0, self.options.visibility_seconds / 2)

        async def beat() -> None:
            while True:
                await asyncio.sleep(every)
                await self._call(self._set_visibility, url, raw, self.options.visibility_seconds)
                await self.inbox.extend(message.id, self.options.visibility_seconds)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _count(raw: dict[str, Any]) -> int:
    return int(raw.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
