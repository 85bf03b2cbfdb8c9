"""What the service load benchmarks share: ports, a keep-alive HTTP load generator that runs in
its own process, PostgreSQL admin statements, Redis clean-up and the result table's rows.

The load generator speaks just enough HTTP/1.1 for keep-alive request/response over asyncio
streams, so the client costs little CPU next to the services it measures. Each benchmark passes
a request builder: a module-level function `build(spec, issued, run_id) -> bytes` (module level,
so the spawned client process can import it).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

PG = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"

Builder = Callable[[dict[str, Any], int, str], bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on {port} within {timeout}s")


# -- the load generator (its own process) -------------------------------------------------


def http_request(method: str, path: str, headers: dict[str, str], body: bytes | None) -> bytes:
    """One HTTP/1.1 request on a keep-alive connection; a body is sent as JSON."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _drive(port: int, build: Builder, spec: dict[str, Any]) -> dict[str, Any]:
    deadline = time.perf_counter() + spec["seconds"]
    issued = 0
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    run_id = uuid.uuid4().hex[:8]

    def next_request() -> bytes | None:
        nonlocal issued
        if issued >= spec["max_requests"] or time.perf_counter() >= deadline:
            return None
        issued += 1
        return build(spec, issued, run_id)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (request := next_request()) is not None:
                started = time.perf_counter()
                writer.write(request)
                status, _ = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(spec["connections"])))
    return {
        "elapsed": time.perf_counter() - began,
        "latencies": latencies,
        "statuses": dict(statuses),
    }


def _client_process(port: int, build: Builder, spec: dict[str, Any], queue: Any) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    queue.put(asyncio.run(_drive(port, build, spec)))


def load(port: int, build: Builder, *, grace: float = 60, **spec: Any) -> dict[str, Any]:
    """Drive `port` from a separate process with `spec["connections"]` keep-alive connections
    for at most `spec["seconds"]` and `spec["max_requests"]`; requests/s, p50, p99, statuses."""
    context = multiprocessing.get_context("spawn")
    queue: Any = context.Queue()
    process = context.Process(target=_client_process, args=(port, build, spec, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=spec["seconds"] + grace)
    process.join(timeout=10)
    latencies = sorted(result["latencies"])
    count = len(latencies)
    return {
        "requests": count,
        "rps": count / result["elapsed"],
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[min(count - 1, int(count * 0.99))] * 1000 if latencies else 0.0,
        "statuses": result["statuses"],
    }


# -- the system under test ------------------------------------------------------------------


async def admin(*statements: str) -> None:
    """Run statements on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import asyncpg

    conn = await asyncpg.connect(PG + "/postgres")
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def clean_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*", count=500):
        client.delete(key)
    client.close()


def row(name: str, result: dict[str, Any], reference: float | None, width: int = 14) -> str:
    """A result line: name, requests/s, p50, p99, ratio to the reference, count, statuses."""
    ratio = f"{result['rps'] / reference:5.2f}" if reference else "    -"
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(result["statuses"].items()))
    return (
        f"{name:<{width}}{result['rps']:>9.0f}{result['p50_ms']:>9.1f}{result['p99_ms']:>9.1f}"
        f"{ratio:>9}  {result['requests']:>7}  {statuses}"
    )
