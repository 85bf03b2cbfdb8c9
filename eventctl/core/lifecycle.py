"""Plan, apply, destroy, outputs and unlock of one environment, driving terraform.

The caller produces the Terraform root module (normally `render_root`), then
`open_workspace` writes the backend configuration beside it and runs `terraform init`. Plans
are always saved to a file and read back with `show -json`; `apply` applies exactly that file.
Nothing here prints: progress goes to a callback, results are returned.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventctl.adapters.aws.ecr import Ecr
from eventctl.adapters.aws.s3 import S3
from eventctl.adapters.terraform import (
    LOCKFILE_VERSION,
    Interrupted,
    LockInfo,
    StateLockedError,
    Terraform,
    TerraformError,
)
from eventctl.core import plan_file as plan_files
from eventctl.core.plan_summary import Loss, PlanSummary, destroy_losses, summarize_plan
from eventctl.core.plan_summary import with_contents as _with_contents
from eventctl.core.state_backend import Locking, StateBackend
from eventctl.errors import EventctlError
from platform_model import Platform

BACKEND_FILE = "eventctl.s3.tfbackend"
PLAN_FILE = "eventctl.tfplan"
#: Written after a successful `terraform init`: the fingerprint of what it was run for.
INIT_STAMP = ".terraform/eventctl-init.sha256"


def default_root_dir(env: str) -> Path:
    """Where an environment's Terraform root is rendered: `.eventctl/<env>/terraform`."""
    return Path(".eventctl") / env / "terraform"


def render_root(
    platform: Platform, env: str, out_dir: Path, *, terraform_bin: str | None = None
) -> Path:
    """Render the environment's Terraform root module from the model; its directory."""
    from eventctl.core.render import render_environment

    return render_environment(platform, env, out_dir, terraform_bin=terraform_bin).root


def require_aws_environment(platform: Platform, env: str) -> None:
    """Refuse environments that have no Terraform (local)."""
    if platform.environment(env).kind != "aws":
        raise EventctlError(
            f"{env} runs on this machine and has no Terraform, state or plan",
            hint="plan, apply and destroy work on the AWS environments: dev and prod",
        )


def find_terraform(
    binary: str | None,
    environ: Mapping[str, str],
    *,
    locking: Locking = "dynamodb",
    version_cache: Path | None = None,
) -> Terraform:
    """The terraform binary, checked to be new enough for the backend settings.

    With `version_cache`, the binary's version is remembered there by its path, size and
    modification time, so later runs do not start it only to ask.
    """
    terraform = Terraform(Path.cwd(), binary=binary, environ=environ)
    if version_cache is not None:
        _cached_version(terraform, version_cache)
    terraform.require()
    if locking == "lockfile":
        terraform.require(LOCKFILE_VERSION, "S3 lock files, state_locking = lockfile")
    return terraform


def _cached_version(terraform: Terraform, cache: Path) -> None:
    stat = Path(terraform.binary).stat()
    key = f"{terraform.binary}:{stat.st_size}:{stat.st_mtime_ns}"
    try:
        known = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), list) and len(known[key]) == 3:
        terraform.remember_version(tuple(int(part) for part in known[key]))  # type: ignore[arg-type]
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({key: list(terraform.version())}), encoding="utf-8")


def lock_hint(env: str) -> str:
    return (
        "wait for it with --lock-timeout (e.g. --lock-timeout 10m); if that run is gone, "
        f"release its lock: eventctl env unlock {env}"
    )


@dataclass(frozen=True)
class Workspace:
    """An initialised Terraform root for one environment."""

    env: str
    root: Path
    terraform: Terraform
    backend: StateBackend


def ensure_backend(backend: StateBackend, env: str) -> None:
    """Refuse to run when the state backend does not exist (it is never created here)."""
    missing = []
    if backend.s3.bucket_state(backend.settings.bucket) == "missing":
        missing.append(f"S3 bucket {backend.settings.bucket}")
    if (
        backend.settings.locking == "dynamodb"
        and backend.dynamodb.describe_table(backend.settings.lock_table) is None
    ):
        missing.append(f"DynamoDB table {backend.settings.lock_table}")
    if missing:
        raise EventctlError(
            f"the state backend of {env} does not exist: missing {', '.join(missing)}",
            hint=f"create it: eventctl env bootstrap {env}",
        )


