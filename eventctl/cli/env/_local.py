"""The local environment's side of `env up` / `env down` (no ENV, or `local`) and `env ps`.

`up` and `down` hand their local branch to `up_local` / `down_local`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import App

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import SecretStr

    from eventctl.core.local import LocalOptions, Progress, RuntimeStatus

ServiceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--service",
        "-s",
        help="local: run only this service (repeat for several); default: all five.",
        show_default=False,
        metavar="NAME",
    ),
]
LocalEnvArgument = Annotated[
    str, typer.Argument(help="The local environment (the default).", show_default=False)
]


def local_options(cli: App, env: str, services: list[str] | None = None) -> LocalOptions:
    """The run's options from settings: data stores, the web app, this shell's PATH/locale."""
    from eventctl.core.local import DataStores, LocalOptions
    from eventctl.paths import frontend_dir

    settings = cli.loaded.settings.local
    return LocalOptions(
        env=env,
        services=tuple(services) if services else None,
        stores=DataStores(
            postgres_url=_secret(settings.postgres_url),
            database_prefix=settings.database_prefix,
            redis_url=_secret(settings.redis_url),
            redis_prefix=settings.redis_prefix,
        ),
        frontend_dir=frontend_dir(),
        environ=cli.environ,
    )


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def up_local(cli: App, env: str, services: list[str] | None, *, json_output: bool) -> None:
    """`env up local`: start everything in the background, return once it is ready."""
    from eventctl.core import local

    options = local_options(cli, env, services)
    try:
        result = local.up(cli.platform, options, on_progress=_progress_printer(cli))
    except KeyboardInterrupt:
        cli.err.print(
            "interrupted: stopped everything that had started", highlight=False, soft_wrap=True
        )
        raise typer.Exit(130) from None
    for note in result.notes:
        cli.err.print(f"note: {note}", highlight=False, soft_wrap=True)
    if result.already_running:
        cli.err.print(
            f"the local environment is already running (supervisor pid "
            f"{result.status.supervisor_pid}): nothing was started",
            highlight=False,
            soft_wrap=True,
        )
    if json_output:
        cli.print_json(result.to_dict())
        return
    render_status(cli, result.status)
    cli.out.print(f"\nOpen {result.status.gateway_url}", highlight=False, soft_wrap=True)
    cli.out.print(
        f"Logs: eventctl logs tail --env {env} -f    Stop: eventctl env down {env}",
        highlight=False,
        soft_wrap=True,
    )


def _progress_printer(cli: App) -> Callable[[Progress], None]:
    def show(event: Progress) -> None:
        if event.status in ("starting", "healthy"):
            word = "ready" if event.status == "healthy" else "starting"
            cli.err.print(
                f"  {event.component:<14} {word} (port {event.port})",
                highlight=False,
                soft_wrap=True,
            )

    return show


def down_local(cli: App, env: str, *, json_output: bool) -> None:
    """`env down local`: stop the run by the PIDs in its state file."""
    from eventctl.core import local

    result = local.down(cli.platform, local_options(cli, env))
    for alone in result.left_alone:
        cli.err.print(
            f"warning: {alone.component}: {alone.reason}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if json_output:
        cli.print_json(result.to_dict())
        return
    if not result.was_running:
        cli.out.print(
            f"the {env} environment is not running: nothing to stop",
            highlight=False,
            soft_wrap=True,
        )
        return
    for item in result.stopped:
        cli.out.print(f"stopped {item.component} (pid {item.pid})", highlight=False, soft_wrap=True)
    if not result.stopped:
        cli.out.print(
            "nothing was running any more; the state is cleared", highlight=False, soft_wrap=True
        )


def render_status(cli: App, status: RuntimeStatus) -> None:
    from rich.table import Table

    table = Table("component", "pid", "port", "status", "health", "restarts", box=None)
    for c in status.components:
        table.add_row(
            c.name,
            str(c.pid or "-"),
            str(c.port),
            c.status,
            c.health,
            str(c.restarts),
        )
    cli.out.print(table)
    phase = status.phase if status.supervisor_alive else "supervisor gone"
    cli.out.print(
        f"{status.env}: {phase} (supervisor pid {status.supervisor_pid}), "
        f"gateway {status.gateway_url}, data in {status.data_dir}",
        highlight=False,
        soft_wrap=True,
    )
