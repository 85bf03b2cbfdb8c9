"""Generate `docs/cli.md` from the commands' own help: `python -m eventctl.cli.docs`.

A test regenerates it and compares, so the reference can never drift from the help.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from eventctl.cli.main import app

HEADER = (
    "# Command reference\n\n"
    "Generated from `--help` by `python -m eventctl.cli.docs > docs/cli.md`; "
    "do not edit by hand.\n"
)


def command_paths() -> Iterator[list[str]]:
    """Every command path of the CLI, groups before their commands: [], ['env'], ['env', 'list']."""
    root = typer.main.get_command(app)

    def walk(command: object, path: list[str]) -> Iterator[list[str]]:
        yield path
        commands = getattr(command, "commands", {})
        for name in sorted(commands):
            if not getattr(commands[name], "hidden", False):
                yield from walk(commands[name], [*path, name])

    yield from walk(root, [])


def help_text(path: list[str]) -> str:
    """The plain-text help of `eventctl PATH --help` at 80 columns, without colour."""
    env = {"NO_COLOR": "1", "COLUMNS": "80", "TERM": "dumb"}
    result = CliRunner().invoke(app, [*path, "--help"], env=env, prog_name="eventctl")
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    return "\n".join(lines).strip("\n")


def render() -> str:
    """The whole reference as Markdown."""
    sections = [HEADER]
    for path in command_paths():
        title = " ".join(["eventctl", *path])
        sections.append(f"## `{title}`\n\n```text\n{help_text(path)}\n```\n")
    return "\n".join(sections)


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "80")
    print(render(), end="")
