"""The application object every command receives: settings, consoles and output helpers."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from eventctl.config import LoadedSettings
    from platform_model import Platform


@dataclass
class App:
    """Carried on the Typer context (`ctx.obj`); loads settings lazily, once."""

    config_path: Path | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @cached_property
    def loaded(self) -> LoadedSettings:
        from eventctl.config import load_settings

        return load_settings(self.config_path, self.environ, self.flags)

    @cached_property
    def platform(self) -> Platform:
        return self.loaded.platform()

    @property
    def ci(self) -> bool:
        """Running in CI (`CI` set, as GitHub Actions does): no colour, and never a prompt."""
        return in_ci(self.environ)

    @cached_property
    def out(self) -> Console:
        """Results: stdout."""
        from rich.console import Console

        return Console(soft_wrap=True, no_color=self.ci or None)

    @cached_property
    def err(self) -> Console:
        """Progress, messages and errors: stderr."""
        from rich.console import Console

        return Console(stderr=True, no_color=self.ci or None)

    def print_json(self, data: Any) -> None:
        """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
        typer.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def in_ci(environ: Mapping[str, str]) -> bool:
    """`CI` is set to anything but an empty string, 0 or false."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false")


def get_app(ctx: typer.Context) -> App:
    """The App of this invocation (created by the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, App):
        root.obj = App()
    return root.obj
