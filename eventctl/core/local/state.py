"""The state file of a run: what the supervisor started, with PIDs, ports and health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from eventctl.core.local.files import RuntimePaths, read_json, write_json
from eventctl.core.local.procs import ProcessRef

Phase = Literal["starting", "running", "failed", "stopping"]
ComponentStatus = Literal["waiting", "starting", "healthy", "exited", "stopped"]


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProcessRecord(_State):
    pid: int
    argv: tuple[str, ...]
    start_ticks: int | None = None

    @classmethod
    def of(cls, ref: ProcessRef) -> ProcessRecord:
        return cls(pid=ref.pid, argv=ref.argv, start_ticks=ref.start_ticks)

    @property
    def ref(self) -> ProcessRef:
        return ProcessRef(pid=self.pid, argv=self.argv, start_ticks=self.start_ticks)


class ComponentState(_State):
    name: str
    kind: str
    port: int
    health_path: str | None
    status: ComponentStatus = "waiting"
    process: ProcessRecord | None = None
    restarts: int = 0
    exit_code: int | None = None
    log_file: str
    log_group: str | None = None


class Failure(_State):
    component: str
    reason: str
    log_tail: tuple[str, ...] = ()


class RuntimeState(_State):
    env: str
    phase: Phase
    supervisor: ProcessRecord
    started_at: float
    gateway_url: str
    emulator_url: str
    components: list[ComponentState]
    failure: Failure | None = None
    provisioned: dict[str, int] | None = None

    def component(self, name: str) -> ComponentState:
        return next(c for c in self.components if c.name == name)


def read_state(paths: RuntimePaths) -> RuntimeState | None:
    """The state of the run in `paths`, or None (no run, or an unreadable file)."""
    data = read_json(paths.state)
    if data is None:
        return None
    try:
        return RuntimeState.model_validate(data)
    except ValidationError:
        return None


def write_state(paths: RuntimePaths, state: RuntimeState) -> None:
    write_json(paths.state, state.model_dump(mode="json"))


def clear_state(paths: RuntimePaths) -> None:
    paths.state.unlink(missing_ok=True)
