"""Benchmark: `eventctl logs tail --since 1d` against a bare FilterLogEvents paginator.

Starts a moto server on a free 127.0.0.1 port, loads 50,000 events (5 services x 4 streams x
2,500, JSON and plain lines, some sharing a millisecond), then times in the same run:

- `eventctl logs tail --since 1d` as a process, output to /dev/null;
- a bare boto3 FilterLogEvents paginator that only iterates: as a process (same interpreter
  and boto3 start-up as eventctl) and in this process (no start-up);
- `awslogs get GROUP ALL` per group, if awslogs is installed (or given with --awslogs).

Each round runs every command once, in turn (interleaved, so a busy machine slows them all
alike); the figures are the medians of the rounds. `--baseline DIR` also times the eventctl
of another source tree (an older checkout) in the same rounds. The source trees are
byte-compiled first, as an installed package is.

Peak memory is each process's own: the commands are started by a small launcher process made
before anything is loaded, because a child started from this (large) process inherits its
resident size into `ru_maxrss` at exec.

Prints events/s, the ratios, peak memory, and checks that eventctl's output is in timestamp
order, complete and without duplicates (as text and as --json). Stops the server by its PID.
Run: `python bench/logs_tail.py [--rounds 5] [--baseline DIR] [--awslogs PATH]`.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
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
REPO = Path(__file__).resolve().parent.parent

LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(os.devnull, "w") as devnull:
        start = time.perf_counter()
        process = subprocess.Popen(job["args"], stdout=devnull, stderr=subprocess.PIPE,
                                   env=job["env"], cwd=job["cwd"])
        error = process.stderr.read().decode(errors="replace")
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps([elapsed, code, usage.ru_maxrss, cpu, error if code else ""]), flush=True)
"""


class Launcher:
    """A small process that starts the timed commands (see the module docstring)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, int, float]:
        """(seconds, exit status, peak RSS in KiB, CPU seconds) of one process, output to
        /dev/null."""
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"args": args, "env": env, "cwd": str(cwd)}) + "\n")
        self.process.stdin.flush()
        elapsed, code, rss, cpu, error = json.loads(self.process.stdout.readline())
        if code:
            sys.stderr.write(error)
        return elapsed, code, rss, cpu

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


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
    """eventctl's output: complete, in timestamp order, no duplicate event (--json), and the
    text lines the same events in the same order."""
    command = [sys.executable, "-m", "eventctl", "logs", "tail", "--since", "1d"]
    result = subprocess.run(
        [*command, "--json"], capture_output=True, text=True, env=env, check=True
    )
    text = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
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
    lines = text.stdout.splitlines()
    if [line.split(" ", 1)[0] for line in lines] != [r["service"] for r in records]:
        problems.append("the text lines are not the --json events")
    return (
        "OK: complete, ordered, no duplicates" if not problems else "FAILED: " + "; ".join(problems)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each (medians)")
    parser.add_argument("--baseline", type=Path, help="another source tree to time alongside")
    parser.add_argument("--awslogs", help="path to the awslogs executable")
    options = parser.parse_args()

    launcher = Launcher()  # first, while this process is small
    moto, endpoint = start_moto()
    try:
        trees = {"eventctl": REPO}
        if options.baseline:
            trees["baseline"] = options.baseline.resolve()
        for tree in trees.values():
            for package in ("eventctl", "platform_model"):
                compileall.compile_dir(tree / package, quiet=1)
        awslogs = options.awslogs or shutil.which("awslogs")
        run(launcher, endpoint, options.rounds, trees, awslogs)
    finally:
        launcher.close()
        moto.terminate()
        try:
            moto.wait(timeout=10)
        except subprocess.TimeoutExpired:
            moto.kill()


def run(
    launcher: Launcher, endpoint: str, rounds: int, trees: dict[str, Path], awslogs: str | None
) -> None:
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

    tail = ["-m", "eventctl", "logs", "tail", "--since", "1d"]
    # name -> (command, environment, working directory); each runs once per round, in turn
    commands = {
        name: ([sys.executable, *tail], {**env, "PYTHONPATH": str(tree)}, tree)
        for name, tree in trees.items()
    }
    commands["bare process"] = (
        [sys.executable, "-c", BARE_PAGINATOR, endpoint, str(start_ms), *groups],
        env,
        REPO,
    )
    if awslogs:
        for group in groups:
            flags = ["-s", "1d", "--aws-endpoint-url", endpoint, "--aws-region", REGION]
            cmd = [awslogs, "get", group, "ALL", *flags, "--color", "never"]
            commands[f"awslogs {group}"] = (cmd, env, REPO)
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    seconds["bare in-process"] = []
    peak_kib: dict[str, int] = dict.fromkeys(commands, 0)
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, (cmd, environ, cwd) in commands.items():
            elapsed, status, rss, used = launcher.run(cmd, environ, cwd)
            if status != 0:
                raise SystemExit(f"{name} exited {status}")
            seconds[name].append(elapsed)
            cpu[name].append(used)
            peak_kib[name] = max(peak_kib[name], rss)
        elapsed, count = bare_in_process(endpoint, start_ms, groups)
        if count != TOTAL:
            raise SystemExit(f"the bare paginator saw {count} events, expected {TOTAL}")
        seconds["bare in-process"].append(elapsed)
    if awslogs:  # one figure: the groups one after the other, as a user would run them
        per_round = zip(*(seconds.pop(f"awslogs {g}") for g in groups), strict=True)
        seconds["awslogs get"] = [sum(times) for times in per_round]

    median = {name: statistics.median(times) for name, times in seconds.items()}
    rate = {name: TOTAL / value for name, value in median.items()}
    print(f"\n{TOTAL:,} events, median of {rounds} interleaved rounds (a shared machine: noise)")
    for name, value in median.items():
        spread = f"{min(seconds[name]):.2f}-{max(seconds[name]):.2f}"
        print(f"  {name:<16} {value:6.2f} s  ({spread})  {rate[name]:>9,.0f} events/s")
    print("\nratios (events/s of eventctl / reference):")
    for name in trees:
        for reference in ("bare process", "bare in-process", "awslogs get"):
            if reference in rate:
                print(f"  {name} / {reference:<16} {rate[name] / rate[reference]:.2f}x")
    if not awslogs:
        print(
            "  awslogs: not installed (pip install awslogs in its own virtualenv, --awslogs PATH)"
        )
    # CPU seconds of each process: steadier than wall time on a loaded machine, and the
    # part of the work that is the client's (the server's is the same for every command)
    print("\nCPU seconds of each process (user + system, median):")
    for name in (*trees, "bare process"):
        print(f"  {name:<16} {statistics.median(cpu[name]):6.2f} s")
    bare_mib = peak_kib["bare process"] / 1024
    print("\npeak memory (max RSS of each process):")
    for name in trees:
        mib = peak_kib[name] / 1024
        print(f"  {name:<16} {mib:6.1f} MiB  {mib / bare_mib:.2f}x the bare paginator")
    print(f"  {'bare process':<16} {bare_mib:6.1f} MiB")
    print(f"eventctl output check: {check_output({**env, 'PYTHONPATH': str(REPO)})}")
    speed = rate["eventctl"] / rate["bare process"]
    memory = peak_kib["eventctl"] / peak_kib["bare process"]
    print(
        f"targets: >= 0.95x the bare paginator's events/s: {'met' if speed >= 0.95 else 'NOT met'}"
        f"; peak RSS <= 1.2x its own: {'met' if memory <= 1.2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
