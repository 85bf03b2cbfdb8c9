"""The local environment's files under its data directory, written owner-only and atomically."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RuntimePaths:
    """Where one local environment keeps its state, secrets, logs and databases."""

    root: Path

    @property
    def state(self) -> Path:
        """What runs now: written by the supervisor, read by `env ps` and `env down`."""
        return self.root / "state.json"

    @property
    def lock(self) -> Path:
        return self.root / "lock"

    @property
    def run(self) -> Path:
        """This run's spec and gateway configuration."""
        return self.root / "run"

    @property
    def spec(self) -> Path:
        return self.run / "spec.json"

    @property
    def gateway_config(self) -> Path:
        return self.run / "gateway.json"

    @property
    def secrets(self) -> Path:
        """Per-run secrets (signing key, service credentials), mode 0600."""
        return self.root / "secrets"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def data(self) -> Path:
        """SQLite files of the services."""
        return self.root / "data"

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def prepare(self) -> None:
        """Create the directories, private to this user."""
        for directory in (self.root, self.run, self.secrets, self.logs, self.data):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for directory in (self.root, self.run, self.secrets):
            directory.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, replacing the file atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_json(path: Path, data: Any) -> None:
    write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json(path: Path) -> Any | None:
    """The JSON in `path`, or None when the file is missing or half-written."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def tail_lines(path: Path, count: int = 20, max_bytes: int = 64 * 1024) -> list[str]:
    """The last `count` lines of a text file (empty when it does not exist)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[-count:]
