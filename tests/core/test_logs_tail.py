"""The tail engine against a real moto server (events, streams, groups) and, for throttling,
botocore's Stubber (moto never throttles)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from eventctl.adapters.aws._calls import Backoff
from eventctl.adapters.aws.logs import CloudWatchLogs, LogGroupNotFound
from eventctl.core.logs import (
    LogEvent,
    LogSource,
    TailItem,
    TailNotice,
    TailOptions,
    _RecentIds,
    tail,
    tail_lines,
)
from eventctl.errors import EventctlError
from tests.fakes.clock import ScriptedTime, StopFollowing
from tests.helpers.logs import put

NOW = float(int(time.time()))  # whole seconds, so offsets below are exact
BASE = int(NOW * 1000)
AUTH = LogSource("auth", "/ecs/event-planner/dev/auth-service")
BOOKING = LogSource("booking", "/ecs/event-planner/dev/booking-service")
EVENT = LogSource("event", "/ecs/event-planner/dev/event-service")


def collect(items: Iterator[TailItem]) -> list[TailItem]:
    got: list[TailItem] = []
    try:
        for item in items:
            got.append(item)
    except StopFollowing:
        pass
    return got


def events(items: list[TailItem]) -> list[LogEvent]:
    return [item for item in items if isinstance(item, LogEvent)]


def messages(items: list[TailItem]) -> list[str]:
    return [event.message for event in events(items)]


def notices(items: list[TailItem]) -> list[tuple[str, str]]:
    return [(n.kind, n.source) for n in items if isinstance(n, TailNotice)]


@pytest.fixture
def logs_client(moto_server: Any) -> Any:
    return moto_server.client("logs")


@pytest.fixture
def cloudwatch_logs(logs_client: Any) -> CloudWatchLogs:
    return CloudWatchLogs(logs_client)


def test_merges_groups_and_streams_in_timestamp_order(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, AUTH.group, "task-a", [(BASE - 5000, "a1"), (BASE - 3000, "a3")])
    put(logs_client, AUTH.group, "task-b", [(BASE - 4000, "a2")])
    put(logs_client, BOOKING.group, "task-c", [(BASE - 4500, "b1"), (BASE - 1000, "b2")])

    got = collect(tail(cloudwatch_logs, [AUTH, BOOKING], TailOptions(start_ms=BASE - 60_000)))

    assert messages(got) == ["a1", "b1", "a2", "a3", "b2"]
    assert [e.source for e in events(got)] == ["auth", "booking", "auth", "auth", "booking"]
    assert events(got)[2].stream == "task-b"


def test_since_and_until_bound_the_read(logs_client: Any, cloudwatch_logs: CloudWatchLogs) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 9000, "old"), (BASE - 5000, "in"), (BASE, "new")])

    options = TailOptions(start_ms=BASE - 6000, end_ms=BASE - 1000)
    assert messages(collect(tail(cloudwatch_logs, [AUTH], options))) == ["in"]


def test_identical_timestamps_across_page_and_poll_boundaries(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    """25 events in one millisecond over pages of 10, then 5 more in the same millisecond
    after a poll: all 30 come out once (Copilot's +1 ms restart would drop the last 5)."""
    same = BASE - 10_000
    put(logs_client, AUTH.group, "s1", [(same, f"first-{i}") for i in range(15)])
    put(logs_client, AUTH.group, "s2", [(same, f"second-{i}") for i in range(10)])

    def five_more() -> None:
        put(logs_client, AUTH.group, "s3", [(same, f"third-{i}") for i in range(5)])

    # Two quiet rounds after the five arrive: they are held 2 s after being fetched.
    world = ScriptedTime(NOW, [five_more, lambda: None, lambda: None])
    options = TailOptions(start_ms=BASE - 60_000, follow=True, page_size=10)
    got = messages(
        collect(tail(cloudwatch_logs, [AUTH], options, clock=world.clock, sleep=world.sleep))
    )

    assert len(got) == 30
    assert len(set(got)) == 30
    assert got[-5:] == [f"third-{i}" for i in range(5)]


def test_one_pass_pages_through_a_group(logs_client: Any, cloudwatch_logs: CloudWatchLogs) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 50_000 + i, f"m{i}") for i in range(35)])

    got = messages(collect(tail(cloudwatch_logs, [AUTH], TailOptions(BASE - 60_000, page_size=10))))

    assert got == [f"m{i}" for i in range(35)]


