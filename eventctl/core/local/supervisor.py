"""The supervisor of a local run: a background process that owns every other process.

`python -m eventctl.core.local.supervisor SPEC.json` (started by `runtime.up`, in its own
session so a terminal's Ctrl-C does not reach it) starts the AWS emulator and provisions it,
starts the services and waits until each is ready, then starts the gateway. It records every
step in the state file, reads each process's output into `logs/<name>.log` and ships it to
the process's CloudWatch log group, restarts a process that dies after it was ready (with
backoff), and on SIGTERM stops everything in reverse order.

If anything fails to start, it records which and why (with the process's last log lines),
stops what it started and exits 1. It logs its own progress to stdout, never prints results.

It stays small, as it runs for as long as the environment does: provisioning (a client per
AWS service, each with its service model) runs in a short-lived child,
`python -m eventctl.core.local.supervisor --provision SPEC.json`, which prints what it created
as JSON; the supervisor itself keeps only the CloudWatch Logs client it ships logs with.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

from eventctl.core.local.files import RuntimePaths
from eventctl.core.local.logship import LogShipper
from eventctl.core.local.procs import ProcessRef, identify, probe, started
from eventctl.core.local.spec import ComponentSpec, RuntimeSpec
from eventctl.core.local.state import (
    ComponentState,
    Failure,
    ProcessRecord,
    RuntimeState,
    clear_state,
    write_state,
)
from eventctl.errors import EventctlError

log = logging.getLogger("eventctl.local.supervisor")

MAX_RESTART_DELAY = 30.0
TAIL_LINES = 30
PROVISION_FLAG = "--provision"
PROVISION_TIMEOUT = 120.0


class StartFailure(Exception):
    def __init__(self, component: str, reason: str, tail: Sequence[str] = ()) -> None:
        super().__init__(f"{component}: {reason}")
        self.failure = Failure(component=component, reason=reason, log_tail=tuple(tail))


class Stopping(Exception):
    """A stop was requested while starting."""


class Child:
    """One supervised process: started, read, health-checked, stopped."""

    def __init__(self, spec: ComponentSpec, paths: RuntimePaths, shipper: LogShipper) -> None:
        self.spec = spec
        self.paths = paths
        self.shipper = shipper
        self.process: subprocess.Popen[bytes] | None = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.reader: threading.Thread | None = None
        self.state = ComponentState(
            name=spec.name,
            kind=spec.kind,
            port=spec.port,
            health_path=spec.health_path,
            log_file=str(paths.log_file(spec.name)),
            log_group=spec.log_group,
        )
        self.retry_at = 0.0

    def start(self) -> None:
        environ = dict(self.spec.environ)
        if self.spec.secrets_file:
            text = (self.paths.secrets / self.spec.secrets_file).read_text(encoding="utf-8")
            environ.update(json.loads(text))
        output = self.paths.log_file(self.spec.name).open("ab")
        try:
            self.process = subprocess.Popen(
                self.spec.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=environ,
                cwd=self.paths.root,
            )
        except OSError:
            output.close()
            raise
        pid = self.process.pid
        self.state.process = ProcessRecord.of(started(pid, self.spec.argv))
        self.state.status = "starting"
        self.state.exit_code = None
        stream = f"local/{self.spec.name}/{pid}"
        assert self.process.stdout is not None
        self.reader = threading.Thread(
            target=self._pump,
            args=(self.process.stdout, output, stream),
            name=f"read-{self.spec.name}",
            daemon=True,
        )
        self.reader.start()
        log.info("started %s (pid %s, port %s)", self.spec.name, pid, self.spec.port)

    def _pump(self, source: IO[bytes], output: IO[bytes], stream: str) -> None:
        group = self.spec.log_group
        with output, source:
            for raw in source:
                output.write(raw if raw.endswith(b"\n") else raw + b"\n")
                output.flush()
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tail.append(line)
                if group and line.strip():
                    self.shipper.add(group, stream, line)

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def healthy(self) -> bool:
        return probe(self.spec.port, self.spec.health_path)

    def last_lines(self) -> list[str]:
        if self.reader is not None:
            self.reader.join(2.0)  # let the reader take the last words of a dead process
        return list(self.tail)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %ss: killing it", self.spec.name, timeout)
            self.process.kill()
            self.process.wait(10)
        if self.reader is not None:
            self.reader.join(2.0)
        self.state.status = "stopped"
        self.state.exit_code = self.process.returncode


def _log_ingest(emulator_url: str, region: str) -> Any:
    """The CloudWatch Logs client the shipper sends with (made when shipping starts)."""
    from eventctl.adapters.aws._calls import Backoff
    from eventctl.adapters.aws.clients import make_client
    from eventctl.adapters.aws.log_ingest import LogIngest
    from eventctl.core.local.provision import emulator_target

    target = emulator_target(emulator_url, region)
    return LogIngest(make_client("logs", target), Backoff(attempts=2, base=0.1))


def provision_in_child(spec_file: Path, timeout: float = PROVISION_TIMEOUT) -> dict[str, int]:
    """Provision the emulator from a child process; what it created, by kind."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", __spec__.name, PROVISION_FLAG, str(spec_file)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EventctlError(f"provisioning did not finish in {timeout:.0f}s") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise EventctlError(lines[-1] if lines else f"provisioning exited {done.returncode}")
    return {str(kind): int(count) for kind, count in json.loads(done.stdout).items()}


def _provision_main(spec_file: Path) -> int:
    """The child's side: provision, print the counts as JSON (stdout), or the error (stderr)."""
    from eventctl.core.local.provision import emulator_target, provision

    spec = RuntimeSpec.model_validate_json(spec_file.read_text(encoding="utf-8"))
    try:
        result = provision(
            spec.provision, emulator_target(spec.emulator_url, spec.region), spec.paths.secrets
        )
    except EventctlError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(json.dumps(result.to_dict()))
    return 0


