"""The local environment end to end: real moto, services, gateway and supervisor processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventctl.core.local.files import RuntimePaths, write_json
from eventctl.core.local.procs import identify, is_same
from eventctl.core.local.state import read_state
from eventctl.errors import EventctlError
from platform_model import build_platform
from platform_model.catalog import SERVICES as MODEL_SERVICES
from platform_model.model import Platform, Service
from tests.helpers.local_lab import SERVICES, LocalLab, make_lab, processes_in
from tests.helpers.processes import interruptible

PASSWORD = "correct horse battery"


def register_and_login(gateway: str, role: str = "attendee") -> tuple[dict[str, Any], str]:
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    request_id = f"test-{uuid.uuid4().hex}"
    with httpx.Client(base_url=gateway, timeout=20) as client:
        created = client.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "name": "Ada", "role": role},
            headers={"X-Request-ID": request_id},
        )
        assert created.status_code == 201, created.text
        assert created.headers["x-request-id"] == request_id
        tokens = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert tokens.status_code == 200, tokens.text
        me = client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["email"] == email
    return created.json(), request_id


def queue_bodies(lab: LocalLab, queue: str, *, timeout: float = 15) -> list[dict[str, Any]]:
    sqs = lab.aws("sqs")
    url = sqs.get_queue_url(QueueName=lab.platform.names("local").queue(queue))["QueueUrl"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        if messages.get("Messages"):
            return [json.loads(m["Body"]) for m in messages["Messages"]]
    return []


# -- the whole loop through the CLI ----------------------------------------------------------


def test_up_serves_the_platform_ships_logs_and_down_leaves_nothing(
    local_lab: LocalLab, run_cli: Any
) -> None:
    env = local_lab.cli_environ()
    started = run_cli("env", "up", "--service", "auth", "--service", "event", env=env)
    assert started.exit_code == 0, started
    assert f"Open {local_lab.gateway_url}" in started.stdout
    assert "Stop: eventctl env down local" in started.stdout
    assert "gateway        ready" in started.stderr

    listed = run_cli("env", "ps", "--json", env=env)
    assert listed.exit_code == 0, listed
    view = json.loads(listed.stdout)
    assert view["healthy"] is True
    assert [c["name"] for c in view["components"]] == ["aws-emulator", *SERVICES, "gateway"]
    assert {c["health"] for c in view["components"]} == {"healthy"}
    state = read_state(RuntimePaths(local_lab.data_dir.resolve()))
    assert state is not None
    started_processes = [state.supervisor.ref] + [
        c.process.ref for c in state.components if c.process is not None
    ]
    assert [ref.pid for ref in started_processes[1:]] == [c["pid"] for c in view["components"]]

    user, request_id = register_and_login(local_lab.gateway_url)

    # The auth service's outbox published the registration to the emulator's queue.
    bodies = queue_bodies(local_lab, "user-registration")
    assert [b["data"]["user_id"] for b in bodies] == [user["id"]]
    assert bodies[0]["request_id"] == request_id

    # Its request log line reached CloudWatch Logs, where `logs tail --env local` finds it.
    tail: Any = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        tail = run_cli("logs", "tail", "auth", "--env", "local", "--since", "5m", env=env)
        if request_id in tail.stdout:
            break
        time.sleep(0.5)
    assert tail is not None and tail.exit_code == 0, tail
    line = next(line for line in tail.stdout.splitlines() if request_id in line)
    assert line.startswith("auth") and "/api/auth/register" in line and "201" in line

    stopped = run_cli("env", "down", "local", env=env)
    assert stopped.exit_code == 0, stopped
    assert "stopped auth" in stopped.stdout and "stopped gateway" in stopped.stdout
    assert not any(is_same(ref) for ref in started_processes)
    assert local_lab.leftovers() == []
    assert run_cli("env", "ps", env=env).exit_code == 1
    again = run_cli("env", "down", "local", env=env)
    assert "not running: nothing to stop" in again.stdout


# -- behaviour of the core -------------------------------------------------------------------


def test_up_twice_reports_the_running_environment_and_starts_nothing(
    local_lab: LocalLab,
) -> None:
    first = local_lab.up()
    assert not first.already_running and first.status.healthy
    assert first.provisioned == {
        "queues": 16,
        "topics": 4,
        "subscriptions": 3,
        "buckets": 1,
        "log_groups": 5,
        "email_identities": 1,
        "secrets": 1,
    }
    second = local_lab.up()
    assert second.already_running
    assert [c.pid for c in second.status.components] == [c.pid for c in first.status.components]
    assert len(local_lab.leftovers()) == len(first.status.components) + 1  # + the supervisor


def test_down_from_the_process_that_ran_up_leaves_no_zombie_supervisor(
    local_lab: LocalLab,
) -> None:
    """The supervisor is this process's child: `down` collects its exit status, so it is
    neither a zombie afterwards nor reported as still running when this process exits."""
    supervisor = local_lab.up().status.supervisor_pid
    local_lab.down()
    status = Path(f"/proc/{supervisor}/status")
    # Gone, or (a PID reused since) another process: never the supervisor's zombie.
    lines = status.read_text().splitlines() if status.exists() else []
    assert "State:\tZ (zombie)" not in lines, lines[:3]


def test_a_taken_port_is_named_with_its_process_and_nothing_starts(
    local_lab: LocalLab,
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", local_lab.ports["event"]))
        sock.listen()
        with pytest.raises(EventctlError) as caught:
            local_lab.up()
    message = caught.value.message
    assert f"port {local_lab.ports['event']} (event service) is in use by pid {os.getpid()}" in (
        message
    )
    assert "service_ports" in (caught.value.hint or "")
    assert local_lab.leftovers() == []
    assert read_state(RuntimePaths(local_lab.data_dir)) is None


def test_a_service_that_fails_to_start_shows_its_log_and_stops_the_rest(
    local_lab: LocalLab,
) -> None:
    broken = {**local_lab.options.service_environ, "event": {"DATABASE_URL": "mysql://db/x"}}
    with pytest.raises(EventctlError) as caught:
        local_lab.up(service_environ=broken)
    message = caught.value.message
    assert message.startswith("the event service did not start: exited with code")
    assert "last log lines of event" in message
    assert "unsupported database 'mysql'" in message
    assert local_lab.leftovers() == []
    assert read_state(RuntimePaths(local_lab.data_dir)) is None
    # auth had started and was stopped again: its log says so
    auth_log = (local_lab.data_dir / "logs" / "auth.log").read_text()
    assert '"msg": "stopping"' in auth_log


def test_a_service_without_a_package_is_named_before_anything_starts(tmp_path: Path) -> None:
    ghost = Service(
        name="ghost",
        title="Ghost Service",
        port=8099,
        path_prefix="/api/ghosts",
        image_name="ghost-svc",
        permissions=("sqs",),
    )
    base = build_platform()
    platform = Platform.model_validate(
        {**base.model_dump(), "services": [*[s.model_dump() for s in MODEL_SERVICES], ghost]}
    )
    lab = make_lab(tmp_path / "run", platform)
    with pytest.raises(EventctlError) as caught:
        lab.up(services=("auth", "ghost"))
    assert "no service package for ghost (services/ghost/)" in caught.value.message
    assert caught.value.hint == "run the others: eventctl env up --service auth"
    assert not (tmp_path / "run").exists()


def test_a_service_that_dies_is_restarted(local_lab: LocalLab) -> None:
    started = local_lab.up()
    event = next(c for c in started.status.components if c.name == "event")
    assert event.pid is not None
    os.kill(event.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    current = None
    while time.monotonic() < deadline:
        status = local_lab.status()
        assert status is not None
        current = next(c for c in status.components if c.name == "event")
        if current.restarts == 1 and current.health == "healthy":
            break
        time.sleep(0.2)
    assert current is not None and current.restarts == 1 and current.health == "healthy"
    assert current.pid != event.pid
    with httpx.Client(base_url=local_lab.gateway_url, timeout=10) as client:
        assert client.get("/api/events/").status_code == 200


def test_down_leaves_alone_a_pid_that_is_not_its_process(local_lab: LocalLab) -> None:
    local_lab.up()
    paths = RuntimePaths(local_lab.data_dir)
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        state = json.loads(paths.state.read_text())
        auth = next(c for c in state["components"] if c["name"] == "auth")
        real_auth = auth["process"]["pid"]
        # The recorded PID now belongs to an unrelated process (a PID reused after a crash).
        auth["process"]["pid"] = stranger.pid
        write_json(paths.state, state)
        result = local_lab.down()
        assert stranger.poll() is None, "down killed a process it did not start"
        assert [(a.component, a.pid) for a in result.left_alone] == [("auth", stranger.pid)]
        assert "is now another process" in result.left_alone[0].reason
        # the real auth process was stopped by its supervisor all the same
        assert identify(real_auth) is None
        assert local_lab.leftovers() == []
    finally:
        stranger.kill()
        stranger.wait()


def test_ctrl_c_during_up_stops_everything_started(local_lab: LocalLab, tmp_path: Path) -> None:
    environ = {**os.environ, **local_lab.cli_environ(), "NO_COLOR": "1"}
    # SIGINT set back to its default for the child, whatever this run inherited (nohup).
    with interruptible(
        [sys.executable, "-m", "eventctl", "env", "up", "-s", "auth", "-s", "event"],
        deadline=120,
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as cli:
        paths = RuntimePaths(local_lab.data_dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = read_state(paths)
            if state and any(c.status == "starting" for c in state.components[1:]):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the services never started")
        assert processes_in(local_lab.data_dir.resolve())
        cli.send_signal(signal.SIGINT)
        _, stderr = cli.communicate(timeout=60)
    assert cli.returncode == 130
    assert "interrupted: stopped everything that had started" in stderr
    assert local_lab.leftovers() == []
    assert read_state(paths) is None


# -- PostgreSQL and Redis instead of SQLite and memory ------------------------------------------


def _reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def pg_and_redis() -> Any:
    """A unique database prefix and Redis key prefix; databases and keys removed afterwards."""
    if not _reachable(5432):
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    if not _reachable(6379):
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import asyncio

    import asyncpg
    import redis

    tag = f"evlocal_{uuid.uuid4().hex[:8]}_"
    yield tag
    names = [f"{tag}{db.db_name}" for db in build_platform().databases]

    async def drop() -> None:
        conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        for key in client.scan_iter(match=f"{tag}:*", count=500):
            client.delete(key)
    finally:
        client.close()


def test_services_use_postgresql_and_redis_when_configured(
    local_lab: LocalLab, pg_and_redis: str
) -> None:
    import asyncio

    import asyncpg
    import redis

    from eventctl.core.local import DataStores

    tag = pg_and_redis
    result = local_lab.up(
        stores=DataStores(
            postgres_url="postgresql://postgres@127.0.0.1:5432",
            database_prefix=tag,
            redis_url="redis://127.0.0.1:6379/0",
            redis_prefix=f"{tag}:",
        )
    )
    assert sorted(result.created_databases) == [f"{tag}auth", f"{tag}events"]
    user, _ = register_and_login(local_lab.gateway_url)

    async def stored_emails() -> list[str]:
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{tag}auth")
        try:
            return [row[0] for row in await conn.fetch("SELECT email FROM users")]
        finally:
            await conn.close()

    assert asyncio.run(stored_emails()) == [user["email"]]
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        assert list(client.scan_iter(match=f"{tag}:auth:*", count=500))
    finally:
        client.close()
    # The URLs reach the services through their 0600 secrets files only.
    spec = (local_lab.data_dir / "run" / "spec.json").read_text()
    assert "postgresql://" not in spec and "redis://" not in spec
    secrets_file = local_lab.data_dir / "secrets" / "auth.json"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    # Internal-API credentials follow the model's calls, as in AWS: auth neither calls nor is
    # called; event accepts its one caller.
    auth_values = json.loads(secrets_file.read_text())
    assert "JWT_PRIVATE_KEY" in auth_values and "DATABASE_URL" in auth_values
    assert not {"SERVICE_TOKEN", "SERVICE_TOKENS"} & auth_values.keys()
    event_values = json.loads((local_lab.data_dir / "secrets" / "event.json").read_text())
    assert "SERVICE_TOKEN" not in event_values
    assert list(json.loads(event_values["SERVICE_TOKENS"])) == ["booking"]
