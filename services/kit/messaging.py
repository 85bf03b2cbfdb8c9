"""Publishing to the platform's SNS topics and SQS queues by their model names (botocore).

Works against AWS, LocalStack or a moto server (AWS_ENDPOINT_URL). Calls are synchronous botocore
calls; the outbox relay runs them in a worker thread.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from platform_model import Names, Service

Kind = Literal["topic", "queue"]


class PublishError(Exception):
    """The broker did not take the message; the outbox keeps it and retries."""


def check_destination(service: Service, kind: str, name: str) -> None:
    """Refuse a destination the model does not let `service` publish to."""
    allowed = service.publishes_topics if kind == "topic" else service.publishes_queues
    if name not in allowed:
        raise ValueError(f"service {service.name!r} does not publish to {kind} {name!r}")


class Publisher:
    """Sends message bodies to the topics and queues `service` may publish to.

    With `connect` instead of clients, the (sns, sqs) clients are made at the first publish:
    a service that has nothing to publish yet has not imported botocore (tens of MiB)."""

    def __init__(
        self,
        service: Service,
        names: Names,
        sns: Any,
        sqs: Any,
        account_id: str | None,
        *,
        connect: Callable[[], tuple[Any, Any]] | None = None,
    ):
        self.service = service
        self.names = names
        self._clients = None if connect else (sns, sqs)
        self._connect = connect
        self._connecting = threading.Lock()
        self.account_id = account_id
        self._topic_arns: dict[str, str] = {}
        self._queue_urls: dict[str, str] = {}

    def _made(self) -> tuple[Any, Any]:
        if self._clients is None:
            with self._connecting:
                if self._clients is None:
                    assert self._connect is not None
                    self._clients = self._connect()
        return self._clients

    @property
    def sns(self) -> Any:
        return self._made()[0]

    @property
    def sqs(self) -> Any:
        return self._made()[1]

    def publish(self, kind: Kind, name: str, body: str, attributes: dict[str, str]) -> None:
        check_destination(self.service, kind, name)
        message_attributes = _attributes(attributes)
        with self._sending(kind, name):
            if kind == "topic":
                self.sns.publish(
                    TopicArn=self._topic_arn(name),
                    Message=body,
                    MessageAttributes=message_attributes,
                )
            else:
                self.sqs.send_message(
                    QueueUrl=self._queue_url(name),
                    MessageBody=body,
                    MessageAttributes=message_attributes,
                )

    def publish_batch(
        self, kind: Kind, name: str, entries: list[tuple[str, str, dict[str, str]]]
    ) -> dict[str, str]:
        """Send up to 10 (id, body, attributes) in one call (SNS PublishBatch, SQS
        SendMessageBatch); returns {id: error} for the entries the broker refused.

        Raises PublishError when the call itself failed (then none was taken)."""
        check_destination(self.service, kind, name)
        if not 1 <= len(entries) <= 10:
            raise ValueError("a batch holds 1 to 10 messages")
        batch = [
            {
                "Id": entry_id,
                "Message" if kind == "topic" else "MessageBody": body,
                "MessageAttributes": _attributes(attributes),
            }
            for entry_id, body, attributes in entries
        ]
        with self._sending(kind, name):
            if kind == "topic":
                response = self.sns.publish_batch(
                    TopicArn=self._topic_arn(name), PublishBatchRequestEntries=batch
                )
            else:
                response = self.sqs.send_message_batch(
                    QueueUrl=self._queue_url(name), Entries=batch
                )
        return {
            failure["Id"]: f"{failure.get('Code')}: {failure.get('Message', '')}"
            for failure in response.get("Failed", [])
        }

    @contextmanager
    def _sending(self, kind: Kind, name: str) -> Iterator[None]:
        """A failed call forgets the destination's cached ARN or URL and raises PublishError."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as exc:
            if kind == "queue":
                self._queue_urls.pop(name, None)
            else:
                self._topic_arns.pop(name, None)
            raise PublishError(f"{kind} {name}: {type(exc).__name__}: {exc}") from None

    def _queue_url(self, name: str) -> str:
        if name not in self._queue_urls:
            response = self.sqs.get_queue_url(QueueName=self.names.queue(name))
            self._queue_urls[name] = response["QueueUrl"]
        return self._queue_urls[name]

    def _topic_arn(self, name: str) -> str:
        if name in self._topic_arns:
            return self._topic_arns[name]
        wanted = self.names.topic(name)
        region = self.names.platform.region
        if self.account_id:
            arn = f"arn:aws:sns:{region}:{self.account_id}:{wanted}"
        else:
            arn = ""
            for page in self.sns.get_paginator("list_topics").paginate():
                for topic in page.get("Topics", []):
                    if topic["TopicArn"].rsplit(":", 1)[-1] == wanted:
                        arn = topic["TopicArn"]
            if not arn:
                raise PublishError(f"topic {wanted} does not exist")
        self._topic_arns[name] = arn
        return arn


@functools.cache
def _session() -> Any:
    """The process's one botocore session: its clients share one loader, so the endpoint data
    and each service model are read once, not once per client. botocore's own session, not
    boto3's: boto3 adds resources and S3 transfers (s3transfer, multiprocessing) that no
    service uses."""
    import botocore.session

    return botocore.session.get_session()


_CLIENTS_LOCK = threading.Lock()


def aws_client(service: str, region: str, endpoint_url: str | None, config: Any) -> Any:
    """A low-level client (the same as boto3's) from the process's one session.

    Made one at a time: a botocore session is not safe to make clients from in two threads
    at once, and tests run several services' start-ups in threads of one process."""
    with _CLIENTS_LOCK:
        return _session().create_client(
            service, region_name=region, endpoint_url=endpoint_url, config=config
        )


def aws_clients(
    region: str, endpoint_url: str | None, *, topics: bool = True, queues: bool = True
) -> tuple[Any, Any]:
    """(sns, sqs) clients with short timeouts: the relay retries, the request never waits.

    Only those the service publishes with are made (`topics`, `queues`); the other is None."""
    from botocore.config import Config

    config = Config(
        connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"}
    )
    return (
        aws_client("sns", region, endpoint_url, config) if topics else None,
        aws_client("sqs", region, endpoint_url, config) if queues else None,
    )


def consumer_sqs_client(region: str, endpoint_url: str | None, wait_seconds: int) -> Any:
    """An SQS client for long polls: its read timeout outlasts the poll's wait."""
    from botocore.config import Config

    config = Config(
        connect_timeout=2,
        read_timeout=wait_seconds + 10,
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=20,
    )
    return aws_client("sqs", region, endpoint_url, config)


def _attributes(attributes: dict[str, str]) -> dict[str, dict[str, str]]:
    """Message attributes in the shape SNS and SQS take."""
    return {key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()}
