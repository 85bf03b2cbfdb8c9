"""`eventctl logs`: the services' CloudWatch logs."""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvOption

app = typer.Typer(
    help="Logs: tail the services' CloudWatch logs, merged in time order.",
    no_args_is_help=True,
)

DEFAULT_ENV = "dev"


@app.command("tail")
def tail(
    ctx: typer.Context,
    services: Annotated[
        list[str] | None,
        typer.Argument(
            help="Services to read (auth or auth-service); default: all five.", show_default=False
        ),
    ] = None,
    env: EnvOption = DEFAULT_ENV,
    since: Annotated[
        str, typer.Option("--since", "-s", help="Start: 10m, 2h, 1d or an ISO-8601 time.")
    ] = "10m",
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="End: 10m, 2h, 1d or ISO-8601 (not with --follow).", show_default=False
        ),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep polling for new events (Ctrl-C stops).")
    ] = False,
    pattern: Annotated[
        str | None,
        typer.Option(
            "--filter", help="CloudWatch filter pattern, passed through as is.", show_default=False
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls with --follow.", min=0.2)
    ] = 1.0,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object per event, for piping.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain text, no colours.")] = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Print the services' log events in timestamp order, optionally following them.

    Lines read `<service> <UTC time> <message>`; JSON log lines become
    `LEVEL message {other fields}`.

    With --follow, no event is lost or printed twice, new log streams are
    picked up, an event arriving up to 2 s after a newer one still comes out
    before it (lines are shown about 2 s after they are read), and throttling
    only slows the polling down.

    Example:

        eventctl logs tail auth booking --env dev --since 1h --filter ERROR

        eventctl logs tail --env prod -f --json | jq .message
    """
    from eventctl.adapters.aws.clients import make_client
    from eventctl.adapters.aws.logs import CloudWatchLogs
    from eventctl.cli._aws import aws_target
    from eventctl.cli._render_log_lines import JsonWriter, LineWriter
    from eventctl.core.logs import TailNotice, TailOptions, log_sources, parse_time, tail_lines

    cli = get_app(ctx)
    sources = log_sources(cli.platform, env, services or [])
    now = time.time()
    options = TailOptions(
        start_ms=parse_time(since, now),
        end_ms=parse_time(until, now) if until else None,
        pattern=pattern,
        follow=follow,
        interval=interval,
    )
    logs = CloudWatchLogs(make_client("logs", aws_target(cli, env, endpoint_url)))
    stdout = sys.stdout
    colour = not (no_color or json_output or cli.environ.get("NO_COLOR")) and stdout.isatty()
    writer: JsonWriter | LineWriter = (
        JsonWriter(stdout, {s.label: s.group for s in sources})
        if json_output
        else LineWriter(stdout, [s.label for s in sources], colour=colour)
    )

    # Each chunk is written and flushed as it comes, so what a poll found shows before the
    # next wait. A closed stdout (`| head`) ends the command quietly: see cli/main.py.
    try:
        for item in tail_lines(logs, sources, options, writer.render_batch):
            if isinstance(item, TailNotice):
                writer.flush()
                cli.err.print(
                    f"[yellow]{item.source}:[/] {item.message} ({item.group})",
                    highlight=False,
                    soft_wrap=True,
                )
            else:
                writer.write_lines(item)
        writer.flush()
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            writer.flush()  # the lines already read, then stop quietly
        raise typer.Exit(0) from None
