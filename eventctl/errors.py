"""The one error family eventctl raises for expected failures.

Every layer raises `EventctlError` (or a subclass) with a message that says what went wrong
and a hint that says how to fix it. The CLI entry point prints it once and exits 1; nothing
else prints tracebacks for these.
"""

from __future__ import annotations


class EventctlError(Exception):
    """An expected failure: bad input, missing tool, refused operation, remote error."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class ConfigError(EventctlError):
    """The configuration (eventctl.toml, EVENTCTL_* variables, flags) is invalid."""


class ModelError(EventctlError):
    """The platform model is inconsistent (a duplicate port, an unknown queue, ...)."""


class UnknownNameError(EventctlError):
    """A name given by the user (environment, service, queue) does not exist."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(
            f"unknown {kind} {name!r}",
            hint=f"known {kind}s: {', '.join(known)}",
        )
        self.kind = kind
        self.name = name
        self.known = known
