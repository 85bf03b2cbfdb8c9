"""`eventctl env bootstrap | plan | up | down | outputs | unlock`: an environment's lifecycle.

The commands drive the real terraform binary against the S3 state backend. The Terraform root
module comes from `root_factory`, which renders it from the model; that is the one seam tests
replace (with a root of builtin `terraform_data` resources), so everything after it -- init,
plan, show, apply, destroy, output, force-unlock -- is the code operators run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from eventctl.cli._app import App, get_app
from eventctl.cli._options import EndpointOption, EnvArgument, JsonOption, YesOption
from eventctl.cli.env import app
from eventctl.cli.env_local import ServiceOption
from eventctl.errors import EventctlError

if TYPE_CHECKING:
    from eventctl.adapters.aws.clients import AwsTarget
    from eventctl.adapters.terraform import Terraform
    from eventctl.core.lifecycle import PlanResult, Workspace
    from eventctl.core.state_backend import BackendReport, Connection
    from platform_model import Platform

#: Produces the Terraform root module directory for (platform, env, out_dir, terraform_bin).
#: The default renders it from the model; tests assign a builtin-only root here.
RootFactory = Callable[["Platform", str, Path, "str | None"], Path]


def _render_root(platform: Platform, env: str, out_dir: Path, terraform_bin: str | None) -> Path:
    from eventctl.core.lifecycle import render_root

    return render_root(platform, env, out_dir, terraform_bin=terraform_bin)


root_factory: RootFactory = _render_root

FixOption = Annotated[
    bool, typer.Option("--fix", help="Fix the settings that differ from the expected ones.")
]
_DURATION = re.compile(r"(\d+(\.\d+)?(ms|s|m|h))+")


def _duration(value: str) -> str:
    if not _DURATION.fullmatch(value):
        raise typer.BadParameter(f"{value!r} is not a duration like 90s, 10m or 1h30m")
    return value


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


# -- helpers ------------------------------------------------------------------------------


def _endpoint(cli: App, endpoint_url: str | None) -> str | None:
    return endpoint_url or cli.environ.get("AWS_ENDPOINT_URL") or None


def _target(cli: App, endpoint_url: str | None) -> AwsTarget:
    from eventctl.adapters.aws.clients import AwsTarget

    return AwsTarget(region=cli.platform.region, endpoint_url=_endpoint(cli, endpoint_url))


def _connect(cli: App, env: str, endpoint_url: str | None) -> Connection:
    from eventctl.core.state_backend import connect

    target = _target(cli, endpoint_url)
    return connect(cli.platform, env, target, locking=cli.loaded.settings.state_locking)


def _terraform(cli: App, env: str, endpoint_url: str | None) -> Terraform:
    """The terraform binary (checked first: no AWS call is made without it)."""
    from eventctl.core.lifecycle import find_terraform, require_aws_environment

    require_aws_environment(cli.platform, env)
    environ = dict(cli.environ)
    endpoint = _endpoint(cli, endpoint_url)
    if endpoint:
        # The AWS provider inside the root module talks to the same endpoint.
        environ["AWS_ENDPOINT_URL"] = endpoint
    if "TF_PLUGIN_CACHE_DIR" not in environ:
        # Providers are downloaded once, not again each time a root is rendered afresh.
        cache = Path(".eventctl") / "terraform-plugins"
        cache.mkdir(parents=True, exist_ok=True)
        environ["TF_PLUGIN_CACHE_DIR"] = str(cache.resolve())
    return find_terraform(None, environ, locking=cli.loaded.settings.state_locking)


def _workspace(cli: App, env: str, connection: Connection, terraform: Terraform) -> Workspace:
    """Render the root module (through `root_factory`) and `terraform init` it."""
    from eventctl.core.lifecycle import default_root_dir, ensure_backend, open_workspace

    ensure_backend(connection.backend, env)
    root = root_factory(cli.platform, env, default_root_dir(env), terraform.binary)
    cli.err.print(f"terraform init in {root}", highlight=False)
    return open_workspace(env, root, terraform, connection.backend)


def _confirm_change(
    env: str, production: bool, question: str, *, yes: bool, confirm: str | None
) -> None:
    """y/N for dev; prod needs its name typed (or --confirm NAME: --yes alone is refused)."""
    if confirm is not None:
        if confirm != env:
            raise EventctlError(
                f"--confirm {confirm} does not match the environment {env}: nothing was changed",
                hint=f"pass --confirm {env}",
            )
        return
    if not production:
        _confirm(question, yes=yes)
        return
    if yes:
        raise EventctlError(
            f"{env} is a production environment: --yes alone is not enough",
            hint=f"add --confirm {env} to go ahead unattended",
        )
    try:
        answer = typer.prompt(
            f"{question} Type the environment name ({env}) to confirm",
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


def _confirm(question: str, *, yes: bool) -> None:
    """Ask y/N on stderr; anything but yes changes nothing."""
    if yes:
        return
    try:
        agreed = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        agreed = False
    if not agreed:
        raise EventctlError(
            "not confirmed: nothing was changed", hint="answer y, or pass --yes (for CI)"
        )


# -- bootstrap ----------------------------------------------------------------------------


@app.command("bootstrap")
def bootstrap(
    ctx: typer.Context,
    env: EnvArgument,
    fix: FixOption = False,
    check: CheckOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Create or check the Terraform state backend of ENV (S3 bucket + DynamoDB lock table).

    Bucket: versioning, default encryption, all four public-access blocks, TLS-only policy.

    Old state versions expire after 90 days. Lock table: key LockID, on-demand billing.

    Nothing is created without confirmation (--yes answers for CI).

    Settings that differ on an existing backend are reported, and fixed only with --fix.

    Example:

        eventctl env bootstrap dev --yes
    """
    cli = get_app(ctx)
    connection = _connect(cli, env, endpoint_url)
    backend = connection.backend
    cli.err.print(
        f"state backend of {env}: account {connection.identity.account}, "
        f"region {backend.settings.region}",
        highlight=False,
    )
    report = backend.inspect()
    created: list[str] = []
    fixed: list[str] = []
    if report.missing and not check:
        _confirm(f"Create {' and '.join(report.missing)}?", yes=yes)
        created = backend.create_missing(report)
        report = backend.inspect()
    if report.drift and fix and not check:
        fixed = backend.fix(report)
        report = backend.inspect()
    for line in [*created, *fixed]:
        cli.err.print(line, highlight=False)
    if json_output:
        cli.print_json(
            {
                "environment": env,
                "account": connection.identity.account,
                **report.to_dict(),
                "created": created,
                "fixed": fixed,
            }
        )
    else:
        _print_backend_report(cli, report)
    _raise_unless_healthy(report, check=check)