def test_follow_picks_up_a_stream_created_while_following(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, AUTH.group, "task-1", [(BASE - 8000, "before")])

    def new_task_starts() -> None:
        put(logs_client, AUTH.group, "task-2", [(BASE - 7000, "from the new task")])

    world = ScriptedTime(NOW, [new_task_starts, lambda: None, lambda: None])
    options = TailOptions(start_ms=BASE - 60_000, follow=True)
    got = collect(tail(cloudwatch_logs, [AUTH], options, clock=world.clock, sleep=world.sleep))

    assert messages(got) == ["before", "from the new task"]
    assert events(got)[1].stream == "task-2"


def test_follow_shows_a_late_event_in_order(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    """B (1.5 s old) is written after A (0.5 s old) was read: the reorder buffer still
    yields B first."""
    put(logs_client, AUTH.group, "task-1", [(BASE - 500, "A")])

    def late_event_lands() -> None:
        put(logs_client, BOOKING.group, "task-9", [(BASE - 1500, "B")])

    world = ScriptedTime(NOW, [late_event_lands, lambda: None, lambda: None])
    options = TailOptions(start_ms=BASE - 60_000, follow=True)
    got = collect(
        tail(cloudwatch_logs, [AUTH, BOOKING], options, clock=world.clock, sleep=world.sleep)
    )

    assert messages(got) == ["B", "A"]


def test_follow_orders_an_event_that_was_already_old_when_it_arrived(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    """A is 2.5 s old when read; B, older still (3 s), lands one poll later. The hold runs
    from when an event was fetched, not from its timestamp, so B still comes out first."""
    put(logs_client, AUTH.group, "task-1", [(BASE - 2500, "A")])

    def older_event_lands() -> None:
        put(logs_client, BOOKING.group, "task-9", [(BASE - 3000, "B")])

    world = ScriptedTime(NOW, [older_event_lands, lambda: None, lambda: None])
    options = TailOptions(start_ms=BASE - 60_000, follow=True)
    got = collect(
        tail(cloudwatch_logs, [AUTH, BOOKING], options, clock=world.clock, sleep=world.sleep)
    )

    assert messages(got) == ["B", "A"]


def test_follow_shows_the_backlog_at_once_and_holds_only_the_recent_events(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    """Nothing a later poll returns can be older than the newest event minus the overlap, so
    the first round's older events are not held; the last few seconds are."""
    put(logs_client, AUTH.group, "s", [(BASE - 30_000, "old"), (BASE - 1000, "recent")])
    world = ScriptedTime(NOW, [])  # stops at the first sleep
    options = TailOptions(start_ms=BASE - 60_000, follow=True)

    got = collect(tail(cloudwatch_logs, [AUTH], options, clock=world.clock, sleep=world.sleep))

    assert messages(got) == ["old"]


def test_ctrl_c_while_following_still_shows_the_held_events_in_order(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 1000, "second")])
    put(logs_client, BOOKING.group, "s", [(BASE - 1500, "first")])

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    options = TailOptions(start_ms=BASE - 60_000, follow=True)
    got: list[TailItem] = []
    with pytest.raises(KeyboardInterrupt):
        for item in tail(
            cloudwatch_logs, [AUTH, BOOKING], options, clock=lambda: NOW, sleep=interrupted
        ):
            got.append(item)

    assert messages(got) == ["first", "second"]


def test_follow_keeps_only_new_events_on_each_poll(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 3000 + i, f"m{i}") for i in range(3)])
    steps = [
        lambda i=i: put(logs_client, AUTH.group, "s", [(BASE - 2000 + i * 100, f"n{i}")])
        for i in range(4)
    ]
    world = ScriptedTime(NOW, [*steps, lambda: None, lambda: None, lambda: None])
    options = TailOptions(start_ms=BASE - 60_000, follow=True)

    got = messages(
        collect(tail(cloudwatch_logs, [AUTH], options, clock=world.clock, sleep=world.sleep))
    )

    assert got == ["m0", "m1", "m2", "n0", "n1", "n2", "n3"]
    assert world.sleeps[:4] == [1.0, 1.0, 1.0, 1.0]


