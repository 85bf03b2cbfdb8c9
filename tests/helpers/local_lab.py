"""A local run for tests: real processes on free loopback ports, found again by their working
directory (a run's processes all have its data directory as theirs), whatever state the run
ended in."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eventctl.core import local
from eventctl.core.local.procs import PROC, ProcessRef, identify
from eventctl.paths import frontend_dir
from platform_model import Platform, build_platform
from tests.helpers.net import free_port

# Most runtime tests need only two services (the runtime takes any subset of the model's
# five); the web app's booking test runs all of them.
SERVICES = ("auth", "event")
ALL_SERVICES = ("auth", "event", "booking", "payment", "notification")
# Cheap password hashing: these tests are about the runtime, not argon2's cost.
FAST_AUTH = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "ARGON2_PARALLELISM": "1"}
LOCAL_KEY = "EVENTCTL_ENVIRONMENTS__LOCAL__LOCAL__"


def processes_in(directory: Path) -> list[ProcessRef]:
    """Live processes whose working directory is `directory` (a run's processes)."""
    if not PROC.is_dir():
        return []
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == directory:
            ref = identify(int(entry.name))
            if ref is not None:
                found.append(ref)
    return found


def unique_ports(names: tuple[str, ...]) -> dict[str, int]:
    ports: dict[str, int] = {}
    while len(ports) < len(names):
        port = free_port()
        if port not in ports.values():
            ports[names[len(ports)]] = port
    return ports


@dataclass
class LocalLab:
    platform: Platform
    options: local.LocalOptions
    ports: dict[str, int]

    @property
    def data_dir(self) -> Path:
        assert self.options.data_dir is not None
        return self.options.data_dir

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['aws-emulator']}"

    def up(self, **changes: Any) -> local.UpResult:
        return local.up(self.platform, replace(self.options, **changes))

    def down(self) -> local.DownResult:
        return local.down(self.platform, self.options)

    def status(self) -> local.RuntimeStatus | None:
        return local.status(self.platform, self.options)

    def leftovers(self) -> list[ProcessRef]:
        return processes_in(self.data_dir.resolve())

    def aws(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            region_name=self.platform.region,
            endpoint_url=self.emulator_url,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def cli_environ(self) -> dict[str, str]:
        """EVENTCTL_* variables that point the CLI at this lab's ports."""
        environ = {
            f"{LOCAL_KEY}GATEWAY_PORT": str(self.ports["gateway"]),
            f"{LOCAL_KEY}AWS_EMULATOR_PORT": str(self.ports["aws-emulator"]),
        }
        for name in SERVICES:
            environ[f"{LOCAL_KEY}SERVICE_PORTS__{name.upper()}"] = str(self.ports[name])
        return environ


def kill_all(refs: list[ProcessRef]) -> None:
    for ref in refs:
        with contextlib.suppress(ProcessLookupError):
            os.kill(ref.pid, signal.SIGKILL)


def make_lab(
    data_dir: Path, platform: Platform | None = None, services: tuple[str, ...] = SERVICES
) -> LocalLab:
    ports = unique_ports(("aws-emulator", "gateway", *services))
    options = local.LocalOptions(
        services=services,
        data_dir=data_dir,
        ports=ports,
        frontend_dir=frontend_dir(),
        environ={k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        service_environ={"auth": FAST_AUTH},
        start_timeout=60,
        stop_timeout=10,
    )
    return LocalLab(platform or build_platform(), options, ports)