def _print_backend_report(cli: App, report: BackendReport) -> None:
    from rich.table import Table

    s = report.settings
    locking = f"DynamoDB table {s.lock_table}" if s.locking == "dynamodb" else "S3 lock files"
    cli.out.print(f"state: s3://{s.bucket}/{s.key}, locking: {locking}", highlight=False)
    for resource in dict.fromkeys(c.resource for c in report.checks):
        cli.out.print(resource, highlight=False)
        table = Table("", "setting", "actual", "expected", box=None, pad_edge=False)
        for c in report.checks:
            if c.resource == resource:
                table.add_row("  ok" if c.ok else "  DIFFERS", c.setting, c.actual, c.expected)
        cli.out.print(table)
    for missing in report.missing:
        cli.out.print(f"missing: {missing}", highlight=False)


def _raise_unless_healthy(report: BackendReport, *, check: bool) -> None:
    if report.missing:
        raise EventctlError(
            f"the state backend is incomplete: missing {', '.join(report.missing)}",
            hint="run without --check to create it" if check else None,
        )
    if report.drift:
        unfixable = [c for c in report.drift if not c.fixable]
        names = ", ".join(f"{c.resource} {c.setting}" for c in report.drift)
        hint = "run again with --fix to fix them"
        if unfixable:
            hint = (
                "eventctl cannot fix "
                + ", ".join(f"{c.resource} {c.setting}" for c in unfixable)
                + ": recreate it by hand"
            )
        raise EventctlError(f"{len(report.drift)} setting(s) differ: {names}", hint=hint)


