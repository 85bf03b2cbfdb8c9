"""SQS: create queues idempotently and read their ARNs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventctl.adapters.aws._calls import Backoff, call


class Sqs:
    """The SQS calls the local environment needs, on one boto3 `sqs` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def ensure_queue(self, name: str, attributes: Mapping[str, str]) -> str:
        """The URL of queue `name`, created (or updated) with `attributes`."""
        response = call(
            f"CreateQueue {name}", self.client.create_queue, self.backoff, QueueName=name
        )
        url = str(response["QueueUrl"])
        if attributes:
            call(
                f"SetQueueAttributes {name}",
                self.client.set_queue_attributes,
                self.backoff,
                QueueUrl=url,
                Attributes=dict(attributes),
            )
        return url

    def arn(self, url: str) -> str:
        response = call(
            f"GetQueueAttributes {url}",
            self.client.get_queue_attributes,
            self.backoff,
            QueueUrl=url,
            AttributeNames=["QueueArn"],
        )
        return str(response["Attributes"]["QueueArn"])

    def queue_url(self, name: str) -> str:
        response = call(
            f"GetQueueUrl {name}", self.client.get_queue_url, self.backoff, QueueName=name
        )
        return str(response["QueueUrl"])
