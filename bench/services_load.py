"""Load benchmark of the event service on PostgreSQL: events list and hot-event reservations.

Starts the event service with uvicorn on a free loopback port (PostgreSQL database created for
the run and dropped after, Redis under a unique key prefix, cleaned after), drives it with 50
keep-alive connections from a separate process, and prints requests/s, p50 and p99 for:

  reference     GET /healthz: the same stack (uvicorn, Starlette, middleware) doing no work,
                measured in the same run, so the figures can be read against this machine
  events list   GET /api/events/?limit=20 over 100 published events (the cached path)
  reservations  POST /internal/events/{hot}/reservations, 1 seat each, one hot event
  sell-out      as above on an event with fewer seats than requests: exactly capacity succeed

and checks there is no overbooking (seats held + seats available == capacity, never below 0).
Every phase is bounded in time and request count; the service is stopped by its PID.

    python bench/services_load.py [--seconds 8] [--connections 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _loadgen  # noqa: E402  (bench/ is on sys.path when a bench script runs)
from _loadgen import PG, REDIS_URL, clean_redis, free_port, http_request, wait_for_port  # noqa: E402

TOKEN = uuid.uuid4().hex  # the bench's own service credential


def _build(spec: dict[str, Any], issued: int, run_id: str) -> bytes:
    """GET the path, or reserve one seat with a reservation id unique to this run."""
    if spec["kind"] == "get":
        return http_request("GET", spec["path"], {}, None)
    body = json.dumps({"reservation_id": f"{run_id}-{issued}", "seats": 1}).encode()
    return http_request("POST", spec["path"], {"X-Service-Token": spec["token"]}, body)


def load(port: int, **spec: Any) -> dict[str, Any]:
    spec.setdefault("token", TOKEN)  # the client is a fresh process: pass the credential on
    return _loadgen.load(port, _build, **spec)


async def _seed(database_url: str, events: int, capacities: list[int]) -> list[str]:
    """Create the schema (the service's own migrations) and the events; return special ids."""
    import sqlalchemy as sa

    from services.event.tables import MIGRATIONS
    from services.event.tables import events as events_table
    from services.kit.app import KIT_MIGRATIONS
    from services.kit.db import Database
    from services.kit.migrations import migrate

    db = Database(database_url)
    await migrate(db, [*KIT_MIGRATIONS, *MIGRATIONS])
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(events + len(capacities)):
        starts = now + dt.timedelta(days=1 + n)
        capacity = capacities[n - events] if n >= events else 500
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "title": f"Event {n}",
                "description": "Talks, workshops and a long description " * 4,
                "venue": "Accra International Conference Centre",
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=6),
                "capacity": capacity,
                "seats_available": capacity,
                "price_cents": 2500,
                "currency": "GHS",
                "organizer_id": str(uuid.uuid4()),
                "status": "published",
                "created_at": now,
                "updated_at": now,
            }
        )
    async with db.write() as conn:
        await conn.execute(events_table.insert(), rows)
    await db.close()
    del sa
    return [row["id"] for row in rows[events:]]


async def _inventory(database_url: str, event_id: str) -> tuple[int, int, int]:
    """(capacity, seats_available, seats held by reservations) of one event."""
    import sqlalchemy as sa

    from services.event.tables import events, seat_reservations
    from services.kit.db import Database

    db = Database(database_url)
    async with db.read() as conn:
        event = (
            await conn.execute(
                sa.select(events.c.capacity, events.c.seats_available).where(
                    events.c.id == event_id
                )
            )
        ).one()
        held = await conn.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(seat_reservations.c.seats), 0)).where(
                seat_reservations.c.event_id == event_id, seat_reservations.c.status == "held"
            )
        )
    await db.close()
    return event.capacity, event.seats_available, int(held or 0)


async def _db_hot_row(database_url: str, seconds: float, connections: int) -> dict[str, Any]:
    """The database's own ceiling for one hot row: bare asyncpg, one conditional UPDATE per
    autocommitted statement, `connections` at once, no HTTP or Python service in between."""
    import asyncpg

    pool = await asyncpg.create_pool(database_url, min_size=connections, max_size=connections)
    try:
        await pool.execute("CREATE TABLE bench_hot_row (id int PRIMARY KEY, left_ int NOT NULL)")
        await pool.execute("INSERT INTO bench_hot_row VALUES (1, 100000000)")
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await pool.execute(
                    "UPDATE bench_hot_row SET left_ = left_ - 1 WHERE id = 1 AND left_ >= 1"
                )
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    finally:
        await pool.close()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "statuses": {"ok": len(latencies)},
    }