def open_workspace(
    env: str,
    root: Path,
    terraform: Terraform,
    backend: StateBackend,
    *,
    before_init: Callable[[], None] | None = None,
) -> Workspace:
    """Write the backend configuration into `root` and `terraform init` it.

    `init` is skipped when the directory was initialised by eventctl with exactly these files,
    this backend, this terraform and these TF_* settings (`is_initialised`): it would find
    nothing to do, after reaching the backend for it.
    """
    root = root.resolve()
    if not root.is_dir():
        raise EventctlError(f"the Terraform root {root} does not exist")
    backend_file = root / BACKEND_FILE
    text = backend.settings.tfbackend()
    if not backend_file.is_file() or backend_file.read_text(encoding="utf-8") != text:
        backend_file.write_text(text, encoding="utf-8")
    workspace = Workspace(env, root, terraform.at(root), backend)
    if not is_initialised(root, terraform):
        if before_init is not None:
            before_init()
        workspace.terraform.init(backend_file)
        (root / INIT_STAMP).write_text(init_fingerprint(root, terraform), encoding="utf-8")
    return workspace


def is_initialised(root: Path, terraform: Terraform) -> bool:
    """Whether `root` was initialised by eventctl exactly as it is now."""
    stamp = root.resolve() / INIT_STAMP
    try:
        return stamp.read_text(encoding="utf-8") == init_fingerprint(root.resolve(), terraform)
    except OSError:
        return False


