"""Benchmark: `eventctl logs tail --since 1d` against a bare FilterLogEvents paginator.

Starts a moto server on a free 127.0.0.1 port, loads 50,000 events (5 services x 4 streams x
2,500, JSON and plain lines, some sharing a millisecond), then times in the same run:

- `eventctl logs tail --since 1d` as a process, output to /dev/null;
- a bare boto3 FilterLogEvents paginator that only iterates: as a process (same interpreter
  and boto3 start-up as eventctl) and in this process (no start-up);
- `awslogs get GROUP ALL` per group, if awslogs is installed (or given with --awslogs).

Prints events/s, the ratios, eventctl's peak memory, and checks that eventctl's output is in
timestamp order, complete and without duplicates. Stops the server by its PID at the end.
Run: `python bench/logs_tail.py [--rounds 3] [--awslogs PATH]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _loadgen import free_port, wait_for_port  # bench/ is on sys.path when a bench script runs

SERVICES = ("auth", "event", "booking", "payment", "notification")
STREAMS_PER_SERVICE = 4
EVENTS_PER_STREAM = 2_500
TOTAL = len(SERVICES) * STREAMS_PER_SERVICE * EVENTS_PER_STREAM
REGION = "eu-west-1"

BARE_PAGINATOR = """
import sys, boto3
client = boto3.client("logs", region_name="eu-west-1", endpoint_url=sys.argv[1])
count = 0
for group in sys.argv[3:]:
    for page in client.get_paginator("filter_log_events").paginate(
        logGroupName=group, startTime=int(sys.argv[2]), interleaved=True
    ):
        for _ in page["events"]:
            count += 1
print(count)
"""


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which(
        "moto_server"
    )
    if executable is None:
        raise SystemExit("moto_server is not installed: pip install 'moto[server]'")
    port = free_port()
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return process, f"http://127.0.0.1:{port}"


def group_name(service: str) -> str:
    # The model's name for the group (platform.names("dev").log_group(...)).
    from platform_model import build_platform

    platform = build_platform()
    return platform.names("dev").log_group(platform.service(service))


def load(client: Any, now_ms: int) -> None:
    """50,000 events over the last 12 hours, streams interleaved, every 10th pair of
    streams sharing a millisecond."""
    span = 12 * 3600 * 1000
    step = span // EVENTS_PER_STREAM
    for s_index, service in enumerate(SERVICES):
        group = group_name(service)
        client.create_log_group(logGroupName=group)
        for stream_index in range(STREAMS_PER_SERVICE):
            stream = f"ecs/{service}/task-{stream_index}"
            client.create_log_stream(logGroupName=group, logStreamName=stream)
            events = []
            for i in range(EVENTS_PER_STREAM):
                offset = 0 if i % 10 == 0 else (s_index * STREAMS_PER_SERVICE + stream_index)
                timestamp = now_ms - span + i * step + offset
                if i % 3:
                    message = json.dumps(
                        {
                            "level": "info" if i % 7 else "error",
                            "message": f"{service} handled request {i}",
                            "path": f"/api/{service}/items/{i}",
                            "status": 200 if i % 7 else 500,
                            "duration_ms": i % 250,
                        }
                    )
                else:
                    message = f"{service} task {stream_index} plain log line number {i}"
                events.append({"timestamp": timestamp, "message": message})
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def timed_process(args: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds, exit status, peak RSS in KiB) of one process, output to /dev/null."""
    with open(os.devnull, "w") as devnull:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=devnull, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 and process.stderr:
        sys.stderr.write(process.stderr.read().decode())
    if process.stderr:
        process.stderr.close()
    return elapsed, process.returncode, usage.ru_maxrss


def bare_in_process(endpoint: str, start_ms: int, groups: list[str]) -> tuple[float, int]:
    import boto3

    client = boto3.client("logs", region_name=REGION, endpoint_url=endpoint)
    begin = time.perf_counter()
    count = 0
    for group in groups:
        paginator = client.get_paginator("filter_log_events")
        for page in paginator.paginate(logGroupName=group, startTime=start_ms, interleaved=True):
            for _ in page["events"]:
                count += 1
    return time.perf_counter() - begin, count


