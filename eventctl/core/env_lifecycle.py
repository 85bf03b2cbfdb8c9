"""The use cases of an AWS environment's lifecycle: plan, up, down, outputs, unlock.

One function per use case, in the shape of ecspresso's `app.Deploy(ctx, opt)`: the command
builds a `Target` (where: the model, the environment, AWS, terraform's environment) and an
options value (what), hands them to one function here with an `Events` object, and renders
what comes back. `Events` is how a use case talks to whoever runs it without printing:
messages, the plan to show before asking, the confirmation itself (a prompt at a terminal,
flags in CI), and a progress sink while terraform applies.

The Terraform root module comes from `Target.root_factory` (by default rendered from the
model); everything after it -- init, plan, show, apply, destroy, output, force-unlock -- is
`core.lifecycle` driving the real binary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from eventctl.core import lifecycle
from eventctl.core.lifecycle import ApplyProgress, ApplyResult, Output, PlanResult, Workspace
from eventctl.core.plan_summary import Loss
from eventctl.errors import EventctlError

if TYPE_CHECKING:
    from eventctl.adapters.aws.clients import AwsTarget
    from eventctl.adapters.terraform import LockInfo, Terraform
    from eventctl.core.state_backend import Connection, Locking
    from platform_model import Platform

#: Produces the Terraform root module directory for (platform, env, out_dir, terraform_bin).
RootFactory = Callable[["Platform", str, Path, "str | None"], Path]


def render_root(platform: Platform, env: str, out_dir: Path, terraform_bin: str | None) -> Path:
    """The default root factory: the environment rendered from the model."""
    return lifecycle.render_root(platform, env, out_dir, terraform_bin=terraform_bin)


@dataclass(frozen=True)
class Target:
    """Where a lifecycle run goes: one AWS environment of the model, reached through `aws`.

    `environ` is the environment terraform runs with (credentials, proxies, TF_* settings);
    nothing here reads the process environment itself.
    """

    platform: Platform
    env: str
    aws: AwsTarget
    environ: Mapping[str, str]
    locking: Locking = "dynamodb"
    root_factory: RootFactory = render_root
    workdir: Path = Path(".eventctl")

    @property
    def root_dir(self) -> Path:
        return self.workdir / self.env / "terraform"


@dataclass(frozen=True)
class Confirmation:
    """A question the run needs answered before it changes anything.

    `change` marks a change to the environment itself (apply, destroy, unlock), which a
    production environment confirms by its name; other questions are a plain yes/no.
    """

    question: str
    env: str
    production: bool = False
    change: bool = True


class Events(Protocol):
    """What a use case tells its caller, and asks of it, while it runs."""

    def message(self, text: str) -> None:
        """A line of progress or a warning (stderr at a terminal)."""

    def plan_ready(self, planned: PlanResult, losses: list[Loss] | None) -> None:
        """The plan (and, for a destroy, what it loses), before anything is asked."""

    def confirm(self, request: Confirmation) -> None:
        """Return to go ahead; raise EventctlError to stop with nothing changed."""

    def applying(self, verb: str) -> AbstractContextManager[Callable[[ApplyProgress], None]]:
        """A progress sink for the length of an apply or destroy."""


# -- shared steps ---------------------------------------------------------------------------


def terraform_for(target: Target) -> Terraform:
    """The terraform binary (checked first: no AWS call is made without it)."""
    lifecycle.require_aws_environment(target.platform, target.env)
    environ = dict(target.environ)
    if target.aws.endpoint_url:
        # The AWS provider inside the root module talks to the same endpoint.
        environ["AWS_ENDPOINT_URL"] = target.aws.endpoint_url
    if "TF_PLUGIN_CACHE_DIR" not in environ:
        # Providers are downloaded once, not again each time a root is rendered afresh.
        cache = target.workdir / "terraform-plugins"
        cache.mkdir(parents=True, exist_ok=True)
        environ["TF_PLUGIN_CACHE_DIR"] = str(cache.resolve())
    return lifecycle.find_terraform(
        None,
        environ,
        locking=target.locking,
        version_cache=target.workdir / "terraform-version.json",
    )


def connect(target: Target) -> Connection:
    """STS (the credentials work, the account is the configured one) and the state backend.

    The backend's S3 and DynamoDB clients are made on their first call: a plan of an
    initialised workspace never needs them, and loading their API models is most of what an
    AWS client costs to make.
    """
    from eventctl.core.state_backend import connect as connect_backend

    lazy = cast("AwsTarget", _LazyClients(target.aws))
    return connect_backend(target.platform, target.env, lazy, locking=target.locking)


class _LazyClients:
    """An AwsTarget whose clients are made when first used (STS at once: it is called now)."""

    def __init__(self, target: AwsTarget) -> None:
        self._target = target
        self.region = target.region
        self.endpoint_url = target.endpoint_url

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def client(self, service: str, **options: Any) -> Any:
        if service == "sts":
            return self._target.client(service, **options)
        return _LazyClient(lambda: self._target.client(service, **options))


class _LazyClient:
    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = self._make()
        return getattr(self._client, name)


def open_workspace(
    target: Target, connection: Connection, terraform: Terraform, events: Events
) -> Workspace:
    """Render the root module (through `target.root_factory`) and `terraform init` it.

    A directory already initialised for exactly this root and backend is not initialised
    again, and the backend is not checked again either: terraform reaches it at once.
    """
    root = target.root_factory(target.platform, target.env, target.root_dir, terraform.binary)

    def before_init() -> None:
        lifecycle.ensure_backend(connection.backend, target.env)
        events.message(f"terraform init in {root}")

    return lifecycle.open_workspace(
        target.env, root, terraform, connection.backend, before_init=before_init
    )


def _manual_approval(target: Target) -> bool:
    profile = target.platform.environment(target.env)
    return profile.production or profile.manual_approval


def _apply(
    workspace: Workspace, planned: PlanResult, lock_timeout: str, verb: str, events: Events
) -> ApplyResult:
    with events.applying(verb) as on_progress:
        result = lifecycle.apply(
            workspace, planned, lock_timeout=lock_timeout, on_progress=on_progress
        )
    events.message(
        f"{verb} complete: {result.done} of {result.total} changes in {result.elapsed:.0f}s"
    )
    return result


# -- plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanOptions:
    out: Path | None = None
    lock_timeout: str = "0s"
    #: Also write the whole plan as terraform shows it (for a CI artifact).
    text_out: Path | None = None


def plan(target: Target, options: PlanOptions, events: Events) -> PlanResult:
    """Render, init with the state backend, `plan -out`, and summarise the saved plan."""
    terraform = terraform_for(target)
    connection = connect(target)
    workspace = open_workspace(target, connection, terraform, events)
    planned = lifecycle.plan(workspace, plan_file=options.out, lock_timeout=options.lock_timeout)
    if options.text_out is not None:
        options.text_out.write_text(
            workspace.terraform.show_plan_text(planned.plan_file), encoding="utf-8"
        )
    return planned


# -- up -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpOptions:
    plan_file: Path | None = None
    lock_timeout: str = "0s"


@dataclass(frozen=True)
class UpResult:
    planned: PlanResult
    applied: ApplyResult | None
    outputs: list[Output]


def up(target: Target, options: UpOptions, events: Events) -> UpResult:
    """Check the backend, plan (or read the saved plan), confirm, apply exactly that plan.

    Then store the token signing key if its secret is still empty, and read the outputs.
    """
    terraform = terraform_for(target)
    connection = connect(target)
    _bootstrap_check(target, connection, events)
    workspace = open_workspace(target, connection, terraform, events)
    if options.plan_file is not None:
        planned = lifecycle.saved_plan(workspace, options.plan_file)
    else:
        planned = lifecycle.plan(workspace, lock_timeout=options.lock_timeout)
    events.plan_ready(planned, None)
    applied = None
    if planned.has_changes:
        events.confirm(
            Confirmation(f"Apply this plan to {target.env}?", target.env, _manual_approval(target))
        )
        applied = _apply(workspace, planned, options.lock_timeout, "apply", events)
    _ensure_signing_key(target, events)
    return UpResult(planned, applied, lifecycle.outputs(workspace))


def _bootstrap_check(target: Target, connection: Connection, events: Events) -> None:
    """Create a missing backend (after asking); warn about drift, which only bootstrap fixes."""
    backend = connection.backend
    report = backend.inspect()
    if report.missing:
        events.confirm(
            Confirmation(
                f"The state backend is missing. Create {' and '.join(report.missing)}?",
                target.env,
                change=False,
            )
        )
        for line in backend.create_missing(report):
            events.message(line)
        report = backend.inspect()
    for check in report.drift:
        events.message(
            f"warning: state {check.resource}: {check.setting} is {check.actual}, expected "
            f"{check.expected} (fix: eventctl env bootstrap {target.env} --fix)"
        )


def _ensure_signing_key(target: Target, events: Events) -> None:
    """The Terraform leaves the token signing key's secret empty; fill it once."""
    from eventctl.adapters.aws.secretsmanager import SecretsManager
    from eventctl.core.signing_key import ensure_signing_key

    store = SecretsManager(target.aws.client("secretsmanager"))
    result = ensure_signing_key(store, target.platform, target.env)
    if result.created:
        events.message(f"stored a new token signing key in {result.secret}")


