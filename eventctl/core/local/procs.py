"""Processes and ports on this machine: who is a PID, who listens on a port, stopping by PID.

A PID alone is not an identity (PIDs are reused), so a process is recorded with its command
line and start time (from /proc) and is only ever signalled when both still match.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessRef:
    """A process as eventctl started it: PID, command line and start time (clock ticks)."""

    pid: int
    argv: tuple[str, ...]
    start_ticks: int | None = None

    @property
    def command(self) -> str:
        return " ".join(self.argv)


def identify(pid: int) -> ProcessRef | None:
    """The live process `pid` (None when it is gone or a zombie)."""
    if pid <= 0:
        return None
    if PROC.is_dir():
        return _identify_proc(pid)
    return _identify_ps(pid)


def started(pid: int, argv: tuple[str, ...]) -> ProcessRef:
    """The record of a child just started with `argv`.

    Its command line is taken from `argv`, not read back: right after exec, /proc may still
    show an empty one. The start time does not change at exec.
    """
    current = identify(pid)
    ticks = current.start_ticks if current is not None else None
    return ProcessRef(pid=pid, argv=tuple(argv), start_ticks=ticks)


def _identify_proc(pid: int) -> ProcessRef | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # Fields after the command name (which may hold spaces and parentheses).
    fields = stat.rsplit(")", 1)[-1].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    argv = tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return ProcessRef(pid=pid, argv=argv, start_ticks=int(fields[19]))


def _identify_ps(pid: int) -> ProcessRef | None:
    try:
        result = subprocess.run(
            ["ps", "-o", "stat=", "-o", "args=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = result.stdout.strip()
    if result.returncode != 0 or not line or line.startswith("Z"):
        return None
    return ProcessRef(pid=pid, argv=tuple(line.split()[1:]), start_ticks=None)


def is_same(recorded: ProcessRef) -> bool:
    """True when `recorded.pid` is still the very process that was recorded."""
    current = identify(recorded.pid)
    if current is None:
        return False
    if recorded.start_ticks is not None and current.start_ticks is not None:
        if current.start_ticks != recorded.start_ticks:
            return False
        return current.argv == recorded.argv
    return " ".join(current.argv) == recorded.command


def stop(recorded: ProcessRef, timeout: float = 10.0) -> bool:
    """SIGTERM the recorded process, SIGKILL it after `timeout`; False if it was not ours."""
    if not is_same(recorded):
        return False
    _signal(recorded.pid, signal.SIGTERM)
    if wait_gone(recorded, timeout):
        return True
    if is_same(recorded):
        _signal(recorded.pid, signal.SIGKILL)
        wait_gone(recorded, 5.0)
    return True


def wait_gone(recorded: ProcessRef, timeout: float) -> bool:
    """Wait until the recorded process has exited; False if it still runs after `timeout`."""
    deadline = time.monotonic() + timeout
    while is_same(recorded):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


# -- ports ---------------------------------------------------------------------------------


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on host:port now (only listeners conflict)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def port_answers(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    with socket.socket() as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def port_owner(port: int) -> ProcessRef | None:
    """The process listening on TCP `port`, when /proc tells (None when it cannot)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return identify(int(entry.name))
        except (FileNotFoundError, PermissionError, ProcessLookupError, NotADirectoryError):
            continue
    return None


def _listening_inodes(port: int) -> set[str]:
    found: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                found.add(inode)
    return found


def http_ok(port: int, path: str, timeout: float = 2.0) -> bool:
    """True when GET http://127.0.0.1:port/path answers 200."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def probe(port: int, path: str | None, timeout: float = 2.0) -> bool:
    """Ready: `path` answers 200, or (no path) the port accepts connections."""
    return port_answers(port, timeout=timeout) if path is None else http_ok(port, path, timeout)