def check_output(env: dict[str, str]) -> str:
    """eventctl's --json output: complete, in timestamp order, no duplicate event."""
    result = subprocess.run(
        [sys.executable, "-m", "eventctl", "logs", "tail", "--since", "1d", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    stamps = [r["timestamp_ms"] for r in records]
    keys = {(r["log_group"], r["event_id"]) for r in records}
    problems = []
    if len(records) != TOTAL:
        problems.append(f"{len(records)} events, expected {TOTAL}")
    if stamps != sorted(stamps):
        problems.append("not in timestamp order")
    if len(keys) != len(records):
        problems.append(f"{len(records) - len(keys)} duplicates")
    return (
        "OK: complete, ordered, no duplicates" if not problems else "FAILED: " + "; ".join(problems)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each (best kept)")
    parser.add_argument("--awslogs", help="path to the awslogs executable")
    options = parser.parse_args()

    moto, endpoint = start_moto()
    try:
        run(endpoint, options.rounds, options.awslogs or shutil.which("awslogs"))
    finally:
        moto.terminate()
        try:
            moto.wait(timeout=10)
        except subprocess.TimeoutExpired:
            moto.kill()


def run(endpoint: str, rounds: int, awslogs: str | None) -> None:
    import boto3

    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "NO_COLOR": "1",
    }
    os.environ.update({k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    client = boto3.client("logs", region_name=REGION, endpoint_url=endpoint)
    now_ms = int(time.time() * 1000)
    began = time.perf_counter()
    load(client, now_ms)
    print(f"loaded {TOTAL:,} events into moto at {endpoint} in {time.perf_counter() - began:.1f} s")
    groups = [group_name(s) for s in SERVICES]
    start_ms = now_ms - 86_400_000

    eventctl_cmd = [sys.executable, "-m", "eventctl", "logs", "tail", "--since", "1d"]
    bare_cmd = [sys.executable, "-c", BARE_PAGINATOR, endpoint, str(start_ms), *groups]
    results: dict[str, list[float]] = {"eventctl": [], "bare process": [], "bare in-process": []}
    peak_kib = bare_peak_kib = 0
    for _ in range(rounds):
        seconds, status, rss = timed_process(eventctl_cmd, env)
        if status != 0:
            raise SystemExit(f"eventctl exited {status}")
        results["eventctl"].append(seconds)
        peak_kib = max(peak_kib, rss)
        seconds, status, rss = timed_process(bare_cmd, env)
        if status != 0:
            raise SystemExit(f"the bare paginator exited {status}")
        results["bare process"].append(seconds)
        bare_peak_kib = max(bare_peak_kib, rss)
        seconds, count = bare_in_process(endpoint, start_ms, groups)
        if count != TOTAL:
            raise SystemExit(f"the bare paginator saw {count} events, expected {TOTAL}")
        results["bare in-process"].append(seconds)
    if awslogs:
        results["awslogs get"] = []
        for _ in range(rounds):
            total = 0.0
            for group in groups:
                cmd = [
                    awslogs,
                    "get",
                    group,
                    "ALL",
                    "-s",
                    "1d",
                    "--aws-endpoint-url",
                    endpoint,
                    "--aws-region",
                    REGION,
                    "--color",
                    "never",
                ]
                seconds, status, _ = timed_process(cmd, env)
                if status != 0:
                    raise SystemExit(f"awslogs exited {status}")
                total += seconds
            results["awslogs get"].append(total)

    best = {name: min(times) for name, times in results.items()}
    rate = {name: TOTAL / seconds for name, seconds in best.items()}
    print(f"\n{TOTAL:,} events, best of {rounds} runs (shared 2-core machine: expect noise)")
    for name, seconds in best.items():
        print(f"  {name:<16} {seconds:6.2f} s  {rate[name]:>9,.0f} events/s")
    print("\nratios (events/s of eventctl / reference):")
    print(f"  eventctl / bare paginator process    {rate['eventctl'] / rate['bare process']:.2f}x")
    print(
        f"  eventctl / bare paginator in-process {rate['eventctl'] / rate['bare in-process']:.2f}x"
    )
    if "awslogs get" in rate:
        print(
            f"  eventctl / awslogs get               {rate['eventctl'] / rate['awslogs get']:.2f}x"
        )
    else:
        print(
            "  awslogs: not installed (pip install awslogs in its own virtualenv, --awslogs PATH)"
        )
    print(
        f"\npeak memory (max RSS): eventctl {peak_kib / 1024:.1f} MiB, "
        f"bare paginator process {bare_peak_kib / 1024:.1f} MiB"
    )
    print(f"eventctl output check: {check_output(env)}")
    target = rate["eventctl"] / rate["bare process"]
    print(f"target >= 0.8x the bare paginator: {'met' if target >= 0.8 else 'NOT met'}")


if __name__ == "__main__":
    main()
