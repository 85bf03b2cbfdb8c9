"""What a saved plan will do, read from `terraform show -json` (never from plan text).

`summarize_plan` counts changes per action, groups them by module and resource type, and
keeps "changed outside Terraform" drift apart. `destroy_losses` lists what a destroy takes
away for good: databases and clusters (with or without a final snapshot), buckets,
repositories and secrets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

ACTIONS = ("create", "update", "replace", "delete")
ROOT_MODULE = "(root)"


@dataclass(frozen=True)
class ResourceChange:
    """One resource instance and what the plan does to it."""

    address: str
    module: str
    type: str
    name: str
    action: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "module": self.module,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Group:
    """Changes to one resource type in one module."""

    module: str
    type: str
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"module": self.module, "type": self.type, **self.counts}


@dataclass(frozen=True)
class PlanSummary:
    """The changes of a plan, its drift and its output changes."""

    changes: tuple[ResourceChange, ...] = ()
    drift: tuple[ResourceChange, ...] = ()
    outputs: dict[str, str] = field(default_factory=dict)
    destroy: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(change.action for change in self.changes)
        return {action: counted.get(action, 0) for action in ACTIONS} | {
            action: n for action, n in counted.items() if action not in ACTIONS
        }

    @property
    def groups(self) -> list[Group]:
        by_key: dict[tuple[str, str], Counter[str]] = {}
        for change in self.changes:
            by_key.setdefault((change.module, change.type), Counter())[change.action] += 1
        return [
            Group(module, kind, {a: c.get(a, 0) for a in ACTIONS} | dict(c))
            for (module, kind), c in sorted(by_key.items())
        ]

    @property
    def operations(self) -> int:
        """Resource operations an apply performs (a replacement is a delete and a create)."""
        weights = {"create": 1, "update": 1, "delete": 1, "replace": 2}
        return sum(weights.get(change.action, 0) for change in self.changes)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.outputs

    def line(self) -> str:
        """'2 to create, 1 to change, 0 to replace, 0 to destroy'."""
        c = self.counts
        return (
            f"{c['create']} to create, {c['update']} to change, {c['replace']} to replace, "
            f"{c['delete']} to destroy"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "destroy": self.destroy,
            "counts": self.counts,
            "groups": [g.to_dict() for g in self.groups],
            "changes": [c.to_dict() for c in self.changes],
            "changed_outside_terraform": [d.to_dict() for d in self.drift],
            "outputs": self.outputs,
        }


def action_of(actions: list[str], importing: bool = False) -> str | None:
    """One word for Terraform's action list; None for no-ops and reads."""
    kinds = set(actions)
    if kinds == {"delete", "create"}:
        return "replace"
    if kinds <= {"no-op", "read"}:
        return "import" if importing else None
    if len(actions) == 1:
        return actions[0]
    return "+".join(actions)


def _change(raw: Mapping[str, Any]) -> ResourceChange | None:
    change = raw.get("change") or {}
    action = action_of(list(change.get("actions") or []), bool(change.get("importing")))
    if action is None or raw.get("mode", "managed") != "managed":
        return None
    return ResourceChange(
        address=str(raw.get("address", "?")),
        module=str(raw.get("module_address") or ROOT_MODULE),
        type=str(raw.get("type", "?")),
        name=str(raw.get("name", "?")),
        action=action,
        reason=raw.get("action_reason"),
    )


def summarize_plan(document: Mapping[str, Any], *, destroy: bool = False) -> PlanSummary:
    """The summary of a `terraform show -json PLANFILE` document."""
    changes = [c for raw in document.get("resource_changes") or [] if (c := _change(raw))]
    drift = [c for raw in document.get("resource_drift") or [] if (c := _change(raw))]
    outputs = {
        name: action
        for name, raw in (document.get("output_changes") or {}).items()
        if (action := action_of(list((raw or {}).get("actions") or [])))
    }
    return PlanSummary(tuple(changes), tuple(drift), outputs, destroy)