def test_one_pass_over_a_missing_group_fails_with_a_hint(cloudwatch_logs: CloudWatchLogs) -> None:
    with pytest.raises(LogGroupNotFound) as caught:
        collect(tail(cloudwatch_logs, [AUTH], TailOptions(start_ms=BASE - 60_000)))
    assert AUTH.group in caught.value.message
    assert caught.value.hint and "--follow" in caught.value.hint


def test_one_pass_skips_a_missing_group_among_others(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, BOOKING.group, "s", [(BASE - 1000, "b")])

    got = collect(tail(cloudwatch_logs, [AUTH, BOOKING], TailOptions(start_ms=BASE - 60_000)))

    assert notices(got) == [("missing", "auth")]
    assert messages(got) == ["b"]


def test_no_group_at_all_is_one_error(cloudwatch_logs: CloudWatchLogs) -> None:
    with pytest.raises(EventctlError, match="none of the log groups exists"):
        collect(tail(cloudwatch_logs, [AUTH, BOOKING], TailOptions(start_ms=BASE - 60_000)))


def test_follow_waits_for_a_missing_group(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    def service_deployed() -> None:
        put(logs_client, AUTH.group, "task-1", [(BASE - 4000, "first line")])

    world = ScriptedTime(NOW, [lambda: None, service_deployed, lambda: None, lambda: None])
    options = TailOptions(start_ms=BASE - 60_000, follow=True)
    got = collect(tail(cloudwatch_logs, [AUTH], options, clock=world.clock, sleep=world.sleep))

    assert notices(got) == [("waiting", "auth"), ("found", "auth")]  # said once, not per poll
    assert messages(got) == ["first line"]


def test_plain_filter_term_is_applied(logs_client: Any, cloudwatch_logs: CloudWatchLogs) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 3000, "ok"), (BASE - 2000, "ERROR boom")])

    options = TailOptions(start_ms=BASE - 60_000, pattern="ERROR")
    assert messages(collect(tail(cloudwatch_logs, [AUTH], options))) == ["ERROR boom"]


# -- what moto lacks: throttling, filter patterns beyond plain terms (botocore Stubber) -----


def stubbed_logs() -> tuple[Any, Any]:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "logs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    return client, Stubber(client)


def page(*items: tuple[str, int, str], token: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "events": [
            {"eventId": eid, "timestamp": ts, "message": msg, "logStreamName": "s"}
            for eid, ts, msg in items
        ]
    }
    if token:
        response["nextToken"] = token
    return response


def test_adapter_backs_off_on_throttling_then_recovers() -> None:
    client, stubber = stubbed_logs()
    stubber.add_client_error("filter_log_events", "ThrottlingException", http_status_code=400)
    stubber.add_client_error("filter_log_events", "ThrottlingException", http_status_code=400)
    stubber.add_response("filter_log_events", page(("1", BASE, "after the storm")))
    slept: list[float] = []
    backoff = Backoff(sleep=slept.append, rng=random.Random(7))

    with stubber:
        pages = list(CloudWatchLogs(client, backoff).filter_pages(AUTH.group, start_ms=BASE))

    assert [e["message"] for p in pages for e in p] == ["after the storm"]
    assert len(slept) == 2
    assert 0.125 <= slept[0] <= 0.25 and 0.25 <= slept[1] <= 0.5  # exponential, jittered
    stubber.assert_no_pending_responses()


