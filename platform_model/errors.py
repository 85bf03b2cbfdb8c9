"""The error family of the platform model, which eventctl's errors build on.

The model is imported by the services as well as by eventctl, so its errors cannot live in
eventctl. `eventctl.errors.EventctlError` is this module's `PlatformError`: every expected
failure, from the model or from the CLI, is one family with a message and a hint.
"""

from __future__ import annotations


class PlatformError(Exception):
    """An expected failure: bad input, missing tool, refused operation, remote error."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class ModelError(PlatformError):
    """The platform model is inconsistent (a duplicate port, an unknown queue, ...)."""


class UnknownNameError(PlatformError):
    """A name given by the user (environment, service, queue) does not exist."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        super().__init__(
            f"unknown {kind} {name!r}",
            hint=f"known {kind}s: {', '.join(known)}",
        )
        self.kind = kind
        self.name = name
        self.known = known
