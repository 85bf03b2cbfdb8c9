"""What a saved plan was made against, so `env up --plan` applies it only there.

A terraform plan file is a zip archive; its `tfstate` entry is the state the plan was made
from (with its `lineage` and `serial`). eventctl adds one entry of its own, `eventctl.json`:
the environment and the state object (bucket/key) the plan belongs to. Terraform ignores the
extra entry. Before applying a saved plan, `check_plan` compares both with the workspace and
its current state, and refuses, before anything is asked or locked:

- a plan of another environment (or another state object);
- a plan made against another state (its lineage differs: another environment's, or a state
  made afresh);
- a stale plan: the state changed since (its serial moved on), so the plan's view of the world
  is old. Terraform would refuse it too, but only once the apply has started.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventctl.errors import EventctlError

METADATA_ENTRY = "eventctl.json"
STATE_ENTRY = "tfstate"


class PlanMismatch(EventctlError):
    """The saved plan does not belong to this environment or this state any more."""


@dataclass(frozen=True)
class PlanOrigin:
    """Where a saved plan belongs: environment, state object, and the state it was made from."""

    environment: str | None
    state: str | None
    lineage: str
    serial: int


def stamp(plan_file: Path, *, environment: str, state: str) -> None:
    """Record in `plan_file` the environment and state object it was made for."""
    with zipfile.ZipFile(plan_file, "a") as archive:
        if METADATA_ENTRY in archive.namelist():
            return
        archive.writestr(
            METADATA_ENTRY, json.dumps({"environment": environment, "state": state}, indent=2)
        )


def origin(plan_file: Path) -> PlanOrigin:
    """What `plan_file` was made against."""
    try:
        with zipfile.ZipFile(plan_file) as archive:
            names = set(archive.namelist())
            prior = _json(archive.read(STATE_ENTRY)) if STATE_ENTRY in names else {}
            meta = _json(archive.read(METADATA_ENTRY)) if METADATA_ENTRY in names else {}
    except (zipfile.BadZipFile, OSError) as exc:
        raise PlanMismatch(
            f"{plan_file} is not a terraform plan file ({exc})",
            hint="make one: eventctl env plan ENV --out FILE",
        ) from None
    return PlanOrigin(
        environment=_text(meta.get("environment")),
        state=_text(meta.get("state")),
        lineage=str(prior.get("lineage") or ""),
        serial=int(prior.get("serial") or 0),
    )


def check_plan(
    plan_file: Path, *, environment: str, state: str, current: Mapping[str, Any]
) -> PlanOrigin:
    """Refuse `plan_file` unless it was made for `environment`/`state` against `current`."""
    found = origin(plan_file)
    replan = f"plan again: eventctl env plan {environment} --out {plan_file.name}"
    if found.environment is None:
        raise PlanMismatch(
            f"{plan_file} was not made by `eventctl env plan`: the environment it belongs to "
            "cannot be checked, so it is not applied",
            hint=replan,
        )
    if found.environment != environment or found.state != state:
        raise PlanMismatch(
            f"{plan_file} is a plan of {found.environment} (state {found.state}), not of "
            f"{environment} (state {state}): nothing was applied",
            hint=f"apply it to {found.environment}, or {replan}",
        )
    lineage = str(current.get("lineage") or "")
    serial = int(current.get("serial") or 0)
    if found.lineage and lineage and found.lineage != lineage:
        raise PlanMismatch(
            f"{plan_file} was made against another state of {environment} (lineage "
            f"{found.lineage}, the state's is now {lineage}): nothing was applied",
            hint=replan,
        )
    if (found.lineage, found.serial) != (lineage, serial):
        made = f"serial {found.serial}" if found.lineage else "no state yet"
        raise PlanMismatch(
            f"{plan_file} is stale: it was made against {made}, and the state of {environment} "
            f"has changed since (serial {serial}): nothing was applied",
            hint=replan,
        )
    return found


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
