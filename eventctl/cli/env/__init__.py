"""`eventctl env`: the environments and their lifecycle, one module per subcommand.

Every subcommand is registered here, explicitly; the modules themselves only define a
function. Shared options, the AWS target and the confirmation rules live in `_shared`, the
root-module seam in `_root`, the local environment's side in `_local`.
"""

from __future__ import annotations

import typer

from eventctl.cli.env import bootstrap, down, outputs, plan, ps, render, show, unlock, up
from eventctl.cli.env import list as list_command

app = typer.Typer(
    help="Environments: list them, show one resolved with your settings.",
    no_args_is_help=True,
)

app.command("list")(list_command.list_)
app.command("show")(show.show)
app.command("ps")(ps.ps)
app.command("bootstrap")(bootstrap.bootstrap)
app.command("plan")(plan.plan)
app.command("up")(up.up)
app.command("down")(down.down)
app.command("outputs")(outputs.outputs)
app.command("unlock")(unlock.unlock)
app.command("render")(render.render)
