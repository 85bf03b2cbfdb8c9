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


# -- markdown (a pull-request comment, a job summary) ---------------------------------------

#: GitHub refuses a comment body longer than this.
GITHUB_COMMENT_LIMIT = 65_536
_MARKDOWN_VERBS = {
    "create": "create",
    "update": "change",
    "replace": "replace",
    "delete": "destroy",
}
_CAPS = (None, 500, 200, 100, 50, 20, 10, 5, 0)


def to_markdown(
    summary: PlanSummary,
    env: str,
    *,
    limit: int = GITHUB_COMMENT_LIMIT,
    full_plan: str | None = None,
) -> str:
    """The plan as markdown for a pull request: counts, then what is destroyed or replaced.

    Only addresses, types, counts and output names appear, never a value, so no secret can
    reach the comment. When the lists make the text longer than `limit` characters they are
    cut, longest first, each with a line saying how many were left out and where the whole
    plan is (`full_plan`, e.g. the workflow artifact).
    """
    for cap in _CAPS:
        text = _markdown(summary, env, cap, full_plan)
        if len(text) <= limit:
            return text
    raise ValueError(f"a plan summary needs more than {limit} characters even without lists")


def _markdown(summary: PlanSummary, env: str, cap: int | None, full_plan: str | None) -> str:
    kind = "Destroy plan" if summary.destroy else "Plan"
    lines = [f"### {kind} for `{env}`: {summary.line()}", ""]
    if summary.empty:
        lines.append(f"No changes: `{env}` matches the configuration.")
    risky = [c for c in summary.changes if c.action in ("replace", "delete")]
    if risky:
        lines += [f"**Destroyed or replaced ({len(risky)})**", "", "| action | resource | why |"]
        lines.append("| --- | --- | --- |")
        lines += [
            f"| {_MARKDOWN_VERBS[c.action]} | {_code(c.address)} | {_reason(c.reason)} |"
            for c in _capped(risky, cap)
        ]
        lines += _more(len(risky), cap, "destroyed or replaced resources", full_plan)
    modules = _module_counts(summary)
    if modules:
        header = " | ".join(_MARKDOWN_VERBS.values())
        lines += ["**Changes by module**", "", f"| module | {header} |"]
        lines.append("| --- |" + " ---: |" * len(_MARKDOWN_VERBS))
        for module, counts in modules.items():
            cells = " | ".join(_cell(counts.get(action, 0)) for action in _MARKDOWN_VERBS)
            lines.append(f"| {_code(module)} | {cells} |")
        lines.append("")
    groups = summary.groups
    if groups:
        header = " | ".join(_MARKDOWN_VERBS.values())
        lines += [
            f"<details><summary>By resource type ({len(groups)} rows)</summary>",
            "",
            f"| module | type | {header} |",
            "| --- | --- |" + " ---: |" * len(_MARKDOWN_VERBS),
        ]
        for group in _capped(groups, cap):
            cells = " | ".join(_cell(group.counts.get(a, 0)) for a in _MARKDOWN_VERBS)
            lines.append(f"| {_code(group.module)} | {_code(group.type)} | {cells} |")
        lines += _more(len(groups), cap, "resource types", full_plan)
        lines += ["</details>", ""]
    other = [c for c in summary.changes if c.action not in _MARKDOWN_VERBS]
    if other:
        lines += [f"**Other actions ({len(other)})**", ""]
        lines += [f"- {c.action}: {_code(c.address)}" for c in _capped(other, cap)]
        lines += _more(len(other), cap, "other actions", full_plan)
    if summary.drift:
        lines += [
            f"**Changed outside Terraform ({len(summary.drift)})**: the plan puts these back",
            "",
        ]
        lines += [
            f"- {'deleted' if c.action == 'delete' else 'modified'}: {_code(c.address)}"
            for c in _capped(list(summary.drift), cap)
        ]
        lines += _more(len(summary.drift), cap, "drifted resources", full_plan)
    if summary.outputs:
        named = ", ".join(f"{_code(n)} ({a})" for n, a in sorted(summary.outputs.items()))
        lines += [f"**Outputs**: {named}", ""]
    if full_plan:
        lines.append(f"The full plan: {full_plan}.")
    return "\n".join(lines).rstrip() + "\n"


def _module_counts(summary: PlanSummary) -> dict[str, Counter[str]]:
    found: dict[str, Counter[str]] = {}
    for change in summary.changes:
        found.setdefault(change.module, Counter())[change.action] += 1
    return dict(sorted(found.items()))


def _capped(items: list[Any], cap: int | None) -> list[Any]:
    return items if cap is None else items[:cap]


def _more(total: int, cap: int | None, what: str, full_plan: str | None) -> list[str]:
    if cap is None or total <= cap:
        return [""]
    where = f": see {full_plan}" if full_plan else ": see the full plan"
    return ["", f"... and {total - cap} more {what} not listed here{where}.", ""]


def _code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _reason(reason: str | None) -> str:
    return reason.replace("_", " ").lower() if reason else "-"


def _cell(n: int) -> str:
    return str(n) if n else "-"
