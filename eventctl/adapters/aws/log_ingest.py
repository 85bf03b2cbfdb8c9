"""CloudWatch Logs, write side: groups, streams and PutLogEvents batches within AWS limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call

# PutLogEvents limits: 10,000 events and 1,048,576 bytes a batch, each event counted as its
# UTF-8 size + 26 bytes; one event at most 256 KiB.
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD

LogRecord = tuple[int, str]
"""(timestamp in ms since the epoch, message)"""


class LogIngest:
    """Creates log groups and streams and sends events to them, on one boto3 `logs` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def ensure_group(self, group: str, retention_days: int | None = None) -> bool:
        """Create `group` (and set its retention); False when it existed."""
        created = self._create(
            f"CreateLogGroup {group}", self.client.create_log_group, logGroupName=group
        )
        if retention_days:
            call(
                f"PutRetentionPolicy {group}",
                self.client.put_retention_policy,
                self.backoff,
                logGroupName=group,
                retentionInDays=retention_days,
            )
        return created

    def ensure_stream(self, group: str, stream: str) -> bool:
        return self._create(
            f"CreateLogStream {group}/{stream}",
            self.client.create_log_stream,
            logGroupName=group,
            logStreamName=stream,
        )

    def put(self, group: str, stream: str, records: Sequence[LogRecord]) -> int:
        """Send `records` (sorted here by time) in as many batches as the limits need."""
        ordered = sorted(records, key=lambda record: record[0])
        sent = 0
        for batch in batches(ordered):
            call(
                f"PutLogEvents {group}/{stream}",
                self.client.put_log_events,
                self.backoff,
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": ts, "message": message} for ts, message in batch],
            )
            sent += len(batch)
        return sent

    def _create(self, action: str, fn: Any, **kwargs: Any) -> bool:
        try:
            call(action, fn, self.backoff, **kwargs)
        except AwsError as exc:
            if exc.code == "ResourceAlreadyExistsException":
                return False
            raise
        return True


def batches(records: Sequence[LogRecord]) -> Iterator[list[LogRecord]]:
    """`records` cut into PutLogEvents batches; an oversized message is truncated."""
    batch: list[LogRecord] = []
    size = 0
    for timestamp, message in records:
        data = message.encode("utf-8")
        if len(data) > MAX_EVENT_BYTES:
            message = data[:MAX_EVENT_BYTES].decode("utf-8", "ignore")
            data = message.encode("utf-8")
        cost = len(data) + EVENT_OVERHEAD
        if batch and (len(batch) >= MAX_BATCH_EVENTS or size + cost > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((timestamp, message))
        size += cost
    if batch:
        yield batch