def test_follow_carries_on_through_persistent_throttling() -> None:
    """The adapter gives up mid-pagination; the tail reports it, polls less often, and the
    next poll resumes from its cursor: nothing lost, nothing twice."""
    client, stubber = stubbed_logs()
    group_start = {"logGroupName": AUTH.group, "startTime": BASE - 60_000, "interleaved": True}
    stubber.add_response(
        "filter_log_events", page(("1", BASE - 3000, "one"), token="t1"), group_start
    )
    stubber.add_client_error("filter_log_events", "ThrottlingException", http_status_code=400)
    # Next round restarts 5 s (the overlap) before the newest event seen, not at page 2.
    restart = {**group_start, "startTime": BASE - 3000 - 5000}
    stubber.add_response(
        "filter_log_events", page(("1", BASE - 3000, "one"), ("2", BASE - 2000, "two")), restart
    )
    # Two quiet rounds: "two" is held 2 s after it was fetched, then comes out.
    newest = {**group_start, "startTime": BASE - 2000 - 5000}
    stubber.add_response("filter_log_events", page(), newest)
    stubber.add_response("filter_log_events", page(), newest)
    world = ScriptedTime(NOW, [lambda: None, lambda: None, lambda: None])
    cloudwatch_logs = CloudWatchLogs(client, Backoff(attempts=1, sleep=world.sleep))
    options = TailOptions(start_ms=BASE - 60_000, follow=True)

    with stubber:
        got = collect(tail(cloudwatch_logs, [AUTH], options, clock=world.clock, sleep=world.sleep))

    assert messages(got) == ["one", "two"]
    assert notices(got) == [("throttled", "auth")]
    assert world.sleeps[0] == 2.0  # backed off: twice the 1 s interval
    assert world.sleeps[1] == 1.0  # and back to normal once AWS answers again


def test_complex_filter_pattern_is_passed_through_unchanged() -> None:
    client, stubber = stubbed_logs()
    pattern = '{ $.level = "error" && $.latency > 500 }'
    stubber.add_response(
        "filter_log_events",
        page(("9", BASE, '{"level":"error","latency":900}')),
        {
            "logGroupName": AUTH.group,
            "startTime": BASE - 1000,
            "interleaved": True,
            "filterPattern": pattern,
        },
    )
    options = TailOptions(start_ms=BASE - 1000, pattern=pattern)

    with stubber:
        got = messages(collect(tail(CloudWatchLogs(client), [AUTH], options)))

    assert got == ['{"level":"error","latency":900}']


def test_one_pass_stops_on_persistent_throttling() -> None:
    client, stubber = stubbed_logs()
    stubber.add_client_error("filter_log_events", "ThrottlingException", http_status_code=400)
    cloudwatch_logs = CloudWatchLogs(client, Backoff(attempts=1))

    with stubber, pytest.raises(EventctlError, match="throttling"):
        collect(tail(cloudwatch_logs, [AUTH], TailOptions(start_ms=BASE)))


# -- the pieces -------------------------------------------------------------------------------


def test_recent_ids_keep_only_the_overlap_window() -> None:
    ids = _RecentIds()
    for second in range(1000):
        for n in range(3):
            assert ids.add(BASE + second * 1000, f"{second}-{n}")
        ids.forget_before(BASE + second * 1000 - 5000)
    assert not ids.add(BASE + 999_000, "999-0")  # a duplicate inside the window
    assert len(ids) == 3 * 6  # the last five seconds and the current one, not 3000


def test_follow_and_until_are_refused() -> None:
    with pytest.raises(EventctlError, match="--follow and --until"):
        TailOptions(start_ms=0, end_ms=10, follow=True)


# -- tail_lines: the same events, rendered where they are fetched -----------------------------


def render_ids(events: Sequence[LogEvent]) -> list[str]:
    return [f"{e.timestamp} {e.source} {e.event_id} {e.message}\n" for e in events]


def flatten(items: Iterator[Any]) -> tuple[list[str], list[tuple[str, str]]]:
    lines: list[str] = []
    said: list[tuple[str, str]] = []
    try:
        for item in items:
            if isinstance(item, TailNotice):
                said.append((item.kind, item.source))
            else:
                lines.extend(item)
    except StopFollowing:
        pass
    return lines, said


