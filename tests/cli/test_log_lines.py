"""How tail lines look: labels, UTC times, compact JSON, colours, JSON records."""

from __future__ import annotations

import io
import json

from eventctl.cli._log_lines import JsonWriter, LineWriter, compact_json
from eventctl.core.logs import LogEvent

MAY_FIRST = 1714564800123  # 2024-05-01 12:00:00.123 UTC


def event(message: str, source: str = "auth") -> LogEvent:
    return LogEvent(MAY_FIRST, source, f"/ecs/x/{source}", "task-1", "42", message)


def test_lines_are_label_utc_time_message() -> None:
    out = io.StringIO()
    writer = LineWriter(out, ["auth", "notification"], colour=False)
    writer.write(event("started\n"))
    writer.write(event('{"level":"warn","msg":"slow","ms":812,"path":"/x"}', "notification"))
    writer.flush()
    assert out.getvalue().splitlines() == [
        "auth         2024-05-01 12:00:00.123Z started",
        'notification 2024-05-01 12:00:00.123Z WARN slow {"ms":812,"path":"/x"}',
    ]


def test_colour_marks_the_label_time_and_level() -> None:
    out = io.StringIO()
    writer = LineWriter(out, ["auth"], colour=True)
    writer.write(event('{"level":"error","message":"boom"}'))
    writer.flush()
    line = out.getvalue()
    assert line.startswith("\x1b[36mauth\x1b[0m \x1b[2m2024-05-01 12:00:00.123Z\x1b[0m")
    assert "\x1b[31mERROR\x1b[0m boom" in line


def test_compact_json_leaves_other_text_alone() -> None:
    assert compact_json('{"a": {"b": [1, 2]}}') == '{"a":{"b":[1,2]}}'
    assert compact_json('{"message": "hi", "time": "t"}') == "hi"
    assert compact_json("{not json") is None
    assert compact_json("[1, 2]") is None


def test_json_records_carry_everything_needed_to_pipe() -> None:
    out = io.StringIO()
    writer = JsonWriter(out, {"auth": "/ecs/x/auth"})
    writer.write(event("line\n"))
    writer.flush()
    assert json.loads(out.getvalue()) == {
        "timestamp": "2024-05-01T12:00:00.123Z",
        "timestamp_ms": MAY_FIRST,
        "service": "auth",
        "message": "line",
        "log_group": "/ecs/x/auth",
        "log_stream": "task-1",
        "event_id": "42",
    }