def start_service(
    port: int, database_url: str, prefix: str, workers: int, pool: int, log: Path
) -> Any:
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": str(workers),
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": prefix,
        "SERVICE_TOKENS": json.dumps({"bench": TOKEN}),
        "OUTBOX_ENABLED": "false",  # reservations publish nothing; no broker needed
        "DB_POOL_SIZE": str(pool),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.event"],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )


def stop_service(process: Any) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per phase (bounded)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--pool", type=int, default=10, help="database pool size per worker")
    parser.add_argument("--max-requests", type=int, default=60_000, help="per phase (bounded)")
    args = parser.parse_args()

    database = f"evbench_{uuid.uuid4().hex[:10]}"
    database_url = f"{PG}/{database}"
    prefix = f"evbench:{uuid.uuid4().hex[:8]}:"
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"{database}.log"
    asyncio.run(_loadgen.admin(f'CREATE DATABASE "{database}"'))
    process = None
    try:
        hot_id, sellout_id = asyncio.run(_seed(database_url, 100, [1_000_000, 500]))
        process = start_service(port, database_url, prefix, args.workers, args.pool, log)
        wait_for_port(port)
        common = {
            "seconds": args.seconds,
            "connections": args.connections,
            "max_requests": args.max_requests,
        }
        load(
            port,
            kind="get",
            path="/api/events/?limit=20",
            seconds=1,
            connections=10,
            max_requests=2000,
        )  # warm-up
        phases = {
            "reference": load(port, kind="get", path="/healthz", **common),
            "events list": load(port, kind="get", path="/api/events/?limit=20", **common),
            "reservations": load(
                port, kind="post", path=f"/internal/events/{hot_id}/reservations", **common
            ),
            "sell-out": load(
                port,
                kind="post",
                path=f"/internal/events/{sellout_id}/reservations",
                **{**common, "max_requests": 2000},
            ),
        }
        db_reference = asyncio.run(_db_hot_row(database_url, args.seconds, 20))
        checks = {
            name: asyncio.run(_inventory(database_url, eid))
            for name, eid in (("reservations", hot_id), ("sell-out", sellout_id))
        }
    finally:
        if process is not None:
            stop_service(process)
        asyncio.run(_loadgen.admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        clean_redis(prefix)

    reference = phases["reference"]["rps"]
    print(
        f"event service on PostgreSQL + Redis, uvicorn workers={args.workers}, "
        f"pool {args.pool}+{args.pool} per worker, "
        f"{args.connections} connections, {args.seconds:g}s per phase, {os.cpu_count()} CPUs "
        f"(load generator on the same machine)"
    )
    print(
        f"{'phase':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x ref':>9}  {'count':>7}  statuses"
    )
    for name, result in phases.items():
        print(_loadgen.row(name, result, None if name == "reference" else reference))
    print(_loadgen.row("db hot row", db_reference, None))
    print(
        "  (db hot row: bare asyncpg UPDATEs of one row, 20 connections, no service: the "
        "database's own ceiling for a hot event on this machine)"
    )
    failures = 0
    for name, (capacity, available, held) in checks.items():
        ok_count = phases[name]["statuses"].get(201, 0)
        asked = phases[name]["requests"]
        consistent = (
            ok_count > 0
            and available >= 0
            and held + available == capacity
            and held == ok_count
            and (asked < capacity or available == 0)  # a sell-out sells every seat
        )
        failures += not consistent
        print(
            f"{name}: capacity {capacity}, held {held} (201s: {ok_count}), available {available} "
            f"-> {'no overbooking' if consistent else 'INCONSISTENT'}"
        )
    targets = [("events list", 2000), ("reservations", 600)]
    for name, target in targets:
        rps = phases[name]["rps"]
        print(
            f"target {name} >= {target} req/s: {'met' if rps >= target else 'MISSED'} ({rps:.0f})"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