def test_tail_lines_gives_tail_s_events_in_tail_s_order(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    """Three groups, several pages each, many events sharing a millisecond across groups and
    streams: every event once, in timestamp order, exactly as `tail` yields them."""
    rng = random.Random(3)
    for source in (AUTH, BOOKING, EVENT):
        for stream in ("s1", "s2"):
            stamps = sorted(BASE - 40_000 + rng.randint(0, 400) * 50 for _ in range(60))
            put(logs_client, source.group, stream, [(t, f"{stream}-{t}") for t in stamps])
    options = TailOptions(start_ms=BASE - 60_000, page_size=25)

    expected = render_ids(events(collect(tail(cloudwatch_logs, [AUTH, BOOKING, EVENT], options))))
    lines, said = flatten(tail_lines(cloudwatch_logs, [AUTH, BOOKING, EVENT], options, render_ids))

    assert said == []
    assert len(lines) == 360 and len(set(lines)) == 360
    assert sorted(lines, key=lambda line: int(line.split()[0])) == lines
    assert lines == expected


def test_tail_lines_renders_in_the_fetch_threads(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 5000 + i, f"a{i}") for i in range(30)])
    put(logs_client, BOOKING.group, "s", [(BASE - 5000 + i, f"b{i}") for i in range(30)])
    threads: set[str] = set()

    def render(batch: Sequence[LogEvent]) -> list[str]:
        threads.add(threading.current_thread().name)
        return render_ids(batch)

    options = TailOptions(start_ms=BASE - 60_000, page_size=10)
    lines, _ = flatten(tail_lines(cloudwatch_logs, [AUTH, BOOKING], options, render))

    assert len(lines) == 60
    assert threads and threading.main_thread().name not in threads


def test_tail_lines_one_pass_reports_a_missing_group_and_fails_without_any(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, BOOKING.group, "s", [(BASE - 1000, "b")])
    options = TailOptions(start_ms=BASE - 60_000)

    lines, said = flatten(tail_lines(cloudwatch_logs, [AUTH, BOOKING], options, render_ids))
    assert said == [("missing", "auth")]
    assert [line.split()[-1] for line in lines] == ["b"]

    with pytest.raises(LogGroupNotFound):
        flatten(tail_lines(cloudwatch_logs, [EVENT], options, render_ids))


def test_tail_lines_following_keeps_every_event_once_and_shows_each_round_before_waiting(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    """30 events in one millisecond over pages of 10 and a poll boundary (the dedup); at every
    sleep, the lines of all the events `tail` has released by then are already out."""
    same = BASE - 10_000
    options = TailOptions(start_ms=BASE - 60_000, follow=True, page_size=10)

    def run(source: LogSource, lines_of: Any, make: Any) -> tuple[list[str], list[int]]:
        put(logs_client, source.group, "s1", [(same, f"first-{i}") for i in range(15)])
        put(logs_client, source.group, "s2", [(same, f"second-{i}") for i in range(10)])
        shown: list[str] = []
        at_each_sleep: list[int] = []

        def five_more() -> None:
            put(logs_client, source.group, "s3", [(same, f"third-{i}") for i in range(5)])

        world = ScriptedTime(NOW, [five_more, lambda: None, lambda: None])

        def sleep(seconds: float) -> None:
            at_each_sleep.append(len(shown))
            world.sleep(seconds)

        with pytest.raises(StopFollowing):
            for item in make(source, world.clock, sleep):
                shown.extend(lines_of(item))
        return [line.split(" ", 2)[2] for line in shown], at_each_sleep  # without the label

    expected, expected_sleeps = run(
        AUTH,
        lambda event: render_ids([event]),
        lambda source, clock, sleep: tail(
            cloudwatch_logs, [source], options, clock=clock, sleep=sleep
        ),
    )
    shown, at_each_sleep = run(
        BOOKING,
        lambda chunk: chunk,
        lambda source, clock, sleep: tail_lines(
            cloudwatch_logs, [source], options, render_ids, clock=clock, sleep=sleep
        ),
    )

    messages = [line.split()[-1] for line in shown]
    assert len(messages) == 30 and len(set(messages)) == 30
    assert messages[-5:] == [f"third-{i}" for i in range(5)]
    assert [line.split()[-1] for line in expected] == messages
    assert at_each_sleep == expected_sleeps
    assert at_each_sleep[-1] == 30


def test_tail_lines_ctrl_c_while_following_still_shows_the_held_lines_in_order(
    logs_client: Any, cloudwatch_logs: CloudWatchLogs
) -> None:
    put(logs_client, AUTH.group, "s", [(BASE - 1000, "second")])
    put(logs_client, BOOKING.group, "s", [(BASE - 1500, "first")])

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    options = TailOptions(start_ms=BASE - 60_000, follow=True)
    shown: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        for item in tail_lines(
            cloudwatch_logs,
            [AUTH, BOOKING],
            options,
            render_ids,
            clock=lambda: NOW,
            sleep=interrupted,
        ):
            assert isinstance(item, list)
            shown.extend(item)

    assert [line.split()[-1] for line in shown] == ["first", "second"]
