"""`eventctl deploy`: ship the services to ECS and the web app to S3 + CloudFront."""

from __future__ import annotations

import typer

from eventctl.cli.deploy import all as all_command
from eventctl.cli.deploy import frontend, history, rollback, service

app = typer.Typer(
    help="Deploy: releases of the services to ECS (ledger, automatic rollback) and the web "
    "app to S3 + CloudFront.",
    no_args_is_help=True,
)
app.command("service")(service.service)
app.command("all")(all_command.deploy_all)
app.command("history")(history.history)
app.command("rollback")(rollback.rollback)
app.command("frontend")(frontend.frontend)
