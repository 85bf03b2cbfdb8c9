"""Child processes for tests that press Ctrl-C: the signal disposition they need, and cleanup.

A suite started with SIGINT ignored (`nohup pytest &`, some CI runners) hands that disposition
to every child, and a Python child then never sees Ctrl-C. `interruptible` sets SIGINT back to
its default for the child and kills and reaps it however the test ends, so that no process
outlives its test. (A test that raises SIGINT in its own process uses
`tests.helpers.lifecycle.sigint_raises_keyboard_interrupt`.)
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextmanager
def interruptible(args: list[str], *, deadline: float = 60, **popen: Any) -> Iterator[Any]:
    """`subprocess.Popen(args, **popen)` whose Ctrl-C works even when this run ignores it.

    The child is killed after `deadline` seconds (a blocked `readline` then sees end of
    file instead of hanging the suite) and, on the way out, killed if still running, reaped
    and its pipes closed.
    """
    process = subprocess.Popen(args, preexec_fn=_default_sigint, **popen)
    watchdog = threading.Timer(deadline, process.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield process
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
