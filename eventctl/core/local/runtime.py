"""`env up | down | ps` of a local environment: the platform on this machine.

`up` checks everything it can before starting anything (`preflight.py`: service packages,
tools, ports, the web app; then the databases), writes this run's secrets and spec, then
starts the supervisor in the background and follows its state file until every component is
ready -- or until one fails, in which case the supervisor has already stopped the rest and
`up` raises with the cause. `down` stops a run by the PIDs in its state file, and only
processes that are provably the ones it started (same command line, same start time).
`status` reports each component.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eventctl.adapters import postgres
from eventctl.core.local import preflight, procs
from eventctl.core.local.files import RuntimePaths, tail_lines, write_json, write_private
from eventctl.core.local.spec import (
    EMULATOR,
    GATEWAY,
    JWT_KEY_FILE,
    DataStores,
    RuntimeSpec,
    SpecInputs,
    build_spec,
    database_name,
    inherited_environ,
)
from eventctl.core.local.state import ComponentState, RuntimeState, clear_state, read_state
from eventctl.errors import EventctlError
from platform_model import LocalProfile, Platform

SUPERVISOR_MODULE = "eventctl.core.local.supervisor"
# Supervisors this process launched, kept referenced while they run (a dropped Popen of a
# running process warns that it is still running); `_reap_launched` forgets those that ended.
_launched: list[subprocess.Popen[bytes]] = []


def _reap_launched() -> None:
    """Collect the exit status of launched supervisors that have ended (stopped by `down`,
    from this process or another), so none is left a zombie or reported as still running."""
    _launched[:] = [process for process in _launched if process.poll() is None]


@dataclass(frozen=True)
class LocalOptions:
    """How to run a local environment; everything has a default from the model."""

    env: str = "local"
    services: tuple[str, ...] | None = None
    """the services to run (default: every service in the model)"""
    data_dir: Path | None = None
    """default: the profile's data_dir, relative to the current directory"""
    ports: Mapping[str, int] = field(default_factory=dict)
    """overrides by component: 'aws-emulator', 'gateway' or a service name"""
    stores: DataStores = field(default_factory=DataStores)
    frontend_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    """the caller's environment: children keep only PATH, HOME, locale (see spec.INHERITED)"""
    service_environ: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """extra variables per service (settings of services/*/settings.py)"""
    log_level: str = "INFO"
    start_timeout: float = 90.0
    stop_timeout: float = 15.0
    python: str = sys.executable


@dataclass(frozen=True)
class Progress:
    """A component changed status while starting."""

    component: str
    status: str
    port: int


@dataclass(frozen=True)
class ComponentView:
    name: str
    kind: str
    port: int
    pid: int | None
    status: str
    """what the supervisor last recorded: starting, healthy, exited, ..."""
    health: str
    """checked now: healthy, unhealthy, down, or 'not ours' (the PID is another process now)"""
    restarts: int
    url: str
    log_file: str
    log_group: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RuntimeStatus:
    env: str
    phase: str
    supervisor_pid: int | None
    supervisor_alive: bool
    started_at: float
    gateway_url: str
    emulator_url: str
    data_dir: str
    components: tuple[ComponentView, ...]

    @property
    def healthy(self) -> bool:
        return (
            self.supervisor_alive
            and self.phase == "running"
            and all(c.health == "healthy" for c in self.components)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "running": self.supervisor_alive,
            "healthy": self.healthy,
            "phase": self.phase,
            "supervisor_pid": self.supervisor_pid,
            "started_at": self.started_at,
            "gateway_url": self.gateway_url,
            "emulator_url": self.emulator_url,
            "data_dir": self.data_dir,
            "components": [c.to_dict() for c in self.components],
        }


@dataclass(frozen=True)
class UpResult:
    already_running: bool
    status: RuntimeStatus
    provisioned: Mapping[str, int] | None = None
    notes: tuple[str, ...] = ()
    """things cleaned up on the way (a previous run that ended without `env down`)"""
    created_databases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "already_running": self.already_running,
            **self.status.to_dict(),
            "provisioned": dict(self.provisioned or {}),
            "created_databases": list(self.created_databases),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class StoppedProcess:
    component: str
    pid: int


@dataclass(frozen=True)
class LeftAlone:
    component: str
    pid: int
    reason: str