def init_fingerprint(root: Path, terraform: Terraform) -> str:
    """A digest of what `terraform init` depends on: every configuration file (modules and
    backend file included), the lock file, the binary and its version, and the TF_* settings."""
    digest = hashlib.sha256()
    version = ".".join(map(str, terraform.version()))
    digest.update(f"{terraform.binary}\0{version}\0".encode())
    for name in sorted(k for k in terraform.environ if k.startswith("TF_")):
        digest.update(f"{name}={terraform.environ[name]}\0".encode())
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if ".terraform" in relative.parts or not path.is_file():
            continue
        if path.suffix == ".tfplan" or path.name.startswith("terraform.tfstate"):
            continue
        digest.update(f"{relative.as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# -- plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """A saved plan and what it will do."""

    plan_file: Path
    has_changes: bool
    summary: PlanSummary
    document: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_file": str(self.plan_file),
            "has_changes": self.has_changes,
            **self.summary.to_dict(),
        }


def plan(
    workspace: Workspace,
    *,
    plan_file: Path | None = None,
    destroy: bool = False,
    lock_timeout: str = "0s",
) -> PlanResult:
    """`terraform plan -out`, then `show -json` of that file."""
    target = (plan_file or workspace.root / PLAN_FILE).resolve()
    try:
        has_changes = workspace.terraform.plan(target, destroy=destroy, lock_timeout=lock_timeout)
    except StateLockedError as exc:
        raise StateLockedError(exc.message, lock_hint(workspace.env), exc.lock) from None
    except Interrupted:
        raise _interrupted(workspace, "plan", "nothing was applied") from None
    # A plan file holds every planned value, secrets included: keep it private.
    os.chmod(target, 0o600)
    plan_files.stamp(target, environment=workspace.env, state=state_object(workspace))
    return read_plan(workspace, target, destroy=destroy, has_changes=has_changes)


def state_object(workspace: Workspace) -> str:
    """'bucket/key' of the environment's state: what a saved plan belongs to."""
    settings = workspace.backend.settings
    return f"{settings.bucket}/{settings.key}"


def saved_plan(workspace: Workspace, path: Path) -> PlanResult:
    """A plan saved by `plan`, checked to belong to this environment and its current state."""
    if not path.is_file():
        raise EventctlError(
            f"plan file {path} does not exist",
            hint=f"make one: eventctl env plan {workspace.env} --out FILE",
        )
    plan_files.check_plan(
        path,
        environment=workspace.env,
        state=state_object(workspace),
        current=workspace.terraform.state_pull(),
    )
    return read_plan(workspace, path)


def read_plan(
    workspace: Workspace,
    plan_file: Path,
    *,
    destroy: bool | None = None,
    has_changes: bool | None = None,
) -> PlanResult:
    """A saved plan file, read back with `terraform show -json`."""
    if not plan_file.is_file():
        raise EventctlError(
            f"plan file {plan_file} does not exist",
            hint="make one: eventctl env plan ENV --out FILE",
        )
    document = workspace.terraform.show_plan(plan_file.resolve())
    if destroy is None:
        destroy = _all_deletes(document)
    summary = summarize_plan(document, destroy=destroy)
    return PlanResult(
        plan_file=plan_file.resolve(),
        has_changes=not summary.empty if has_changes is None else has_changes,
        summary=summary,
        document=document,
    )


def _all_deletes(document: Mapping[str, Any]) -> bool:
    changes = [
        c for c in document.get("resource_changes") or [] if c.get("mode", "managed") == "managed"
    ]
    return bool(changes) and all(
        (c.get("change") or {}).get("actions") == ["delete"] for c in changes
    )


# -- apply --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyProgress:
    """Where an apply is: operations done of the total, what is in flight, time so far."""

    total: int
    done: int
    in_flight: tuple[str, ...]
    message: str
    elapsed: float
    failed: tuple[str, ...] = ()


@dataclass
class _Tracker:
    """Turns `terraform apply -json` events into ApplyProgress for a callback."""

    total: int
    on_progress: Callable[[ApplyProgress], None] | None
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    in_flight: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)

    def event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        address = str(((event.get("hook") or {}).get("resource") or {}).get("addr", ""))
        if kind == "apply_start":
            self.in_flight.append(address)
        elif kind == "apply_complete":
            self.done += 1
            self._land(address)
        elif kind == "apply_errored":
            self.failed.append(address)
            self._land(address)
        elif kind not in ("apply_progress", "provision_progress", "provision_start"):
            return
        if self.on_progress is not None:
            self.on_progress(self.snapshot(str(event.get("@message", ""))))

    def _land(self, address: str) -> None:
        if address in self.in_flight:
            self.in_flight.remove(address)

    def snapshot(self, message: str = "") -> ApplyProgress:
        return ApplyProgress(
            total=self.total,
            done=self.done,
            in_flight=tuple(self.in_flight),
            message=message,
            elapsed=time.monotonic() - self.started,
            failed=tuple(self.failed),
        )


@dataclass(frozen=True)
class ApplyResult:
    done: int
    total: int
    elapsed: float

    def to_dict(self) -> dict[str, Any]:
        return {"done": self.done, "total": self.total, "elapsed_seconds": round(self.elapsed, 1)}


def apply(
    workspace: Workspace,
    planned: PlanResult,
    *,
    lock_timeout: str = "0s",
    on_progress: Callable[[ApplyProgress], None] | None = None,
) -> ApplyResult:
    """Apply exactly the saved plan `planned` (never a fresh one)."""
    tracker = _Tracker(total=planned.summary.operations, on_progress=on_progress)
    verb = "destroy" if planned.summary.destroy else "apply"
    try:
        workspace.terraform.apply(
            planned.plan_file, lock_timeout=lock_timeout, on_event=tracker.event
        )
    except StateLockedError as exc:
        raise StateLockedError(exc.message, lock_hint(workspace.env), exc.lock) from None
    except Interrupted as exc:
        done = f"{tracker.done} of {tracker.total} changes were made"
        raise _interrupted(workspace, verb, done, exc.reported) from None
    except TerraformError as exc:
        raise TerraformError(
            f"{exc.message}\n{tracker.done} of {tracker.total} changes were made before the "
            "error; the state records them",
            hint=exc.hint or f"fix the cause, then run `eventctl env plan {workspace.env}` again",
        ) from None
    return ApplyResult(done=tracker.done, total=tracker.total, elapsed=tracker.snapshot().elapsed)


