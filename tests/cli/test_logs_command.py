"""`eventctl logs tail` end to end against a moto server: in-process and as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from eventctl.core.logs import format_timestamp
from tests.helpers.logs import put
from tests.helpers.processes import interruptible

NOW_MS = int(time.time() * 1000)
AUTH = "/ecs/event-planner/dev/auth-service"
BOOKING = "/ecs/event-planner/dev/booking-service"


@pytest.fixture
def logs(moto_server: Any) -> Any:
    client = moto_server.client("logs")
    put(client, AUTH, "task-1", [(NOW_MS - 3000, "plain line\n"), (NOW_MS - 1000, "auth again")])
    put(
        client,
        BOOKING,
        "task-2",
        [(NOW_MS - 2000, json.dumps({"level": "error", "message": "payment declined", "id": 7}))],
    )
    return client


def test_tail_merges_services_into_readable_lines(
    run_cli: Any, moto_server: Any, logs: Any
) -> None:
    result = run_cli("logs", "tail", "auth", "booking", "--since", "1h", env=moto_server.environ)

    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        f"auth    {format_timestamp(NOW_MS - 3000)} plain line",
        f'booking {format_timestamp(NOW_MS - 2000)} ERROR payment declined {{"id":7}}',
        f"auth    {format_timestamp(NOW_MS - 1000)} auth again",
    ]


def test_tail_json_prints_one_object_per_event(run_cli: Any, moto_server: Any, logs: Any) -> None:
    result = run_cli("logs", "tail", "--since", "1h", "--json", env=moto_server.environ)

    assert result.exit_code == 0, result
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["service"] for r in records] == ["auth", "booking", "auth"]
    assert records[0]["message"] == "plain line"
    assert records[1]["log_group"] == BOOKING
    assert records[1]["timestamp_ms"] == NOW_MS - 2000
    assert json.loads(records[1]["message"])["level"] == "error"
    # the three services without a log group are reported on stderr, not mixed into stdout
    assert "event: log group does not exist" in result.stderr


def test_text_and_json_give_every_event_once_in_the_same_order(
    run_cli: Any, moto_server: Any
) -> None:
    """Three groups, 1,500 events (more than one write batch), many sharing a millisecond."""
    client = moto_server.client("logs")
    groups = {"auth": AUTH, "booking": BOOKING, "event": "/ecs/event-planner/dev/event-service"}
    for n, group in enumerate(groups.values()):
        stamps = [NOW_MS - 100_000 + (i // 3) * 10 + n for i in range(500)]
        put(client, group, "s", [(t, f"{group[-15:]} {i}") for i, t in enumerate(stamps)])
    args = ("logs", "tail", *groups, "--since", "1h")

    text = run_cli(*args, env=moto_server.environ)
    as_json = run_cli(*args, "--json", env=moto_server.environ)

    assert text.exit_code == 0 and as_json.exit_code == 0
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len(records) == 1500
    assert len({r["event_id"] for r in records}) == 1500
    stamps = [r["timestamp_ms"] for r in records]
    assert stamps == sorted(stamps)
    lines = text.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [r["service"] for r in records]
    assert [line.split("Z ", 1)[1] for line in lines] == [r["message"] for r in records]


def test_endpoint_flag_replaces_the_variable(run_cli: Any, moto_server: Any, logs: Any) -> None:
    environ = {k: v for k, v in moto_server.environ.items() if k != "AWS_ENDPOINT_URL"}
    result = run_cli(
        "logs",
        "tail",
        "auth",
        "--since",
        "1h",
        "--endpoint-url",
        moto_server.endpoint_url,
        env={**environ, "AWS_ENDPOINT_URL": ""},
    )

    assert result.exit_code == 0, result
    assert "auth again" in result.stdout


def test_unknown_service_lists_the_services(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("logs", "tail", "auth", "billing", env=moto_server.environ)

    assert result.exit_code == 1
    assert "unknown service 'billing'" in result.stderr
    assert "known services: auth, event, booking, payment, notification" in result.stderr
    assert result.stdout == ""


def test_missing_log_group_is_a_clear_error(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("logs", "tail", "payment-service", env=moto_server.environ)

    assert result.exit_code == 1
    assert "log group /ecs/event-planner/dev/payment-service does not exist" in result.stderr
    assert "--follow" in result.stderr


def test_unreadable_since_says_what_is_accepted(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("logs", "tail", "--since", "yesterday-ish", env=moto_server.environ)

    assert result.exit_code == 1
    assert "cannot read the time 'yesterday-ish'" in result.stderr
    assert "10m, 2h, 1d" in result.stderr


def test_follow_with_until_is_refused(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("logs", "tail", "-f", "--until", "5m", env=moto_server.environ)

    assert result.exit_code == 1
    assert "--follow and --until cannot be combined" in result.stderr


# -- as a real process: closed pipe, Ctrl-C, waiting for a group ---------------------------


def spawn(moto_server: Any, *args: str) -> Any:
    """`eventctl logs tail ARGS` as a process that Ctrl-C reaches; killed and reaped when the
    test ends, however it ends."""
    environ = {**os.environ, **moto_server.environ, "NO_COLOR": "1"}
    return interruptible(
        [sys.executable, "-m", "eventctl", "logs", "tail", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )


def test_a_closed_pipe_ends_quietly_with_status_0(moto_server: Any) -> None:
    client = moto_server.client("logs")
    for batch in range(4):  # ~600 kB of output: far more than a pipe buffer holds
        start = NOW_MS - 600_000 + batch * 2500
        put(client, AUTH, "s", [(start + i, f"line {batch}-{i} " + "x" * 120) for i in range(2500)])
    with spawn(moto_server, "auth", "--since", "1h") as process:
        first = [process.stdout.readline() for _ in range(3)]  # like `| head -n 3`
        process.stdout.close()
        _, stderr = process.communicate(timeout=60)

    assert [line.split()[-2] for line in first] == ["0-0", "0-1", "0-2"]
    assert process.returncode == 0
    assert stderr == ""

    # and literally through `| head`, as a shell runs it
    pipeline = f"{sys.executable} -m eventctl logs tail auth --since 1h | head -n 2; "
    shell = subprocess.run(
        ["bash", "-c", pipeline + 'echo "status=${PIPESTATUS[0]}" >&2'],
        capture_output=True,
        text=True,
        env={**os.environ, **moto_server.environ, "NO_COLOR": "1"},
        timeout=60,
    )
    assert len(shell.stdout.splitlines()) == 2
    assert shell.stderr == "status=0\n"


def test_a_closed_pipe_while_following_ends_quietly_with_status_0(moto_server: Any) -> None:
    client = moto_server.client("logs")
    put(client, AUTH, "s", [(int(time.time() * 1000) - 30_000 + i, f"old {i}") for i in range(3)])
    with spawn(moto_server, "auth", "--since", "1m", "--follow", "--interval", "0.2") as process:
        first = [process.stdout.readline() for _ in range(2)]  # like `| head -n 2`
        process.stdout.close()
        # A follow notices the closed pipe at its next write, as `tail -f | head` does.
        put(client, AUTH, "s", [(int(time.time() * 1000), "new")])
        _, stderr = process.communicate(timeout=30)

    assert [line.split()[-1] for line in first] == ["0", "1"]
    assert process.returncode == 0
    assert stderr == ""


def test_ctrl_c_while_following_ends_quietly_with_status_0(moto_server: Any) -> None:
    # now, not NOW_MS (taken at import): a slow suite must not push it out of --since 1m
    put(moto_server.client("logs"), AUTH, "s", [(int(time.time() * 1000) - 5000, "hello")])
    with spawn(moto_server, "auth", "--since", "1m", "--follow", "--interval", "0.2") as process:
        assert "hello" in process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)

    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_follow_waits_for_the_group_then_prints_it(moto_server: Any) -> None:
    args = ("notification", "--since", "1m", "--follow", "--interval", "0.2")
    with spawn(moto_server, *args) as process:
        assert "does not exist yet; waiting" in process.stderr.readline()
        put(
            moto_server.client("logs"),
            "/ecs/event-planner/dev/notification-service",
            "task-1",
            [(int(time.time() * 1000), "first mail sent")],
        )
        assert "log group appeared" in process.stderr.readline()
        line = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)

    assert line.startswith("notification ") and line.endswith("first mail sent\n")
    assert process.returncode == 0


def test_help_does_not_import_boto3() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from eventctl.cli.main import app\n"
        "for args in (['--help'], ['logs', 'tail', '--help'], ['status', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0\n"
        "print('boto3' in sys.modules, 'botocore' in sys.modules)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.split() == ["False", "False"]
