"""The CloudWatch Logs adapter: its fast page decoding gives what botocore's parser gives."""

from __future__ import annotations

import json
import time
from typing import Any

from eventctl.adapters.aws.logs import CloudWatchLogs, _decode_events_page
from tests.helpers.logs import put

GROUP = "/ecs/event-planner/dev/auth-service"


def test_fast_decoding_matches_botocore(moto_server: Any) -> None:
    now = int(time.time() * 1000)
    client = moto_server.client("logs")
    messages = ['{"level": "info", "n": 1}', "plain", 'ünïcödé \\ "quoted"', ""]
    put(client, GROUP, "a", [(now - 5000 + i, m or " ") for i, m in enumerate(messages)])
    put(client, GROUP, "b", [(now - 4000 + i, f"b{i}") for i in range(7)])
    request = {"logGroupName": GROUP, "startTime": now - 60_000, "interleaved": True, "limit": 4}

    adapter = CloudWatchLogs(moto_server.client("logs"))
    fast = list(adapter.filter_pages(GROUP, start_ms=now - 60_000, page_size=4))
    slow = []
    while True:
        response = client.filter_log_events(**request)
        slow.append(response["events"])
        if "nextToken" not in response:
            break
        request["nextToken"] = response["nextToken"]

    assert fast == slow
    assert sum(len(page) for page in fast) == 11


def test_the_decoder_takes_over_only_plain_successful_json() -> None:
    page = {"events": [{"eventId": "1", "timestamp": 5, "message": "m"}], "nextToken": "t"}
    ok: dict[str, Any] = {"status_code": 200, "headers": {}, "body": json.dumps(page).encode()}
    customized: dict[str, Any] = {}
    _decode_events_page(ok, customized)
    assert customized == page and ok["body"] == b"{}"

    for response in (
        {"status_code": 400, "headers": {}, "body": b'{"__type": "ThrottlingException"}'},
        {"status_code": 200, "headers": {"content-encoding": "gzip"}, "body": b"\x1f\x8b"},
        {"status_code": 200, "headers": {}, "body": b"not json"},
    ):
        before = dict(response)
        untouched: dict[str, Any] = {}
        _decode_events_page(response, untouched)
        assert untouched == {} and response == before
