"""CloudWatch Logs test data: events written into moto, as the services' log shipping would."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def put(client: Any, group: str, stream: str, events: Iterable[tuple[int, str]]) -> None:
    """Write (timestamp, message) events, creating the group and stream when needed."""
    if not client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        client.create_log_group(logGroupName=group)
    streams = client.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)
    if not streams["logStreams"]:
        client.create_log_stream(logGroupName=group, logStreamName=stream)
    batch = [{"timestamp": ts, "message": message} for ts, message in events]
    client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
