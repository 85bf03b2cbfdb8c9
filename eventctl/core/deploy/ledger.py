"""The release ledger: one S3 object per entry under `releases/<env>/` in the state bucket.

Each entry is written once, with a conditional write (`If-None-Match: *`) to a key of its own
(`<release id>/<service>/<kind>.json`, the release id sortable by time), so concurrent deploys
can never overwrite or lose each other's entries, and nothing is ever rewritten. Reading the
ledger lists the prefix and reads the entries.

What rollback needs from it: the last release of a service that became healthy.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from eventctl.core.deploy.state import SUCCEEDED, revision_of
from eventctl.errors import EventctlError

DEPLOY = "deploy"
ROLLBACK = "rollback"
AUTOMATIC_ROLLBACK = "automatic rollback"
READ_THREADS = 8


class ObjectStore(Protocol):
    """What the ledger needs from S3 (`adapters.aws.s3.S3Objects`)."""

    def put_if_absent(
        self, bucket: str, key: str, body: bytes, content_type: str = ...
    ) -> bool: ...

    def list_objects(self, bucket: str, prefix: str) -> list[Any]: ...

    def get_bytes(self, bucket: str, key: str) -> bytes: ...

    def bucket_exists(self, bucket: str) -> bool: ...


@dataclass(frozen=True)
class LedgerEntry:
    """One service's part of one release (a deploy, or a rollback of it)."""

    release_id: str
    env: str
    service: str
    step: int
    """0: the release started moving the service (written before the wait, so a deploy that
    never finishes is still in the ledger); 1: it moved it; 2: it moved it back (rollback
    after a failure)"""
    kind: str
    """'deploy', 'rollback' (to an earlier release, asked for), 'automatic rollback'"""
    image: str
    image_digest: str
    task_definition: str
    previous_task_definition: str
    git_sha: str | None
    who: str
    started_at: str
    finished_at: str
    duration_seconds: float
    outcome: str
    detail: str = ""

    @property
    def healthy(self) -> bool:
        """The task definition of this entry ran healthy at the end of it."""
        return self.outcome == SUCCEEDED

    @property
    def revision(self) -> str:
        return revision_of(self.task_definition)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LedgerEntry:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def new_release_id(now: float, rng: random.Random | None = None) -> str:
    """'20261204T034512Z-3fa9c1': sorts by time; the random part keeps ids of one second apart."""
    moment = datetime.fromtimestamp(now, tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{moment}-{(rng or random.SystemRandom()).getrandbits(24):06x}"


def utc_iso(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Ledger:
    """The release ledger of one environment."""

    def __init__(
        self,
        store: ObjectStore,
        bucket: str,
        prefix: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.bucket = bucket
        self.prefix = prefix

    def check_bucket(self, env: str) -> None:
        if not self.store.bucket_exists(self.bucket):
            raise EventctlError(
                f"the state bucket {self.bucket} does not exist: the ledger has nowhere to go",
                hint=f"create the state backend first: `eventctl env bootstrap {env}`",
            )

    def key(self, entry: LedgerEntry) -> str:
        return f"{self.prefix}{entry.release_id}/{entry.service}/{entry.step}.json"

    def append(self, entry: LedgerEntry) -> str:
        """Write `entry` under a key of its own; its key. Never overwrites an entry."""
        key = self.key(entry)
        body = json.dumps(entry.to_dict(), sort_keys=True).encode()
        if not self.store.put_if_absent(self.bucket, key, body):
            raise EventctlError(
                f"the ledger already holds s3://{self.bucket}/{key}: nothing was overwritten",
                hint="a release id is used once; run the deploy again for a new one",
            )
        return key

    def entries(self, service: str | None = None) -> list[LedgerEntry]:
        """Every entry (of `service`), oldest release first; a release's step-0 entry only
        when no later step of it followed (the deploy is running, or ended unfinished)."""
        keys = [o.key for o in self.store.list_objects(self.bucket, self.prefix)]
        if service is not None:
            keys = [k for k in keys if k.split("/")[-2:-1] == [service]]
        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            bodies = list(pool.map(lambda k: self.store.get_bytes(self.bucket, k), keys))
        found = [LedgerEntry.from_dict(json.loads(body)) for body in bodies]
        finished = {(e.release_id, e.service) for e in found if e.step > 0}
        shown = [e for e in found if e.step > 0 or (e.release_id, e.service) not in finished]
        return sorted(shown, key=lambda e: (e.release_id, e.service, e.step))


def final_entries(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """The last entry of each (release, service), oldest release first: what each release
    left running. A lone step-0 entry is left out: it does not say how that release ended."""
    last: dict[tuple[str, str], LedgerEntry] = {}
    for entry in entries:
        if entry.step == 0:
            continue
        key = (entry.release_id, entry.service)
        if key not in last or entry.step > last[key].step:
            last[key] = entry
    return sorted(last.values(), key=lambda e: (e.release_id, e.service))


def rollback_target(entries: list[LedgerEntry], previous: str) -> str:
    """Where a failed release of a service goes back to: the task definition it replaced,
    unless the ledger says that one never became healthy (a failure left in place with
    --no-rollback); then the last one that did."""
    finals = final_entries(entries)
    mentions = [e for e in finals if e.task_definition == previous]
    if mentions and not mentions[-1].healthy:
        healthy = [e for e in finals if e.healthy]
        return healthy[-1].task_definition if healthy else previous
    return previous


def earlier_healthy(entries: list[LedgerEntry], live: str) -> LedgerEntry | None:
    """The release to return to from `live`: the newest release that left the service healthy
    on another task definition, older than the newest release that left `live` running."""
    finals = final_entries(entries)
    current = [e.release_id for e in finals if e.task_definition == live]
    candidates = [
        e
        for e in finals
        if e.healthy and e.task_definition != live and (not current or e.release_id < current[-1])
    ]
    return candidates[-1] if candidates else None
