"""CloudWatch Logs: FilterLogEvents pages of one log group, throttling retried."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call
from eventctl.adapters.fastjson import loads_int64

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
        client.meta.events.register(
            "before-parse.cloudwatch-logs.FilterLogEvents", _decode_events_page
        )

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


def _decode_events_page(
    response_dict: MutableMapping[str, Any],
    customized_response_dict: MutableMapping[str, Any],
    **_: Any,
) -> None:
    """Decode a FilterLogEvents page with a C JSON decoder instead of botocore's parser.

    botocore walks its shape model for every event in Python, which costs about as much as
    the rest of a tail. FilterLogEvents' output holds only JSON strings, integers (times in
    milliseconds) and booleans (no timestamps or blobs to convert), so a JSON decoder (orjson
    when installed, see `adapters.fastjson`) gives exactly the same data;
    a test checks it against botocore's own parse. botocore merges `customized_response_dict`
    into its result and is left an empty body. Errors, compressed bodies and anything
    unexpected fall through to botocore untouched.
    """
    body = response_dict.get("body")
    if response_dict.get("status_code") != 200 or not isinstance(body, bytes):
        return
    if response_dict.get("headers", {}).get("content-encoding", "identity") != "identity":
        return
    try:
        page = loads_int64(body)
    except ValueError:
        return
    if isinstance(page, dict) and isinstance(page.get("events", []), list):
        customized_response_dict.update(page)
        response_dict["body"] = b"{}"