@dataclass(frozen=True)
class DownResult:
    was_running: bool
    stopped: tuple[StoppedProcess, ...] = ()
    left_alone: tuple[LeftAlone, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "was_running": self.was_running,
            "stopped": [asdict(s) for s in self.stopped],
            "left_alone": [asdict(s) for s in self.left_alone],
        }


# -- where -------------------------------------------------------------------------------------


def local_profile(platform: Platform, env: str) -> LocalProfile:
    """The profile of `env`, which must run on this machine."""
    profile = platform.environment(env)
    if not isinstance(profile, LocalProfile):
        local = [n for n, p in platform.environments.items() if p.kind == "local"]
        raise EventctlError(
            f"{env} is an AWS environment, not one that runs on this machine",
            hint=f"what runs on this machine: {', '.join(local)}; for {env}, use "
            f"`eventctl status --env {env}`",
        )
    return profile


def runtime_paths(platform: Platform, options: LocalOptions) -> RuntimePaths:
    profile = local_profile(platform, options.env)
    return RuntimePaths(Path(options.data_dir or profile.local.data_dir).resolve())


def component_ports(platform: Platform, options: LocalOptions) -> dict[str, int]:
    """The port of each component of the run (model ports, then `options.ports`)."""
    profile = local_profile(platform, options.env)
    chosen = _chosen_services(platform, options)
    ports = {**profile.local.ports(platform.services), **options.ports}
    return {name: port for name, port in ports.items() if name in (EMULATOR, GATEWAY, *chosen)}


def _chosen_services(platform: Platform, options: LocalOptions) -> tuple[str, ...]:
    if options.services is None:
        return tuple(s.name for s in platform.services)
    return tuple(dict.fromkeys(platform.service(name).name for name in options.services))


# -- up -----------------------------------------------------------------------------------------


def up(
    platform: Platform,
    options: LocalOptions,
    on_progress: Callable[[Progress], None] | None = None,
) -> UpResult:
    """Start the local environment and return once every component is ready.

    Returns `already_running=True` (changing nothing) when this data directory's run is up.
    Raises EventctlError when a check fails (nothing is started) or a component fails to
    start (everything started is stopped again). KeyboardInterrupt stops what was started
    and is raised again.
    """
    services = _chosen_services(platform, options)
    preflight.check_packages(services)
    preflight.check_modules()
    frontend = preflight.check_frontend(options.frontend_dir, platform.frontend_prefix)
    paths = runtime_paths(platform, options)
    paths.prepare()
    with _locked(paths):
        current = read_state(paths)
        notes: list[str] = []
        if current is not None:
            if procs.is_same(current.supervisor.ref):
                return _already_running(current, paths)
            notes = _clean_stale(current, paths)
        ports = component_ports(platform, options)
        preflight.check_ports(ports)
        created = _prepare_databases(platform, options.stores, services)
        _write_secrets(paths, platform, options.stores, services)
        spec = build_spec(
            platform,
            SpecInputs(
                env=options.env,
                paths=paths,
                services=services,
                ports=ports,
                python=options.python,
                stores=options.stores,
                environ=options.environ,
                service_environ=options.service_environ,
                log_level=options.log_level,
                start_timeout=options.start_timeout,
                stop_timeout=options.stop_timeout,
            ),
        )
        _write_gateway_config(paths, platform, spec, frontend)
        write_json(paths.spec, spec.model_dump(mode="json"))
        process = _launch(paths, options)
        try:
            state = _follow(paths, spec, process, on_progress)
        except BaseException:
            _abort(paths, process, spec)
            raise
    return UpResult(
        already_running=False,
        status=_status_of(state, paths),
        provisioned=state.provisioned,
        notes=tuple(notes),
        created_databases=tuple(created),
    )