class Supervisor:
    def __init__(self, spec: RuntimeSpec, supervisor: ProcessRef, spec_file: Path) -> None:
        self.spec = spec
        self.spec_file = spec_file
        self.paths = spec.paths
        self.stop_requested = threading.Event()
        self.shipper = LogShipper(lambda: _log_ingest(spec.emulator_url, spec.region))
        self.children = [Child(c, self.paths, self.shipper) for c in spec.components]
        self.state = RuntimeState(
            env=spec.env,
            phase="starting",
            supervisor=ProcessRecord.of(supervisor),
            started_at=time.time(),
            gateway_url=spec.gateway_url,
            emulator_url=spec.emulator_url,
            components=[child.state for child in self.children],
        )

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> int:
        self._save()
        try:
            self._start_all()
        except StartFailure as exc:
            log.error("start failed: %s", exc)
            self.state.failure = exc.failure
            self._stop_all()
            self.state.phase = "failed"
            self._save()
            return 1
        except Stopping:
            log.info("stop requested while starting")
            self._stop_all()
            clear_state(self.paths)
            return 0
        self.state.phase = "running"
        self._save()
        log.info("running: %s", self.spec.gateway_url)
        while not self.stop_requested.wait(0.25):
            if self._watch():
                self._save()
        self.state.phase = "stopping"
        self._save()
        self._stop_all()
        clear_state(self.paths)
        log.info("stopped")
        return 0

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested.set()

    def _save(self) -> None:
        write_state(self.paths, self.state)

    def _start_all(self) -> None:
        emulator, *rest = self.children
        gateway = rest.pop()
        self._start([emulator])
        self._provision()
        self.shipper.start()
        self._start(rest)
        self._start([gateway])

    def _start(self, children: list[Child]) -> None:
        """Start `children` together and wait until each is ready."""
        for child in children:
            self._check_stop()
            try:
                child.start()
            except OSError as exc:
                raise StartFailure(child.spec.name, f"cannot start: {exc}") from None
        self._save()
        deadline = time.monotonic() + self.spec.start_timeout
        waiting = list(children)
        while waiting:
            self._check_stop()
            for child in list(waiting):
                code = child.exit_code()
                if code is not None:
                    raise StartFailure(
                        child.spec.name, f"exited with code {code}", child.last_lines()
                    )
                if child.healthy():
                    child.state.status = "healthy"
                    waiting.remove(child)
                    log.info("%s is ready", child.spec.name)
                    self._save()
            if waiting and time.monotonic() > deadline:
                late = waiting[0]
                raise StartFailure(
                    late.spec.name,
                    f"not ready after {self.spec.start_timeout:.0f}s "
                    f"(no answer on port {late.spec.port})",
                    late.last_lines(),
                )
            time.sleep(0.1)

    def _provision(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            self._check_stop()
            try:
                result = provision_in_child(self.spec_file)
            except EventctlError as exc:
                if time.monotonic() > deadline:
                    emulator = self.children[0]
                    raise StartFailure(
                        emulator.spec.name, f"provisioning failed: {exc.message}"
                    ) from None
                time.sleep(0.3)
                continue
            self.state.provisioned = result
            log.info("provisioned %s", result)
            return

    def _check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise Stopping()

    # -- after start: restart what dies -----------------------------------------------------

    def _watch(self) -> bool:
        changed = False
        now = time.monotonic()
        for child in self.children:
            status = child.state.status
            code = child.exit_code()
            if status in ("healthy", "starting") and code is not None:
                delay = min(MAX_RESTART_DELAY, 2.0**child.state.restarts)
                log.warning(
                    "%s exited with code %s; restart in %.0fs", child.spec.name, code, delay
                )
                child.state.status = "exited"
                child.state.exit_code = code
                child.retry_at = now + delay
                changed = True
            elif status == "exited" and now >= child.retry_at:
                try:
                    child.start()
                except OSError as exc:
                    log.error("cannot restart %s: %s", child.spec.name, exc)
                    child.retry_at = now + MAX_RESTART_DELAY
                    continue
                child.state.restarts += 1
                changed = True
            elif status == "starting" and child.healthy():
                if child.spec.kind == "emulator" and not self._reprovision():
                    continue
                child.state.status = "healthy"
                log.info("%s is ready again", child.spec.name)
                changed = True
        return changed

    def _reprovision(self) -> bool:
        try:
            provision_in_child(self.spec_file)
        except EventctlError as exc:
            log.warning("provisioning the restarted emulator failed: %s", exc.message)
            return False
        return True

    # -- stop ------------------------------------------------------------------------------

    def _stop_all(self) -> None:
        """Gateway first, then the services together, then the logs, then the emulator."""
        emulator, *rest = self.children
        gateway = rest.pop()
        for group in ([gateway], rest):
            for child in group:
                child.terminate()
            for child in group:
                child.wait_stopped(self.spec.stop_timeout)
        self.shipper.stop()
        emulator.terminate()
        emulator.wait_stopped(self.spec.stop_timeout)
        self._save()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [PROVISION_FLAG]:
        return _provision_main(Path(args[1]))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    for name in ("botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    spec_file = Path(args[0])
    spec = RuntimeSpec.model_validate_json(spec_file.read_text(encoding="utf-8"))
    me = identify(os.getpid()) or ProcessRef(pid=os.getpid(), argv=tuple(sys.argv))
    supervisor = Supervisor(spec, me, spec_file)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, supervisor.request_stop)
    return supervisor.run()


if __name__ == "__main__":
    raise SystemExit(main())
