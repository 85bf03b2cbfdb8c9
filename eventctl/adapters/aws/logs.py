"""CloudWatch Logs: FilterLogEvents pages of one log group, throttling retried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call

RawEvent = dict[str, Any]
"""One FilterLogEvents event as botocore returns it: eventId, timestamp, message, ..."""


class LogGroupNotFound(AwsError):
    """The log group does not exist (yet)."""

    def __init__(self, group: str) -> None:
        super().__init__(
            f"log group {group} does not exist",
            hint="has the service been deployed to this environment? "
            "With --follow, eventctl waits for the group to appear",
            code="ResourceNotFoundException",
        )
        self.group = group


class CloudWatchLogs:
    """The FilterLogEvents calls the tail engine needs, on one boto3 `logs` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def filter_pages(
        self,
        group: str,
        *,
        start_ms: int,
        end_ms: int | None = None,
        pattern: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[list[RawEvent]]:
        """The events of `group` with start_ms <= timestamp <= end_ms, one page at a time.

        No stream names are pinned, so streams created after the call began are searched too.
        Raises LogGroupNotFound, ThrottledError (after backing off) or AwsError.
        """
        request: dict[str, Any] = {
            "logGroupName": group,
            "startTime": max(0, start_ms),
            # Ignored by AWS (always interleaved) but makes emulators merge streams by time.
            "interleaved": True,
        }
        if end_ms is not None:
            request["endTime"] = end_ms
        if pattern:
            request["filterPattern"] = pattern
        if page_size:
            request["limit"] = page_size
        action = f"FilterLogEvents on {group}"
        while True:
            try:
                response = call(action, self.client.filter_log_events, self.backoff, **request)
            except AwsError as exc:
                if exc.code == "ResourceNotFoundException":
                    raise LogGroupNotFound(group) from None
                raise
            yield response.get("events", [])
            token = response.get("nextToken")
            if not token or token == request.get("nextToken"):
                return
            request["nextToken"] = token
