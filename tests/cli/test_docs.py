"""docs/cli.md is generated from the help, and every command's help carries an example."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventctl.cli.docs import command_paths, help_text, render

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_matches_the_help() -> None:
    committed = (REPO_ROOT / "docs" / "cli.md").read_text()
    assert committed == render(), (
        "docs/cli.md is out of date: run `python -m eventctl.cli.docs > docs/cli.md`"
    )


@pytest.mark.parametrize("path", [p for p in command_paths() if p], ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    text = help_text(path)
    assert "Usage: eventctl" in text
    from typer.main import get_command

    from eventctl.cli.main import app

    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    if not hasattr(command, "commands"):  # leaf commands run something: show how
        assert "Example:" in text, f"`eventctl {' '.join(path)} --help` has no Example:"