# -- down -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownOptions:
    lock_timeout: str = "0s"


@dataclass(frozen=True)
class DownResult:
    planned: PlanResult
    losses: list[Loss] = field(default_factory=list)
    applied: ApplyResult | None = None


def down(target: Target, options: DownOptions, events: Events) -> DownResult:
    """Plan a destroy, report what it loses, refuse an unsafe one, confirm, apply that plan."""
    from eventctl.adapters.aws.ecr import Ecr

    terraform = terraform_for(target)
    connection = connect(target)
    workspace = open_workspace(target, connection, terraform, events)
    planned = lifecycle.plan(
        workspace,
        plan_file=workspace.root / "eventctl-destroy.tfplan",
        destroy=True,
        lock_timeout=options.lock_timeout,
    )
    losses = lifecycle.destroy_report(planned, connection.backend.s3, Ecr(target.aws.client("ecr")))
    events.plan_ready(planned, losses)
    if not planned.has_changes:
        return DownResult(planned, losses)
    profile = target.platform.environment(target.env)
    lifecycle.refuse_unsafe_destroy(target.env, profile.production, losses)
    events.confirm(Confirmation(f"Destroy {target.env}?", target.env, _manual_approval(target)))
    applied = _apply(workspace, planned, options.lock_timeout, "destroy", events)
    return DownResult(planned, losses, applied)


