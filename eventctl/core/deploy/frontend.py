"""The web app to S3 and CloudFront: upload what changed, index.html last, remove what is
stale, invalidate what changed and wait for it.

The built app lives in `frontend_dist/<frontend_prefix>/` (`event-planner/browser/`) and each
file goes to the same relative key in the assets bucket, which the distribution serves from
its origin path. Headers come from `core.web_assets`, the rule the local gateway uses too.

The order keeps every visitor on a working app: hashed files first (new names nobody loads
yet), the rest next, `index.html` last (it names the new files), stale files removed only
after, then the CloudFront invalidation of the paths whose content changed or went away.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from eventctl.core import web_assets
from eventctl.errors import EventctlError
from platform_model import Platform

INVALIDATION_POLL_SECONDS = 5.0
MAX_INVALIDATION_PATHS = 100
"""beyond this many paths one wildcard is cheaper (CloudFront bills paths beyond 1000 a month)"""


class AssetStore(Protocol):
    """What the deploy needs from S3 (`adapters.aws.s3.S3Objects`)."""

    def bucket_exists(self, bucket: str) -> bool: ...

    def list_objects(self, bucket: str, prefix: str) -> list[Any]: ...

    def head(self, bucket: str, key: str) -> dict[str, Any]: ...

    def put(
        self, bucket: str, key: str, body: bytes, *, content_type: str, cache_control: str
    ) -> None: ...

    def delete(self, bucket: str, keys: list[str]) -> None: ...


class Cdn(Protocol):
    """What the deploy needs from CloudFront (`adapters.aws.cloudfront.CloudFront`)."""

    def distribution_ids(self) -> list[str]: ...

    def distribution(self, distribution_id: str) -> Any: ...

    def invalidate(self, distribution_id: str, paths: list[str], reference: str) -> str: ...

    def invalidation_done(self, distribution_id: str, invalidation_id: str) -> bool: ...


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str
    reason: str
    """'new', 'changed' or 'headers' (same bytes, other Content-Type/Cache-Control)"""


@dataclass
class FrontendPlan:
    """What a frontend deploy will do; `deploy frontend --dry-run` shows it."""

    env: str
    bucket: str
    distribution_id: str
    prefix: str
    uploads: list[Upload]
    deletions: list[str]
    unchanged: int
    invalidation_paths: list[str]
    invalidation_id: str | None = None
    waited_seconds: float = 0.0
    done: list[str] = field(default_factory=list)
    """the steps carried out, in order: 'upload KEY', 'delete KEY', 'invalidate ID'"""

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "bucket": self.bucket,
            "distribution": self.distribution_id,
            "prefix": self.prefix,
            "uploads": [
                {
                    "key": u.key,
                    "reason": u.reason,
                    "content_type": u.content_type,
                    "cache_control": u.cache_control,
                }
                for u in self.uploads
            ],
            "deletions": self.deletions,
            "unchanged": self.unchanged,
            "invalidation_paths": self.invalidation_paths,
            "invalidation": self.invalidation_id,
        }


def plan_frontend(
    platform: Platform,
    env: str,
    source: Path,
    *,
    store: AssetStore,
    cdn: Cdn,
    distribution_id: str | None = None,
) -> FrontendPlan:
    """Compare the built app with the bucket; read only."""
    from eventctl.core.deploy.start import aws_environment

    names = platform.names(aws_environment(platform, env, frontend=True))
    prefix = platform.frontend_prefix
    files = _built_files(source, prefix)
    bucket = names.assets_bucket
    if not store.bucket_exists(bucket):
        raise EventctlError(
            f"the assets bucket {bucket} does not exist: the {env} environment is not deployed",
            hint=f"create it with `eventctl env up {env}`",
        )
    distribution, origin_path = _distribution(cdn, bucket, names.web_host, distribution_id, env)
    stored = {o.key: o.etag for o in store.list_objects(bucket, prefix + "/")}
    uploads: list[Upload] = []
    unchanged = 0
    for key, path in files.items():
        upload = _upload(store, bucket, key, path, stored.get(key))
        if upload is None:
            unchanged += 1
        else:
            uploads.append(upload)
    deletions = sorted(set(stored) - set(files))
    changed = [u.key for u in uploads if u.reason != "new"] + deletions
    if any(PurePosixPath(u.key).name == web_assets.INDEX for u in uploads):
        changed.append(f"{prefix}/{web_assets.INDEX}")
    return FrontendPlan(
        env=env,
        bucket=bucket,
        distribution_id=distribution,
        prefix=prefix,
        uploads=sorted(uploads, key=_upload_order),
        deletions=deletions,
        unchanged=unchanged,
        invalidation_paths=_paths(changed, origin_path),
    )


def apply_frontend(
    plan: FrontendPlan,
    *,
    store: AssetStore,
    cdn: Cdn,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_step: Callable[[str], None] | None = None,
) -> FrontendPlan:
    """Carry `plan` out in its order and wait for the invalidation; `plan`, with `done`."""

    def step(message: str) -> None:
        plan.done.append(message)
        if on_step is not None:
            on_step(message)

    for upload in plan.uploads:
        store.put(
            plan.bucket,
            upload.key,
            upload.path.read_bytes(),
            content_type=upload.content_type,
            cache_control=upload.cache_control,
        )
        step(f"upload {upload.key}")
    if plan.deletions:
        store.delete(plan.bucket, plan.deletions)
        for key in plan.deletions:
            step(f"delete {key}")
    if not plan.invalidation_paths:
        return plan
    plan.invalidation_id = cdn.invalidate(
        plan.distribution_id, plan.invalidation_paths, f"eventctl-{uuid.uuid4()}"
    )
    step(f"invalidate {plan.invalidation_id}")
    started = clock()
    while not cdn.invalidation_done(plan.distribution_id, plan.invalidation_id):
        plan.waited_seconds = clock() - started
        if plan.waited_seconds >= timeout:
            raise EventctlError(
                f"the CloudFront invalidation {plan.invalidation_id} is still in progress "
                f"after {timeout:g}s (the files are uploaded)",
                hint="it finishes by itself; check it with `aws cloudfront get-invalidation "
                f"--distribution-id {plan.distribution_id} --id {plan.invalidation_id}`",
            )
        sleep(min(INVALIDATION_POLL_SECONDS, max(0.0, timeout - plan.waited_seconds)))
    plan.waited_seconds = clock() - started
    step(f"invalidation {plan.invalidation_id} completed")
    return plan


def _built_files(source: Path, prefix: str) -> dict[str, Path]:
    """{key: path} of every file of the built app, keys in S3's order."""
    root = source / prefix
    hint = "build the web app first (its output goes to frontend_dist/" + prefix + "/)"
    if not root.is_dir():
        raise EventctlError(f"{root} does not exist: there is no built web app to deploy", hint)
    files = {
        f"{prefix}/{path.relative_to(root).as_posix()}": path
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    if not files:
        raise EventctlError(f"{root} is empty: there is no built web app to deploy", hint)
    if f"{prefix}/{web_assets.INDEX}" not in files:
        raise EventctlError(f"{root} has no {web_assets.INDEX}: the build is incomplete", hint)
    return dict(sorted(files.items()))


def _upload(
    store: AssetStore, bucket: str, key: str, path: Path, etag: str | None
) -> Upload | None:
    relative = key.split("/", 1)[-1]
    kind = web_assets.content_type(relative)
    cache = web_assets.cache_control(relative)
    if etag is None:
        return Upload(key, path, kind, cache, "new")
    if hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest() != etag:
        return Upload(key, path, kind, cache, "changed")
    head = store.head(bucket, key)
    if head.get("ContentType") != kind or head.get("CacheControl") != cache:
        return Upload(key, path, kind, cache, "headers")
    return None


def _upload_order(upload: Upload) -> tuple[int, str]:
    """Hashed files, then the others, then index.html files."""
    if PurePosixPath(upload.key).name == web_assets.INDEX:
        return (2, upload.key)
    return (0 if web_assets.is_fingerprinted(upload.key) else 1, upload.key)


def _distribution(
    cdn: Cdn, bucket: str, web_host: str, given: str | None, env: str
) -> tuple[str, str]:
    """(distribution id, origin path) of the distribution serving `bucket`."""
    candidates = [given] if given else cdn.distribution_ids()
    serving: list[tuple[Any, str]] = []
    for distribution_id in candidates:
        distribution = cdn.distribution(distribution_id)
        for origin in distribution.origins:
            if origin.domain_name.split(".s3", 1)[0] == bucket:
                serving.append((distribution, origin.path))
                break
    if not serving:
        where = f"distribution {given}" if given else "no CloudFront distribution"
        raise EventctlError(
            f"{where} serves the assets bucket {bucket}"
            + (" from any of its origins" if given else ""),
            hint=f"create it with `eventctl env up {env}`, or pass --distribution-id "
            "(`eventctl env outputs ENV` shows cloudfront_distribution_id)",
        )
    if len(serving) > 1:
        named = [d for d in serving if web_host in d[0].aliases]
        if len(named) != 1:
            ids = ", ".join(d[0].id for d in serving)
            raise EventctlError(
                f"several CloudFront distributions serve {bucket}: {ids}",
                hint="pick one with --distribution-id",
            )
        serving = named
    distribution, origin_path = serving[0]
    return str(distribution.id), origin_path


def _paths(keys: list[str], origin_path: str) -> list[str]:
    """The viewer paths of `keys` behind an origin at `origin_path` ('/*' when many)."""
    base = origin_path.strip("/")
    paths: list[str] = []
    for key in keys:
        if base and not key.startswith(base + "/"):
            continue
        relative = key[len(base) + 1 :] if base else key
        paths.append("/" + relative)
        if PurePosixPath(relative).name == web_assets.INDEX:
            parent = str(PurePosixPath("/" + relative).parent)
            paths.append(parent if parent.endswith("/") else parent + "/")
    unique = sorted(set(paths))
    return ["/*"] if len(unique) > MAX_INVALIDATION_PATHS else unique
