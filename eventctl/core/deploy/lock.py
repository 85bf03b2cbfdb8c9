"""The deploy lock: one item per service in the Terraform lock table, taken with a conditional
PutItem, so two deploys of one service never overlap.

The item sits beside Terraform's own state locks (`LockID` = `Names.deploy_lock_id`), with
an `Info` attribute in Terraform's lock-info shape (ID, Operation, Who, Created), so whoever
finds it in the table can tell who holds it and since when.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventctl.errors import EventctlError
from platform_model import Names, Service


class LockTable(Protocol):
    """What the lock needs from DynamoDB (`adapters.aws.dynamodb.LockItems`)."""

    def put_if_absent(self, table: str, item: dict[str, str], key: str = ...) -> bool: ...

    def get(self, table: str, key: dict[str, str]) -> dict[str, str] | None: ...

    def delete_if(
        self, table: str, key: dict[str, str], attribute: str, expected: str | None
    ) -> bool: ...

    def table_exists(self, table: str) -> bool: ...


@dataclass(frozen=True)
class LockHolder:
    """Who holds a service's deploy lock."""

    service: str
    id: str
    who: str
    since: str
    operation: str
    release: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "id": self.id,
            "who": self.who,
            "since": self.since,
            "operation": self.operation,
            "release": self.release,
        }


class DeployLocks:
    """Take and release the deploy locks of one environment's services."""

    def __init__(self, table: LockTable, names: Names) -> None:
        self.table = table
        self.names = names

    def check_table(self) -> None:
        if not self.table.table_exists(self.names.lock_table):
            env = self.names.env
            raise EventctlError(
                f"the lock table {self.names.lock_table} does not exist",
                hint=f"create the state backend first: `eventctl env bootstrap {env}`",
            )

    def holder(self, service: Service) -> LockHolder | None:
        item = self.table.get(self.names.lock_table, {"LockID": self.names.deploy_lock_id(service)})
        return None if item is None else _holder(service, item)

    def acquire(
        self, services: Sequence[Service], *, who: str, since: str, operation: str, release: str
    ) -> list[LockHolder]:
        """Take every service's lock, or none: the first one held elsewhere is an error
        naming its holder (and the locks taken so far are given back)."""
        taken: list[LockHolder] = []
        for service in services:
            mine = LockHolder(service.name, str(uuid.uuid4()), who, since, operation, release)
            item = {"LockID": self.names.deploy_lock_id(service), "Info": _info(mine)}
            try:
                won = self.table.put_if_absent(self.names.lock_table, item)
            except EventctlError:
                self.release(taken)
                raise
            if won:
                taken.append(mine)
                continue
            self.release(taken)
            raise _held_error(self.names.env, self.holder(service) or mine)
        return taken

    def release(self, held: Sequence[LockHolder]) -> None:
        """Give back locks this run took (never one someone else has since taken)."""
        for lock in held:
            service = self.names.platform.service(lock.service)
            key = {"LockID": self.names.deploy_lock_id(service)}
            self.table.delete_if(self.names.lock_table, key, "Info", _info(lock))

    def force_unlock(self, service: Service, expected: LockHolder) -> bool:
        """Remove `service`'s lock if it is still `expected`'s; False if it changed."""
        key = {"LockID": self.names.deploy_lock_id(service)}
        return self.table.delete_if(self.names.lock_table, key, "Info", _info(expected))


def _info(lock: LockHolder) -> str:
    """Terraform's lock-info JSON, plus the release; sorted keys so a conditional delete can
    compare it exactly."""
    return json.dumps(
        {
            "ID": lock.id,
            "Operation": lock.operation,
            "Who": lock.who,
            "Created": lock.since,
            "Info": f"release {lock.release}",
            "Path": lock.service,
        },
        sort_keys=True,
    )


def _holder(service: Service, item: dict[str, str]) -> LockHolder:
    try:
        info = json.loads(item.get("Info", "{}"))
    except ValueError:
        info = {}
    release = str(info.get("Info", "")).removeprefix("release ")
    return LockHolder(
        service=service.name,
        id=str(info.get("ID", "?")),
        who=str(info.get("Who", "unknown")),
        since=str(info.get("Created", "unknown")),
        operation=str(info.get("Operation", "deploy")),
        release=release,
    )


def _held_error(env: str, holder: LockHolder) -> EventctlError:
    return EventctlError(
        f"{holder.service} in {env} is being deployed by {holder.who} since {holder.since} "
        f"({holder.operation}, release {holder.release or '?'}): nothing was changed",
        hint="wait for it to finish; if that run is gone (a killed job), take the lock with "
        f"`eventctl deploy service {holder.service} --env {env} --force-unlock ...`",
    )
