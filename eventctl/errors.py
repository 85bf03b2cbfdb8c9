"""The one error family eventctl raises for expected failures.

Every layer raises `EventctlError` (or a subclass) with a message that says what went wrong
and a hint that says how to fix it. The CLI entry point prints it once and exits 1; nothing
else prints tracebacks for these.

`EventctlError` is the platform model's `PlatformError` (the model, shared with the services,
cannot import eventctl), so the model's `ModelError` and `UnknownNameError` belong to it too.
"""

from __future__ import annotations

from platform_model.errors import ModelError, UnknownNameError
from platform_model.errors import PlatformError as EventctlError

__all__ = ["ConfigError", "EventctlError", "ModelError", "UnknownNameError"]


class ConfigError(EventctlError):
    """The configuration (eventctl.toml, EVENTCTL_* variables, flags) is invalid."""
