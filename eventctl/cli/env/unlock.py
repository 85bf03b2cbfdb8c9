"""`eventctl env unlock`: show who holds an environment's state lock, and release it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption, YesOption
from eventctl.cli.env._shared import CliEvents, ConfirmOption, target

if TYPE_CHECKING:
    from eventctl.adapters.terraform import LockInfo


@dataclass
class _UnlockEvents(CliEvents):
    def lock_found(self, holder: LockInfo) -> None:
        if not self.show_plan:
            return
        from eventctl.cli._render_lifecycle import describe_lock

        self.cli.out.print(f"the state of {self.env} is locked:", highlight=False)
        for label, value in describe_lock(holder):
            self.cli.out.print(f"  {label:10} {value}", highlight=False, markup=False)


def unlock(
    ctx: typer.Context,
    env: EnvArgument,
    lock_id: Annotated[
        str | None,
        typer.Option(
            "--lock-id", help="Release only if the lock still has this id.", show_default=False
        ),
    ] = None,
    yes: YesOption = False,
    confirm: ConfirmOption = None,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Show who holds ENV's state lock (who, operation, since when) and release it.

    Release a lock only when the run that took it is gone (a killed CI job, a crashed laptop).

    The holder is shown and confirmation asked first (prod: type the name).

    Example:

        eventctl env unlock dev
    """
    from eventctl.core import env_lifecycle

    cli = get_app(ctx)
    events = _UnlockEvents(cli, env, yes=yes, confirm_name=confirm, show_plan=not json_output)
    options = env_lifecycle.UnlockOptions(lock_id=lock_id)
    result = env_lifecycle.unlock(target(cli, env, endpoint_url), options, events)
    if json_output:
        cli.print_json(result.to_dict(env))
    elif result.holder is None:
        cli.out.print(f"the state of {env} is not locked", highlight=False)
    else:
        holder = result.holder
        cli.err.print(f"released the lock {holder.id} held by {holder.who}", highlight=False)