# -- plan ---------------------------------------------------------------------------------


def _plan_view(env: str, planned: PlanResult) -> dict[str, object]:
    return {"environment": env, **planned.to_dict()}


@app.command("plan")
def plan(
    ctx: typer.Context,
    env: EnvArgument,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Save the plan here (for `env up --plan`).", dir_okay=False),
    ] = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Plan ENV: render, terraform init with the state backend, plan -out, summarise.

    The summary is read from `terraform show -json` of the saved plan, never from its text.

    It counts changes by module and resource type, and calls out drift (changes made outside).

    Exit code: 0 when there is nothing to change, 2 when there are changes, 1 on error.

    Example:

        eventctl env plan dev --out dev.tfplan --json
    """
    from eventctl.core import lifecycle

    cli = get_app(ctx)
    terraform = _terraform(cli, env, endpoint_url)
    connection = _connect(cli, env, endpoint_url)
    workspace = _workspace(cli, env, connection, terraform)
    planned = lifecycle.plan(workspace, plan_file=out, lock_timeout=lock_timeout)
    if json_output:
        cli.print_json(_plan_view(env, planned))
    else:
        from eventctl.cli._lifecycle_render import render_plan

        render_plan(cli.out, env, planned)
        if out is not None:
            cli.err.print(f"plan saved to {planned.plan_file}", highlight=False)
    if planned.has_changes:
        raise typer.Exit(2)


# -- up -----------------------------------------------------------------------------------


@app.command("up")
def up(
    ctx: typer.Context,
    env: Annotated[
        str, typer.Argument(help="Environment: local (the default), dev or prod.")
    ] = "local",
    yes: YesOption = False,
    confirm: ConfirmOption = None,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan", help="Apply this saved plan (from `env plan --out`).", dir_okay=False
        ),
    ] = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
    services: ServiceOption = None,
) -> None:
    """Bring ENV up: local (the default) runs here; dev/prod apply a reviewed plan.

    local: the whole platform on this machine, in the background (see docs/local.md).

    That is an AWS emulator with the model's queues, topics, bucket and log groups, the
    services, and a gateway serving the web app and /api/*.

    dev/prod: check the state backend, plan, confirm (dev: y/N; prod: type the name).

    Then apply exactly the saved plan file, with progress, store the token signing key if its
    secret is still empty, and print the outputs.

    prod runs unattended only with --yes --confirm prod.

    Example:

        eventctl env up

        eventctl env up dev --yes
    """
    from eventctl.core import lifecycle

    cli = get_app(ctx)
    profile = cli.platform.environment(env)
    if profile.kind == "local":
        from eventctl.cli.env_local import up_local

        aws_only = {"--plan": plan_file, "--confirm": confirm, "--endpoint-url": endpoint_url}
        given = [flag for flag, value in aws_only.items() if value is not None]
        if given:
            raise EventctlError(
                f"{', '.join(given)}: only for the AWS environments, not {env}",
                hint=f"drop {', '.join(given)}",
            )
        up_local(cli, env, services, json_output=json_output)
        return
    if services:
        raise EventctlError(
            "--service chooses the services of the local environment only",
            hint=f"drop --service: {env} runs every service",
        )
    terraform = _terraform(cli, env, endpoint_url)
    connection = _connect(cli, env, endpoint_url)
    _bootstrap_check(cli, env, connection, yes=yes)
    workspace = _workspace(cli, env, connection, terraform)
    if plan_file is not None:
        planned = lifecycle.read_plan(workspace, plan_file)
    else:
        planned = lifecycle.plan(workspace, lock_timeout=lock_timeout)
    if not json_output:
        from eventctl.cli._lifecycle_render import render_plan

        render_plan(cli.out, env, planned)
    applied = None
    if planned.has_changes:
        _confirm_change(
            env,
            profile.production or profile.manual_approval,
            f"Apply this plan to {env}?",
            yes=yes,
            confirm=confirm,
        )
        applied = _apply(cli, workspace, planned, lock_timeout, "apply")
    _ensure_signing_key(cli, env, endpoint_url)
    _finish(cli, workspace, planned, applied, json_output=json_output)


def _ensure_signing_key(cli: App, env: str, endpoint_url: str | None) -> None:
    """The Terraform leaves the token signing key's secret empty; fill it once."""
    from eventctl.adapters.aws.secretsmanager import SecretsManager
    from eventctl.core.signing_key import ensure_signing_key

    store = SecretsManager(_target(cli, endpoint_url).client("secretsmanager"))
    result = ensure_signing_key(store, cli.platform, env)
    if result.created:
        cli.err.print(f"stored a new token signing key in {result.secret}", highlight=False)


def _bootstrap_check(cli: App, env: str, connection: Connection, *, yes: bool) -> None:
    """Create a missing backend (after asking); warn about drift, which only bootstrap fixes."""
    backend = connection.backend
    report = backend.inspect()
    if report.missing:
        _confirm(f"The state backend is missing. Create {' and '.join(report.missing)}?", yes=yes)
        for line in backend.create_missing(report):
            cli.err.print(line, highlight=False)
        report = backend.inspect()
    for check in report.drift:
        cli.err.print(
            f"warning: state {check.resource}: {check.setting} is {check.actual}, expected "
            f"{check.expected} (fix: eventctl env bootstrap {env} --fix)",
            highlight=False,
            markup=False,
        )


def _apply(
    cli: App, workspace: Workspace, planned: PlanResult, lock_timeout: str, verb: str
) -> dict[str, object]:
    from eventctl.cli._lifecycle_render import ApplyDisplay
    from eventctl.core import lifecycle

    with ApplyDisplay(cli.err, verb) as display:
        result = lifecycle.apply(
            workspace, planned, lock_timeout=lock_timeout, on_progress=display.update
        )
    cli.err.print(
        f"{verb} complete: {result.done} of {result.total} changes in {result.elapsed:.0f}s",
        highlight=False,
    )
    return result.to_dict()


def _finish(
    cli: App,
    workspace: Workspace,
    planned: PlanResult,
    applied: dict[str, object] | None,
    *,
    json_output: bool,
) -> None:
    from eventctl.cli._lifecycle_render import as_json_outputs, render_outputs
    from eventctl.core import lifecycle

    outputs = lifecycle.outputs(workspace)
    if json_output:
        cli.print_json(
            {
                **_plan_view(workspace.env, planned),
                "applied": applied,
                "outputs": as_json_outputs(outputs, show_sensitive=False),
            }
        )
        return
    render_outputs(cli.out, outputs, show_sensitive=False)


# -- down ---------------------------------------------------------------------------------


@app.command("down")
def down(
    ctx: typer.Context,
    env: EnvArgument,
    yes: YesOption = False,
    confirm: ConfirmOption = None,
    lock_timeout: LockTimeoutOption = "0s",
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Destroy ENV: plan a destroy, list what will be lost, confirm, apply that plan.

    local: stop everything `env up` started (by PID, only processes it started).

    Lists databases and clusters (final snapshot or not), buckets and repositories (contents).

    A destroy that would stop halfway (deletion protection, a full bucket) is refused.

    So is a prod destroy that would skip a final snapshot.

    prod requires its name typed (or --confirm prod).

    Example:

        eventctl env down dev
    """
    from eventctl.adapters.aws.ecr import Ecr
    from eventctl.core import lifecycle

    cli = get_app(ctx)
    profile = cli.platform.environment(env)
    if profile.kind == "local":
        from eventctl.cli.env_local import down_local

        down_local(cli, env, json_output=json_output)
        return
    terraform = _terraform(cli, env, endpoint_url)
    connection = _connect(cli, env, endpoint_url)
    workspace = _workspace(cli, env, connection, terraform)
    planned = lifecycle.plan(
        workspace,
        plan_file=workspace.root / "eventctl-destroy.tfplan",
        destroy=True,
        lock_timeout=lock_timeout,
    )
    losses = lifecycle.destroy_report(
        planned, connection.backend.s3, Ecr(_target(cli, endpoint_url).client("ecr"))
    )
    if not json_output:
        from eventctl.cli._lifecycle_render import render_losses, render_plan

        render_plan(cli.out, env, planned)
        if planned.has_changes:
            render_losses(cli.out, losses)
    view = {**_plan_view(env, planned), "losses": [loss.to_dict() for loss in losses]}
    if not planned.has_changes:
        if json_output:
            cli.print_json({**view, "applied": None})
        return
    lifecycle.refuse_unsafe_destroy(env, profile.production, losses)
    _confirm_change(
        env,
        profile.production or profile.manual_approval,
        f"Destroy {env}?",
        yes=yes,
        confirm=confirm,
    )
    applied = _apply(cli, workspace, planned, lock_timeout, "destroy")
    if json_output:
        cli.print_json({**view, "applied": applied})


# -- outputs ------------------------------------------------------------------------------


@app.command("outputs")
def outputs(
    ctx: typer.Context,
    env: EnvArgument,
    show_sensitive: Annotated[
        bool, typer.Option("--show-sensitive", help="Print sensitive values too.")
    ] = False,
    json_output: JsonOption = False,
    endpoint_url: EndpointOption = None,
) -> None:
    """Show ENV's Terraform outputs (from the state). Sensitive values stay hidden.

    Example:

        eventctl env outputs dev --json
    """
    from eventctl.cli._lifecycle_render import as_json_outputs, render_outputs
    from eventctl.core import lifecycle

    cli = get_app(ctx)
    terraform = _terraform(cli, env, endpoint_url)
    connection = _connect(cli, env, endpoint_url)
    workspace = _workspace(cli, env, connection, terraform)
    found = lifecycle.outputs(workspace)
    if json_output:
        cli.print_json(as_json_outputs(found, show_sensitive=show_sensitive))
    else:
        render_outputs(cli.out, found, show_sensitive=show_sensitive)


# -- unlock -------------------------------------------------------------------------------


@app.command("unlock")
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
    from eventctl.cli._lifecycle_render import describe_lock
    from eventctl.core import lifecycle

    cli = get_app(ctx)
    profile = cli.platform.environment(env)
    terraform = _terraform(cli, env, endpoint_url)
    connection = _connect(cli, env, endpoint_url)
    lifecycle.ensure_backend(connection.backend, env)
    holder = lifecycle.current_lock(connection.backend)
    if holder is None:
        if json_output:
            cli.print_json({"environment": env, "lock": None, "released": False})
        else:
            cli.out.print(f"the state of {env} is not locked", highlight=False)
        return
    if not json_output:
        cli.out.print(f"the state of {env} is locked:", highlight=False)
        for label, value in describe_lock(holder):
            cli.out.print(f"  {label:10} {value}", highlight=False, markup=False)
    if lock_id is not None and lock_id != holder.id:
        raise EventctlError(
            f"the lock is now held under id {holder.id}, not {lock_id}: nothing was changed",
            hint="someone else took the lock since; check who before releasing it",
        )
    _confirm_change(
        env,
        profile.production,
        "Release this lock? Only do so if that run is gone.",
        yes=yes,
        confirm=confirm,
    )
    workspace = _workspace(cli, env, connection, terraform)
    lifecycle.unlock(workspace, holder.id)
    if json_output:
        cli.print_json({"environment": env, "lock": holder.to_dict(), "released": True})
    else:
        cli.err.print(f"released the lock {holder.id} held by {holder.who}", highlight=False)
