"""docs/cli.md is the commands' own help: regenerate it when a command changes."""

from __future__ import annotations

from pathlib import Path

from eventctl.cli.docs import command_paths, help_text, render

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_reference_matches_the_help() -> None:
    assert REFERENCE.read_text() == render(), (
        "docs/cli.md is stale: python -m eventctl.cli.docs > docs/cli.md"
    )


def test_every_command_has_an_example() -> None:
    for path in command_paths():
        if path and path[-1] in ("tail", "status"):
            assert "Example:" in help_text(path), path