def _interrupted(workspace: Workspace, what: str, outcome: str, reported: str = "") -> Interrupted:
    """Say what the interruption left behind, the state lock included."""
    holder = workspace.backend.lock_holder()
    if holder is None:
        return Interrupted(
            f"{what} interrupted: terraform stopped cleanly and released the state lock; {outcome}",
            hint=f"run `eventctl env plan {workspace.env}` to see what is left to do",
        )
    said = f"; terraform reported: {reported}" if reported else ""
    return Interrupted(
        f"{what} interrupted: {outcome}; the state lock is still held "
        f"(id {holder.id}, {holder.who}, {holder.action}){said}",
        hint=f"if no other run is active, release it: eventctl env unlock {workspace.env}",
    )


# -- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    name: str
    type: Any
    value: Any
    sensitive: bool

    def to_dict(self, *, show_sensitive: bool = False) -> dict[str, Any]:
        hidden = self.sensitive and not show_sensitive
        return {
            "name": self.name,
            "type": self.type,
            "sensitive": self.sensitive,
            "value": None if hidden else self.value,
        }


def outputs(workspace: Workspace) -> list[Output]:
    """The root module's outputs from the state (`terraform output -json`)."""
    return [
        Output(
            name=name,
            type=raw.get("type"),
            value=raw.get("value"),
            sensitive=bool(raw.get("sensitive")),
        )
        for name, raw in sorted(workspace.terraform.output().items())
    ]


# -- destroy ------------------------------------------------------------------------------


def destroy_report(planned: PlanResult, s3: S3, ecr: Ecr) -> list[Loss]:
    """What the destroy plan loses, with the live contents of buckets and repositories."""
    losses: list[Loss] = []
    for loss in destroy_losses(planned.document):
        if loss.type == "aws_s3_bucket":
            losses.append(_bucket_contents(loss, s3))
        elif loss.type == "aws_ecr_repository":
            images = ecr.image_count(loss.name)
            losses.append(
                _with_contents(
                    loss,
                    empty=None if images is None else images == 0,
                    contents=None if not images else f"{images} images",
                )
            )
        else:
            losses.append(loss)
    return losses


def _bucket_contents(loss: Loss, s3: S3) -> Loss:
    if s3.bucket_state(loss.name) != "owned":
        return _with_contents(loss, empty=None, contents=None)
    count = s3.count_objects(loss.name)
    if count.empty:
        return _with_contents(loss, empty=True, contents=None)
    more = "+" if count.truncated else ""
    parts = [f"{count.objects}{more} objects"]
    if count.versions:
        parts.append(f"{count.versions}{more} old versions")
    return _with_contents(loss, empty=False, contents=", ".join(parts))


def refuse_unsafe_destroy(env: str, production: bool, losses: list[Loss]) -> None:
    """Stop before a destroy that would fail halfway, or lose prod data without a snapshot."""
    blocked = [f"{loss.address}: {loss.blocker}" for loss in losses if loss.blocker]
    if blocked:
        raise EventctlError(
            "the destroy would stop halfway, leaving a half-removed environment:\n  "
            + "\n  ".join(blocked),
            hint="change those settings (env up) first, or empty the buckets/repositories",
        )
    if production:
        bare = [loss.address for loss in losses if loss.snapshot is False]
        if bare:
            raise EventctlError(
                f"{env} is a production environment and these would be destroyed without a "
                "final snapshot: " + ", ".join(bare),
                hint=f"enable final snapshots for {env} (env up) before destroying it",
            )


# -- unlock -------------------------------------------------------------------------------


def unlock(workspace: Workspace, lock_id: str) -> None:
    """`terraform force-unlock` of the lock `lock_id`."""
    workspace.terraform.force_unlock(lock_id)


def current_lock(backend: StateBackend) -> LockInfo | None:
    return backend.lock_holder()
