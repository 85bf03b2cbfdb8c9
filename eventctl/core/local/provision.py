"""Create a `ProvisionPlan` in the AWS emulator: idempotent, so a restarted emulator is
provisioned again the same way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventctl.adapters.aws.clients import AwsTarget, make_client
from eventctl.adapters.aws.log_ingest import LogIngest
from eventctl.adapters.aws.s3 import S3
from eventctl.adapters.aws.secretsmanager import SecretsManager
from eventctl.adapters.aws.ses import Ses
from eventctl.adapters.aws.sns import Sns
from eventctl.adapters.aws.sqs import Sqs
from eventctl.core.local.spec import EMULATOR_CREDENTIALS, ProvisionPlan, QueuePlan


@dataclass(frozen=True)
class Provisioned:
    """How many resources of each kind the emulator holds after provisioning."""

    queues: int
    topics: int
    subscriptions: int
    buckets: int
    log_groups: int
    email_identities: int
    secrets: int

    def to_dict(self) -> dict[str, int]:
        return dict(vars(self))


def emulator_target(endpoint_url: str, region: str) -> AwsTarget:
    return AwsTarget(
        region=region, endpoint_url=endpoint_url, static_credentials=EMULATOR_CREDENTIALS
    )


def provision(plan: ProvisionPlan, target: AwsTarget, secrets_dir: Path) -> Provisioned:
    """Create (or update) everything in `plan`; secret values are read from `secrets_dir`."""
    sqs = Sqs(make_client("sqs", target))
    sns = Sns(make_client("sns", target))
    arns = {queue.name: _queue(sqs, queue) for queue in plan.queues}
    sources: dict[str, list[str]] = {}
    for topic in plan.topics:
        topic_arn = sns.ensure_topic(topic.name)
        for queue in topic.subscribed_queues:
            sns.ensure_sqs_subscription(topic_arn, arns[queue], raw=plan.raw_message_delivery)
            sources.setdefault(queue, []).append(topic_arn)
    for queue, topic_arns in sources.items():
        _allow_topics(sqs, queue, arns[queue], topic_arns)
    s3 = S3(make_client("s3", target), plan.region)
    s3.create_bucket(plan.assets_bucket)
    s3.encrypt_by_default(plan.assets_bucket)
    s3.block_public_access(plan.assets_bucket)
    logs = LogIngest(make_client("logs", target))
    for group in plan.log_groups:
        logs.ensure_group(group, plan.log_retention_days)
    Ses(make_client("ses", target)).ensure_domain_identity(plan.email_domain)
    secrets = SecretsManager(make_client("secretsmanager", target))
    for name, file_name in plan.secrets.items():
        value = (secrets_dir / file_name).read_text(encoding="utf-8")
        secrets.put(name, value, description="generated for this local run")
    return Provisioned(
        queues=2 * len(plan.queues),
        topics=len(plan.topics),
        subscriptions=sum(len(topic_arns) for topic_arns in sources.values()),
        buckets=1,
        log_groups=len(plan.log_groups),
        email_identities=1,
        secrets=len(plan.secrets),
    )


def _queue(sqs: Sqs, queue: QueuePlan) -> str:
    """Create the dead-letter queue, then the queue redriving to it; the queue's ARN."""
    dead_url = sqs.ensure_queue(
        queue.dead_letter_name,
        {"MessageRetentionPeriod": str(queue.dead_letter_retention_seconds)},
    )
    dead_arn = sqs.arn(dead_url)
    url = sqs.ensure_queue(
        queue.name,
        {
            "VisibilityTimeout": str(queue.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(queue.retention_seconds),
            "ReceiveMessageWaitTimeSeconds": "20",
            "RedrivePolicy": _compact(
                {"deadLetterTargetArn": dead_arn, "maxReceiveCount": queue.max_receive_count}
            ),
        },
    )
    arn = sqs.arn(url)
    sqs.ensure_queue(
        queue.dead_letter_name,
        {
            "RedriveAllowPolicy": _compact(
                {"redrivePermission": "byQueue", "sourceQueueArns": [arn]}
            )
        },
    )
    return arn


def _allow_topics(sqs: Sqs, queue: str, queue_arn: str, topic_arns: list[str]) -> None:
    """The queue policy the Terraform sets: SNS may deliver from the subscribed topics."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TopicsDeliver",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arns}},
            }
        ],
    }
    sqs.ensure_queue(queue, {"Policy": _compact(policy)})


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))
