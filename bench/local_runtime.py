"""Benchmark of the local environment: memory, start/stop times, gateway overhead, log shipping.

Runs `env up` (core API) on free loopback ports in a temporary directory and prints:

  memory        the whole platform (every service, as `eventctl env up` runs it): the RSS and
                PSS of each process (supervisor, emulator, services, gateway) a few seconds
                after it is ready, and the totals (PSS counts shared pages once)

and then, for auth + event:

  up            seconds from `up()` to every component ready, and for a second `up()` that
                finds it running (three runs: min / median)
  gateway       GET /api/events/ straight to the event service (the reference, same run) and
                through the gateway: requests/s, p50, p99 and the ratio, with --connections
                keep-alive connections for --seconds each
  log shipping  seconds from a request's response to its log line being readable with
                FilterLogEvents in the emulator (median of 10)
  down          seconds for `down()`

Everything is stopped by PID at the end, whatever happened.

    python bench/local_runtime.py [--seconds 5] [--connections 20] [--memory-only]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.add(int(sock.getsockname()[1]))
    return list(ports)


def checkout_python(directory: Path) -> str:
    """An interpreter whose processes import this checkout first.

    The supervisor and the services import `eventctl` and `services` from wherever the
    interpreter finds them, which is the editable install; that may be another checkout. A
    venv over the same interpreter (with its packages) and a .pth naming this checkout makes
    the figures this checkout's own. The packages are those of the running interpreter,
    which may itself be a venv (whose packages `--system-site-packages` would not see).
    """
    import site
    import subprocess
    import sysconfig

    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(directory)],
        check=True,
    )
    purelib = sysconfig.get_path(
        "purelib", vars={"base": str(directory), "platbase": str(directory)}
    )
    # Plain path lines: the .pth files of those directories (the editable install's finder
    # among them) are not run, so this checkout is the one imported.
    paths = [str(REPO), *(p for p in site.getsitepackages() if Path(p).is_dir())]
    Path(purelib, "checkout.pth").write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    return str(directory / "bin" / "python")


def options(
    data_dir: Path, services: tuple[str, ...] = ("auth", "event"), python: str | None = None
) -> Any:
    from eventctl.core.local import LocalOptions
    from eventctl.paths import frontend_dir

    names = ("aws-emulator", "gateway", *services)
    return LocalOptions(
        python=python or checkout_python(data_dir.parent / "python"),
        services=services,
        data_dir=data_dir,
        ports=dict(zip(names, free_ports(len(names)), strict=True)),
        frontend_dir=frontend_dir(),
        environ={k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        service_environ={"event": {"LIST_CACHE_SECONDS": "10"}},
    )


async def load(url: str, seconds: float, connections: int) -> tuple[float, float, float]:
    import httpx

    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = await client.get(url)
                response.raise_for_status()
                latencies.append(time.perf_counter() - started)

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def ship_delay(lab_options: Any, gateway: str) -> float:
    import boto3
    import httpx

    from platform_model import build_platform

    platform = build_platform()
    group = platform.names("local").log_group(platform.service("event"))
    logs = boto3.client(
        "logs",
        region_name=platform.region,
        endpoint_url=f"http://127.0.0.1:{lab_options.ports['aws-emulator']}",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    delays = []
    with httpx.Client(base_url=gateway, timeout=10) as client:
        for _ in range(10):
            request_id = f"bench-{uuid.uuid4().hex}"
            client.get("/api/events/", headers={"X-Request-ID": request_id}).raise_for_status()
            answered = time.monotonic()
            while time.monotonic() - answered < 10:
                found = logs.filter_log_events(
                    logGroupName=group, filterPattern=request_id, startTime=0
                )
                if found["events"]:
                    break
                time.sleep(0.02)
            delays.append(time.monotonic() - answered)
    return statistics.median(delays)


def _kib(pid: int, path: str, field: str) -> int:
    for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"/proc/{pid}/{path} has no {field}")


def memory(
    platform: Any, data_dir: Path, settle: float, services: tuple[str, ...] = ()
) -> list[tuple[str, int, int, int]]:
    """(process, pid, RSS KiB, PSS KiB) of every process of a run (default: every service)."""
    from eventctl.core import local

    lab = options(data_dir, services or tuple(s.name for s in platform.services))
    try:
        status = local.up(platform, lab).status
        time.sleep(settle)  # past start-up: first requests served, log shipping running
        pids = [("supervisor", status.supervisor_pid)]
        pids += [(c.name, c.pid) for c in status.components]
        return [
            (name, pid, _kib(pid, "status", "VmRSS"), _kib(pid, "smaps_rollup", "Pss"))
            for name, pid in pids
            if pid is not None
        ]
    finally:
        local.down(platform, lab)


def print_memory(rows: list[tuple[str, int, int, int]]) -> None:
    print(f"memory of the whole platform ({len(rows)} processes):")
    print(f"  {'process':<14}{'pid':>8}{'RSS MiB':>10}{'PSS MiB':>10}")
    for name, pid, rss, pss in rows:
        print(f"  {name:<14}{pid:>8}{rss / 1024:>10.1f}{pss / 1024:>10.1f}")
    rss_total = sum(row[2] for row in rows) / 1024
    pss_total = sum(row[3] for row in rows) / 1024
    print(f"  {'total':<22}{rss_total:>10.1f}{pss_total:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before measuring RSS")
    parser.add_argument("--memory-only", action="store_true", help="measure memory, then stop")
    parser.add_argument(
        "--memory-services", nargs="*", default=(), help="services of the memory run (all)"
    )
    args = parser.parse_args()

    from eventctl.core import local
    from platform_model import build_platform

    platform = build_platform()
    print(f"machine: {os.cpu_count()} CPUs (shared); figures vary with other load")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "memory" / ".eventctl" / "local"
        print_memory(memory(platform, data_dir, args.settle, tuple(args.memory_services)))
    if args.memory_only:
        return
    ups, downs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(3):
            lab = options(Path(tmp) / f"run{run}" / ".eventctl" / "local")
            try:
                started = time.monotonic()
                result = local.up(platform, lab)
                ups.append(time.monotonic() - started)
                again = time.monotonic()
                assert local.up(platform, lab).already_running
                idempotent = time.monotonic() - again
                if run == 0:
                    gateway = result.status.gateway_url
                    event = f"http://127.0.0.1:{lab.ports['event']}/api/events/"
                    direct = asyncio.run(load(event, args.seconds, args.connections))
                    proxied = asyncio.run(
                        load(f"{gateway}/api/events/", args.seconds, args.connections)
                    )
                    delay = ship_delay(lab, gateway)
            finally:
                stopping = time.monotonic()
                local.down(platform, lab)
                downs.append(time.monotonic() - stopping)
    print(
        f"up (auth+event, 4 processes)   min {min(ups):.2f}s  median {statistics.median(ups):.2f}s"
    )
    print(f"up again (already running)     {idempotent * 1000:.0f} ms")
    print(f"down                           median {statistics.median(downs):.2f}s")
    print(f"GET /api/events/ ({args.connections} connections, {args.seconds:.0f}s each):")
    print(
        f"  direct to the service        {direct[0]:7.0f} req/s  p50 {direct[1]:.1f} ms  "
        f"p99 {direct[2]:.1f} ms"
    )
    print(
        f"  through the gateway          {proxied[0]:7.0f} req/s  p50 {proxied[1]:.1f} ms  "
        f"p99 {proxied[2]:.1f} ms"
    )
    print(f"  gateway / direct throughput  {proxied[0] / direct[0]:.2f}")
    print(f"log line in CloudWatch Logs after the response: median {delay * 1000:.0f} ms")


if __name__ == "__main__":
    main()