@contextlib.contextmanager
def _locked(paths: RuntimePaths) -> Iterator[None]:
    """One `env up`/`env down` at a time per data directory."""
    with paths.lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise EventctlError(
                f"another eventctl is starting or stopping the local environment in "
                f"{paths.root} ({holder})",
                hint="wait for it to finish, then run the command again",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _already_running(state: RuntimeState, paths: RuntimePaths) -> UpResult:
    if state.phase != "running":
        raise EventctlError(
            f"the local environment in {paths.root} is {state.phase} "
            f"(supervisor pid {state.supervisor.pid})",
            hint="wait a moment and look with `eventctl env ps`, or stop it: eventctl env down",
        )
    return UpResult(already_running=True, status=_status_of(state, paths))


def _clean_stale(state: RuntimeState, paths: RuntimePaths) -> list[str]:
    """A previous run whose supervisor is gone: stop its leftovers, forget it."""
    notes = [
        f"the previous run (supervisor pid {state.supervisor.pid}) had ended without `env down`"
    ]
    for component in state.components:
        record = component.process
        if record is not None and procs.stop(record.ref, timeout=5):
            notes.append(f"stopped its leftover {component.name} (pid {record.pid})")
    clear_state(paths)
    return notes


def _prepare_databases(
    platform: Platform, stores: DataStores, services: tuple[str, ...]
) -> list[str]:
    if stores.postgres_url is None:
        return []
    wanted = [database_name(platform, stores, platform.service(name)) for name in services]
    return postgres.ensure_databases(stores.postgres_url, [n for n in wanted if n])


def _write_secrets(
    paths: RuntimePaths, platform: Platform, stores: DataStores, services: tuple[str, ...]
) -> None:
    """This run's secrets, 0600: the token signing key and one credential per service."""
    from eventctl.core.signing_key import new_private_key_pem

    pem = new_private_key_pem()
    write_private(paths.secrets / JWT_KEY_FILE, pem)
    # As in AWS: a credential for each service that calls another (the model's `calls`), and
    # each called service accepts exactly its callers'.
    tokens = {s.name: secrets.token_urlsafe(32) for s in platform.services if s.calls}
    for name in services:
        service = platform.service(name)
        values: dict[str, str] = {}
        if service.calls:
            values["SERVICE_TOKEN"] = tokens[name]
        callers = platform.callers_of(service)
        if callers:
            values["SERVICE_TOKENS"] = json.dumps({c.name: tokens[c.name] for c in callers})
        if service.issues_tokens:
            values["JWT_PRIVATE_KEY"] = pem
        database = database_name(platform, stores, service)
        if stores.postgres_url is not None and database is not None:
            values["DATABASE_URL"] = postgres.database_url(stores.postgres_url, database)
        if stores.redis_url is not None:
            values["REDIS_URL"] = stores.redis_url
        write_json(paths.secrets / f"{name}.json", values)


def _write_gateway_config(
    paths: RuntimePaths, platform: Platform, spec: RuntimeSpec, frontend: Path
) -> None:
    gateway = spec.component(GATEWAY)
    backends = [
        {
            "service": c.name,
            "prefix": platform.service(c.name).path_prefix,
            "upstream": c.url,
        }
        for c in spec.components
        if c.kind == "service"
    ]
    write_json(
        paths.gateway_config,
        {"static_dir": str(frontend), "port": gateway.port, "backends": backends},
    )


def _launch(paths: RuntimePaths, options: LocalOptions) -> subprocess.Popen[bytes]:
    environ = {**inherited_environ(options.environ), "PYTHONUNBUFFERED": "1"}
    with paths.log_file("supervisor").open("ab") as output:
        process = subprocess.Popen(
            [options.python, "-m", SUPERVISOR_MODULE, str(paths.spec)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=paths.root,
            start_new_session=True,  # a Ctrl-C in this terminal is handled here, not there
        )
    _reap_launched()
    _launched.append(process)
    return process


def _follow(
    paths: RuntimePaths,
    spec: RuntimeSpec,
    process: subprocess.Popen[bytes],
    on_progress: Callable[[Progress], None] | None,
) -> RuntimeState:
    """Wait for the supervisor to report running (or failed), relaying progress."""
    deadline = time.monotonic() + 3 * spec.start_timeout + 30
    reported: dict[str, str] = {}
    while True:
        state = read_state(paths)
        if state is not None and state.supervisor.pid == process.pid:
            for component in state.components:
                if on_progress and reported.get(component.name) != component.status:
                    reported[component.name] = component.status
                    on_progress(Progress(component.name, component.status, component.port))
            if state.phase == "running":
                return state
            if state.phase == "failed":
                process.wait(2 * spec.stop_timeout + 30)
                raise _start_error(state, paths)
        if process.poll() is not None:
            raise EventctlError(
                f"the local supervisor exited with code {process.returncode} before the "
                "environment was up",
                hint=f"see {paths.log_file('supervisor')}:\n  "
                + "\n  ".join(tail_lines(paths.log_file("supervisor"), 10)),
            )
        if time.monotonic() > deadline:
            raise EventctlError(
                "the local environment did not come up in time",
                hint=f"see the logs in {paths.logs}",
            )
        time.sleep(0.1)


def _start_error(state: RuntimeState, paths: RuntimePaths) -> EventctlError:
    failure = state.failure
    clear_state(paths)
    if failure is None:
        return EventctlError("the local environment failed to start")
    lines = "\n".join(f"  | {line}" for line in failure.log_tail[-15:])
    label = preflight.component_label(failure.component)
    message = f"the {label} did not start: {failure.reason}; everything started was stopped"
    if lines:
        message += f"\nlast log lines of {failure.component}:\n{lines}"
    return EventctlError(
        message, hint=f"full log: {paths.log_file(failure.component)}; fix it and run again"
    )


def _abort(paths: RuntimePaths, process: subprocess.Popen[bytes], spec: RuntimeSpec) -> None:
    """Stop a run that is still starting (Ctrl-C, timeout): supervisor first, then leftovers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(2 * spec.stop_timeout + 30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    state = read_state(paths)
    if state is not None:
        for component in state.components:
            if component.process is not None:
                procs.stop(component.process.ref, timeout=5)
    clear_state(paths)


# -- status ------------------------------------------------------------------------------------


def status(platform: Platform, options: LocalOptions) -> RuntimeStatus | None:
    """What runs now in this data directory (None: nothing was started there)."""
    paths = runtime_paths(platform, options)
    state = read_state(paths)
    return None if state is None else _status_of(state, paths)


def _status_of(state: RuntimeState, paths: RuntimePaths) -> RuntimeStatus:
    views = [_component_view(component) for component in state.components]
    return RuntimeStatus(
        env=state.env,
        phase=state.phase,
        supervisor_pid=state.supervisor.pid,
        supervisor_alive=procs.is_same(state.supervisor.ref),
        started_at=state.started_at,
        gateway_url=state.gateway_url,
        emulator_url=state.emulator_url,
        data_dir=str(paths.root),
        components=tuple(views),
    )


def _component_view(component: ComponentState) -> ComponentView:
    record = component.process
    if record is None or procs.identify(record.pid) is None:
        health = "down"
    elif not procs.is_same(record.ref):
        health = "not ours"
    else:
        health = "healthy" if procs.probe(component.port, component.health_path) else "unhealthy"
    return ComponentView(
        name=component.name,
        kind=component.kind,
        port=component.port,
        pid=record.pid if record else None,
        status=component.status,
        health=health,
        restarts=component.restarts,
        url=f"http://127.0.0.1:{component.port}",
        log_file=component.log_file,
        log_group=component.log_group,
    )


# -- down --------------------------------------------------------------------------------------


def down(platform: Platform, options: LocalOptions) -> DownResult:
    """Stop the run in this data directory: the supervisor, then anything it left behind.

    Only processes whose command line and start time match the state file are signalled;
    any other process now holding a recorded PID is left alone and reported.
    """
    paths = runtime_paths(platform, options)
    if not paths.root.is_dir():
        return DownResult(was_running=False)
    with _locked(paths):
        state = read_state(paths)
        if state is None:
            return DownResult(was_running=False)
        running = [
            (c.name, c.process)
            for c in state.components
            if c.process and procs.is_same(c.process.ref)
        ]
        supervisor = state.supervisor.ref
        supervisor_alive = procs.is_same(supervisor)
        if supervisor_alive:
            os.kill(supervisor.pid, signal.SIGTERM)
            if not procs.wait_gone(supervisor, 3 * options.stop_timeout + 15):
                procs.stop(supervisor, timeout=1)
        stopped: list[StoppedProcess] = []
        if supervisor_alive:
            stopped.append(StoppedProcess("supervisor", supervisor.pid))
        left: list[LeftAlone] = []
        for name, running_record in running:
            procs.stop(running_record.ref, timeout=options.stop_timeout)
            stopped.append(StoppedProcess(name, running_record.pid))
        for component in state.components:
            record = component.process
            if record is None or (component.name, record) in running:
                continue
            other = procs.identify(record.pid)
            if other is not None and not procs.is_same(record.ref):
                left.append(
                    LeftAlone(
                        component.name,
                        record.pid,
                        f"pid {record.pid} is now another process ({other.command}): left alone",
                    )
                )
        clear_state(paths)
    _reap_launched()
    return DownResult(was_running=True, stopped=tuple(stopped), left_alone=tuple(left))