# -- outputs, unlock ------------------------------------------------------------------------


def outputs(target: Target, events: Events) -> list[Output]:
    """The root module's outputs, from the state."""
    terraform = terraform_for(target)
    connection = connect(target)
    return lifecycle.outputs(open_workspace(target, connection, terraform, events))


@dataclass(frozen=True)
class UnlockOptions:
    lock_id: str | None = None


@dataclass(frozen=True)
class UnlockResult:
    holder: LockInfo | None
    released: bool

    def to_dict(self, env: str) -> dict[str, Any]:
        lock = self.holder.to_dict() if self.holder else None
        return {"environment": env, "lock": lock, "released": self.released}


class LockEvents(Events, Protocol):
    def lock_found(self, holder: LockInfo) -> None:
        """Who holds the lock, shown before anything is asked."""


def unlock(target: Target, options: UnlockOptions, events: LockEvents) -> UnlockResult:
    """Show who holds the state lock and release it (after confirmation)."""
    terraform = terraform_for(target)
    connection = connect(target)
    lifecycle.ensure_backend(connection.backend, target.env)
    holder = lifecycle.current_lock(connection.backend)
    if holder is None:
        return UnlockResult(None, released=False)
    events.lock_found(holder)
    if options.lock_id is not None and options.lock_id != holder.id:
        raise EventctlError(
            f"the lock is now held under id {holder.id}, not {options.lock_id}: "
            "nothing was changed",
            hint="someone else took the lock since; check who before releasing it",
        )
    production = target.platform.environment(target.env).production
    events.confirm(
        Confirmation("Release this lock? Only do so if that run is gone.", target.env, production)
    )
    workspace = open_workspace(target, connection, terraform, events)
    lifecycle.unlock(workspace, holder.id)
    return UnlockResult(holder, released=True)