# -- what a destroy loses -------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """Something a destroy removes for good, and what (if anything) survives it."""

    kind: str
    address: str
    type: str
    name: str
    snapshot: bool | None = None
    snapshot_name: str | None = None
    deletion_protection: bool = False
    force: bool | None = None
    empty: bool | None = None
    contents: str | None = None
    note: str | None = None
    unnamed_snapshot: bool = False

    @property
    def blocker(self) -> str | None:
        """Why terraform would stop halfway through the destroy, if it would."""
        if self.deletion_protection:
            return "deletion protection is on"
        if self.unnamed_snapshot:
            return "a final snapshot is required but final_snapshot_identifier is not set"
        if self.empty is False and self.force is False:
            return f"not empty ({self.contents}) and force-delete is off"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "address": self.address,
            "type": self.type,
            "name": self.name,
            "final_snapshot": self.snapshot,
            "snapshot_name": self.snapshot_name,
            "deletion_protection": self.deletion_protection,
            "force_delete": self.force,
            "empty": self.empty,
            "contents": self.contents,
            "note": self.note,
            "blocker": self.blocker,
        }


_SNAPSHOTTED = {
    # type: (kind, name attribute, snapshot style)
    "aws_db_instance": ("database", "identifier", "skip_flag"),
    "aws_rds_cluster": ("database cluster", "cluster_identifier", "skip_flag"),
    "aws_docdb_cluster": ("database cluster", "cluster_identifier", "skip_flag"),
    "aws_neptune_cluster": ("database cluster", "cluster_identifier", "skip_flag"),
    "aws_elasticache_replication_group": ("cache cluster", "replication_group_id", "name"),
    "aws_elasticache_cluster": ("cache cluster", "cluster_id", "name"),
}


def destroy_losses(document: Mapping[str, Any]) -> list[Loss]:
    """Databases, clusters, buckets, repositories and secrets the plan deletes."""
    losses: list[Loss] = []
    for raw in document.get("resource_changes") or []:
        change = raw.get("change") or {}
        if "delete" not in (change.get("actions") or []) or raw.get("mode") == "data":
            continue
        loss = _loss(str(raw.get("type", "")), str(raw.get("address", "?")), change)
        if loss is not None:
            losses.append(loss)
    return losses


def _loss(kind: str, address: str, change: Mapping[str, Any]) -> Loss | None:
    before: Mapping[str, Any] = change.get("before") or {}
    if kind in _SNAPSHOTTED:
        label, name_key, style = _SNAPSHOTTED[kind]
        snapshot_name = before.get("final_snapshot_identifier") or None
        # RDS/DocumentDB snapshot only when skip_final_snapshot is false (and need a name);
        # ElastiCache snapshots when a final snapshot name is set.
        wanted = before.get("skip_final_snapshot") is False or style == "name"
        snapshot = wanted and bool(snapshot_name)
        return Loss(
            kind=label,
            address=address,
            type=kind,
            name=str(before.get(name_key) or address),
            snapshot=snapshot,
            snapshot_name=snapshot_name if snapshot else None,
            deletion_protection=bool(before.get("deletion_protection")),
            unnamed_snapshot=style == "skip_flag" and wanted and not snapshot_name,
        )
    if kind == "aws_ecs_cluster":
        return Loss("ECS cluster", address, kind, str(before.get("name") or address))
    if kind == "aws_s3_bucket":
        return Loss(
            "bucket",
            address,
            kind,
            str(before.get("bucket") or address),
            force=bool(before.get("force_destroy")),
        )
    if kind == "aws_ecr_repository":
        return Loss(
            "image repository",
            address,
            kind,
            str(before.get("name") or address),
            force=bool(before.get("force_delete")),
        )
    if kind == "aws_secretsmanager_secret":
        days = before.get("recovery_window_in_days")
        note = "deleted at once" if days == 0 else f"recoverable for {days or 30} days"
        return Loss("secret", address, kind, str(before.get("name") or address), note=note)
    return None


def with_contents(loss: Loss, *, empty: bool | None, contents: str | None) -> Loss:
    """The same loss, with what the live resource holds ('12 objects')."""
    return replace(loss, empty=empty, contents=contents)
