"""A clock and a sleep that tests drive: sleeping advances time and runs the next scripted step."""

from __future__ import annotations

from collections.abc import Callable


class StopFollowing(Exception):
    """Raised by `ScriptedTime.sleep` when the script is over, to end a --follow loop."""


class ScriptedTime:
    """`clock()` returns `now`; `sleep(s)` records s, advances `now` and runs the next step.

    A follow loop polls, sleeps, polls...: each step is what happens in the world (new log
    events, a new stream) while the tail sleeps. When no step is left, sleep raises
    StopFollowing.
    """

    def __init__(self, now: float, steps: list[Callable[[], None]] | None = None) -> None:
        self.now = now
        self.steps = list(steps or [])
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if not self.steps:
            raise StopFollowing
        self.steps.pop(0)()
