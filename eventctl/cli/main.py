"""The `eventctl` entry point: the root app, global options and error handling."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from eventctl import __version__
from eventctl.cli import cost, deploy, env, images, logs, status
from eventctl.cli._app import App
from eventctl.errors import EventctlError


class EventctlGroup(TyperGroup):
    """The root group: turns an EventctlError from any command into one message and exit 1,
    and a closed stdout (`eventctl ... | head`) into a quiet exit 0."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows up here, not at the interpreter's exit
            return result
        except EventctlError as exc:
            if os.environ.get("EVENTCTL_DEBUG") == "1":
                raise
            _print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except typer.BadParameter as exc:
            # Typer validates choices with pydantic, whose ValueError text leads with its own
            # "Value error, "; the user reads only the sentence after it.
            exc.message = exc.message.removeprefix("Value error, ")
            raise
        except BrokenPipeError:
            # Caught here, before Click's own handler, which would exit 1.
            _silence_closed_stdout()
            raise typer.Exit(0) from None


app = typer.Typer(
    name="eventctl",
    cls=EventctlGroup,
    help="Build, run, deploy, observe and price the Event Planner platform.\n\n"
    "Example:\n\n    eventctl env list",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain Click help: the rich help formatter costs ~90 ms of imports on every --help.
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# One sub-app per noun; each later command group registers itself here.
app.add_typer(env.app, name="env")
app.add_typer(cost.app, name="cost")
app.add_typer(logs.app, name="logs")
app.add_typer(deploy.app, name="deploy")
app.add_typer(images.app, name="images")
app.command("status")(status.status)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eventctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Settings file (default: ./eventctl.toml).", dir_okay=False
        ),
    ] = None,
    region: Annotated[str | None, typer.Option(help="AWS region (overrides settings).")] = None,
    domain: Annotated[str | None, typer.Option(help="DNS domain (overrides settings).")] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Build, run, deploy, observe and price the Event Planner platform.

    Example:

        eventctl env show dev
    """
    ctx.obj = App(config_path=config, flags={"region": region, "domain": domain})


def main() -> None:
    """Console-script entry: run the app; Ctrl-C ends it quietly (a closed pipe too, in
    `EventctlGroup.invoke`)."""
    try:
        app(prog_name="eventctl")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


def _silence_closed_stdout() -> None:
    """The reader went away: point stdout at /dev/null, so that the interpreter's final
    flush of what is still buffered does not print a BrokenPipeError and exit 120."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file (a test runner's buffer)
    finally:
        os.close(devnull)


def _print_error(exc: EventctlError) -> None:
    from rich.console import Console
    from rich.markup import escape

    from eventctl.cli._app import in_ci

    console = Console(stderr=True, soft_wrap=True, no_color=in_ci(os.environ) or None)
    console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
    if exc.hint:
        console.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False)
