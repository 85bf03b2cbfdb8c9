"""How tail lines look: labels, UTC times, compact JSON, colours, JSON records."""

from __future__ import annotations

import io
import json

from eventctl.cli._render_log_lines import JsonWriter, LineWriter, compact_json
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


def test_a_batch_renders_as_the_lines_one_by_one() -> None:
    events = [
        LogEvent(MAY_FIRST + i * 400, source, f"/ecs/x/{source}", "task-1", str(i), message)
        for i, (source, message) in enumerate(
            [
                ("auth", "plain\r\n"),
                ("notification", '{"severity":"error","msg":"x","n":1.5}'),
                ("auth", '{"level":null,"levelname":"info","message":"kept"}'),
                ("auth", "{not json"),
                ("notification", '{"message":"no level","time":"t","timestamp":1}'),
            ]
        )
    ]
    for colour in (False, True):
        writer = LineWriter(io.StringIO(), ["auth", "notification"], colour=colour)
        one_by_one = [writer.render(e.timestamp, e.source, e.message) for e in events]
        assert writer.render_batch(events) == one_by_one
    plain = LineWriter(io.StringIO(), ["auth", "notification"], colour=False)
    assert [line.split("Z ", 1)[1] for line in plain.render_batch(events)] == [
        "plain\n",
        'ERROR x {"n":1.5}\n',
        'kept {"levelname":"info"}\n',  # "level" is present (null), so it is the level key
        "{not json\n",
        "no level\n",
    ]


def test_compact_json_keeps_every_digit_of_big_numbers() -> None:
    line = '{"message":"paid","trace":123456789012345678901234567890,"n":-9223372036854775809}'
    assert (
        compact_json(line)
        == 'paid {"trace":123456789012345678901234567890,"n":-9223372036854775809}'
    )
    assert compact_json('{"message":"odd","v":NaN}') == 'odd {"v":NaN}'


def test_write_lines_writes_chunks_in_order_and_flushes() -> None:
    out = io.StringIO()
    writer = LineWriter(out, ["auth"], colour=False)
    writer.write(event("held"))
    writer.write_lines([f"{i}\n" for i in range(3000)])
    assert out.getvalue().splitlines()[0].endswith(" held")
    assert out.getvalue().splitlines()[1:] == [str(i) for i in range(3000)]


def test_json_batch_matches_json_writes() -> None:
    events = [event("a\n"), event('{"x": 1}', "booking"), event("ü")]
    one_by_one = io.StringIO()
    writer = JsonWriter(one_by_one, {"auth": "/ecs/x/auth"})
    for e in events:
        writer.write(e)
    writer.flush()
    batch = JsonWriter(io.StringIO(), {"auth": "/ecs/x/auth"}).render_batch(events)
    assert "".join(batch) == one_by_one.getvalue()
    assert [json.loads(line)["message"] for line in batch] == ["a", '{"x": 1}', "ü"]
    assert json.loads(batch[1])["log_group"] == ""
