"""SNS: create topics and SQS subscriptions idempotently."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws._calls import Backoff, call


class Sns:
    """The SNS calls the local environment needs, on one boto3 `sns` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def ensure_topic(self, name: str) -> str:
        """The ARN of topic `name` (CreateTopic returns the existing one)."""
        response = call(f"CreateTopic {name}", self.client.create_topic, self.backoff, Name=name)
        return str(response["TopicArn"])

    def sqs_subscriptions(self, topic_arn: str) -> dict[str, str]:
        """queue ARN -> subscription ARN of the topic's SQS subscriptions."""
        found: dict[str, str] = {}
        request: dict[str, Any] = {"TopicArn": topic_arn}
        while True:
            page = call(
                f"ListSubscriptionsByTopic {topic_arn}",
                self.client.list_subscriptions_by_topic,
                self.backoff,
                **request,
            )
            for item in page.get("Subscriptions", []):
                if item.get("Protocol") == "sqs":
                    found[item["Endpoint"]] = item["SubscriptionArn"]
            token = page.get("NextToken")
            if not token:
                return found
            request["NextToken"] = token

    def ensure_sqs_subscription(self, topic_arn: str, queue_arn: str, *, raw: bool) -> bool:
        """Subscribe `queue_arn` to the topic; False when it already was."""
        if queue_arn in self.sqs_subscriptions(topic_arn):
            return False
        call(
            f"Subscribe {queue_arn} to {topic_arn}",
            self.client.subscribe,
            self.backoff,
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
        )
        return True
