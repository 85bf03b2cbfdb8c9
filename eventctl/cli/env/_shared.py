"""What the lifecycle commands share: options, the AWS target, confirmation, the events sink."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import App
from eventctl.cli.env import _root
from eventctl.errors import EventctlError

if TYPE_CHECKING:
    from eventctl.core.env_lifecycle import Confirmation, Target
    from eventctl.core.lifecycle import ApplyProgress, PlanResult
    from eventctl.core.plan_summary import Loss

FixOption = Annotated[
    bool, typer.Option("--fix", help="Fix the settings that differ from the expected ones.")
]


def _duration(value: str) -> str:
    """The lock timeout in the form terraform's `-lock-timeout` reads (h, m, s)."""
    from eventctl.core.durations import format_duration, parse_duration

    try:
        return format_duration(parse_duration(value, zero_ok=True))
    except EventctlError:
        raise typer.BadParameter(f"{value!r} is not a duration like 90s, 10m or 1h30m") from None


LockTimeoutOption = Annotated[
    str,
    typer.Option(
        "--lock-timeout",
        help="How long to wait for a state lock held by someone else (e.g. 30s, 10m).",
        callback=_duration,
    ),
]
ConfirmOption = Annotated[
    str | None,
    typer.Option(
        "--confirm",
        help="The environment's name, typed in advance (required with --yes for prod).",
        show_default=False,
    ),
]
CheckOption = Annotated[
    bool,
    typer.Option(
        "--check", help="Only report: create and change nothing; exit 1 unless all is well."
    ),
]


def target(cli: App, env: str, endpoint_url: str | None) -> Target:
    """The lifecycle target of `env`: AWS (or `--endpoint-url`), settings, this shell."""
    from eventctl.cli._aws import aws_target
    from eventctl.core.env_lifecycle import Target

    return Target(
        platform=cli.platform,
        env=env,
        aws=aws_target(cli, env, endpoint_url),
        environ=cli.environ,
        locking=cli.loaded.settings.state_locking,
        root_factory=_root.root_factory,
    )


@dataclass
class CliEvents:
    """The lifecycle's events at the command line: stderr messages, prompts, the plan."""

    cli: App
    env: str
    yes: bool = False
    confirm_name: str | None = None
    show_plan: bool = True

    def message(self, text: str) -> None:
        self.cli.err.print(text, highlight=False, markup=False)

    def plan_ready(self, planned: PlanResult, losses: list[Loss] | None) -> None:
        if not self.show_plan:
            return
        from eventctl.cli._render_lifecycle import render_losses, render_plan

        render_plan(self.cli.out, self.env, planned)
        if losses is not None and planned.has_changes:
            render_losses(self.cli.out, losses)

    def confirm(self, request: Confirmation) -> None:
        prompt = not self.cli.ci
        if request.change:
            confirm_change(request, yes=self.yes, confirm=self.confirm_name, prompt=prompt)
        else:
            confirm_yes_no(request.question, yes=self.yes, prompt=prompt)

    @contextmanager
    def applying(self, verb: str) -> Iterator[Callable[[ApplyProgress], None]]:
        from eventctl.cli._render_lifecycle import ApplyDisplay

        with ApplyDisplay(self.cli.err, verb) as display:
            yield display.update


def confirm_change(
    request: Confirmation, *, yes: bool, confirm: str | None, prompt: bool = True
) -> None:
    """y/N for dev; prod needs its name typed (or --confirm NAME: --yes alone is refused).

    In CI (`prompt` False) nothing is asked: the flags decide, and without them the run stops.
    """
    env = request.env
    if confirm is not None:
        if confirm != env:
            raise EventctlError(
                f"--confirm {confirm} does not match the environment {env}: nothing was changed",
                hint=f"pass --confirm {env}",
            )
        return
    if not request.production:
        confirm_yes_no(request.question, yes=yes, prompt=prompt)
        return
    if yes:
        raise EventctlError(
            f"{env} is a production environment: --yes alone is not enough",
            hint=f"add --confirm {env} to go ahead unattended",
        )
    if not prompt:
        raise _no_prompt_in_ci(request.question, f"--yes --confirm {env}")
    try:
        answer = typer.prompt(
            f"{request.question} Type the environment name ({env}) to confirm",
            default="",
            show_default=False,
            err=True,
        )
    except typer.Abort:
        answer = ""
    if answer.strip() != env:
        raise EventctlError(
            f"the typed name does not match {env}: nothing was changed",
            hint=f"type {env}, or pass --confirm {env}",
        )


def confirm_yes_no(question: str, *, yes: bool, prompt: bool = True) -> None:
    """Ask y/N on stderr; anything but yes changes nothing."""
    if yes:
        return
    if not prompt:
        raise _no_prompt_in_ci(question, "--yes")
    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        agreed = False
    if not agreed:
        raise EventctlError(
            "not confirmed: nothing was changed", hint="answer y, or pass --yes (for CI)"
        )


def _no_prompt_in_ci(question: str, flags: str) -> EventctlError:
    return EventctlError(
        f"CI is set, so eventctl asks nothing ({question!r}): nothing was changed",
        hint=f"pass {flags} in the job that may go ahead (for prod: the job behind the "
        "approval gate)",
    )
