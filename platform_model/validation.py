"""Cross-entry rules of the platform model.

Field-level rules live on the model classes; the rules here relate entries to each other
(a service consumes a queue that exists, two services do not share a port). Each failure
names the entry at fault.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from platform_model.model import Platform, Service


def validate_platform(platform: Platform) -> None:
    """Raise ValueError naming the first inconsistent entry of `platform`."""
    _unique("service name", (s.name for s in platform.services))
    _unique("service port", (s.port for s in platform.services))
    _unique("service path prefix", (s.path_prefix for s in platform.services))
    _unique("service image name", (s.image_name for s in platform.services))
    _unique("queue name", (q.name for q in platform.queues))
    _unique("topic name", (t.name for t in platform.topics))
    _unique("database name", (d.name for d in platform.databases))
    _unique("database", (s.database for s in platform.services if s.database))
    _unique("secret name", (s.name for s in platform.secrets))
    _check_databases(platform)
    _check_calls(platform)
    _check_messaging(platform)
    for service in platform.services:
        _check_permissions(service)
    _check_environments(platform)


def _unique(what: str, values: Iterable[object]) -> None:
    repeated = [value for value, count in Counter(values).items() if count > 1]
    if repeated:
        raise ValueError(f"duplicate {what}: {repeated[0]!r} is used more than once")


def _check_databases(platform: Platform) -> None:
    known = {d.name for d in platform.databases}
    for service in platform.services:
        if service.database and service.database not in known:
            raise ValueError(
                f"service {service.name!r}: unknown database {service.database!r} "
                f"(known: {', '.join(sorted(known))})"
            )


def _check_calls(platform: Platform) -> None:
    known = [s.name for s in platform.services]
    for service in platform.services:
        for callee in service.calls:
            if callee == service.name or callee not in known:
                raise ValueError(
                    f"service {service.name!r}: calls {callee!r}, which is not another service "
                    f"(known: {', '.join(known)})"
                )
    issuers = [s.name for s in platform.services if s.issues_tokens]
    if len(issuers) != 1:
        raise ValueError(
            f"exactly one service must issue access tokens (issues_tokens); found "
            f"{', '.join(issuers) or 'none'}"
        )


def _check_messaging(platform: Platform) -> None:
    queues = {q.name for q in platform.queues}
    topics = {t.name for t in platform.topics}
    for topic in platform.topics:
        for queue_name in topic.subscribed_queues:
            if queue_name not in queues:
                raise ValueError(
                    f"topic {topic.name!r}: subscription to unknown queue {queue_name!r}"
                )
    for service in platform.services:
        for kind, entries, known in (
            ("publishes to unknown queue", service.publishes_queues, queues),
            ("publishes to unknown topic", service.publishes_topics, topics),
            ("consumes unknown queue", service.consumes, queues),
        ):
            for name in entries:
                if name not in known:
                    raise ValueError(f"service {service.name!r}: {kind} {name!r}")
    for queue in platform.queues:
        consumers = [s.name for s in platform.services if queue.name in s.consumes]
        if len(consumers) > 1:
            raise ValueError(
                f"queue {queue.name!r}: consumed by {' and '.join(consumers)}; SQS consumers "
                "compete for messages, so give each consumer its own queue"
            )
        if not consumers and not queue.unconsumed_reason:
            raise ValueError(
                f"queue {queue.name!r}: no service consumes it; add a consumer or "
                "an unconsumed_reason"
            )
        if consumers and queue.unconsumed_reason:
            raise ValueError(
                f"queue {queue.name!r}: consumed by {consumers[0]} but also has an "
                "unconsumed_reason; remove the stale reason"
            )


def _check_permissions(service: Service) -> None:
    needs = []
    if service.publishes_queues or service.consumes:
        needs.append("sqs")
    if service.publishes_topics:
        needs.append("sns")
    for permission in needs:
        if permission not in service.permissions:
            raise ValueError(
                f"service {service.name!r}: uses {permission.upper()} but its task role "
                f"permissions are {', '.join(service.permissions) or 'empty'}"
            )


def _check_environments(platform: Platform) -> None:
    services = {s.name for s in platform.services}
    for key, env in platform.environments.items():
        if key != env.name:
            raise ValueError(f"environment {key!r}: its profile is named {env.name!r}")
        for name in env.services:
            if name not in services:
                raise ValueError(
                    f"environment {key!r}: size override for unknown service {name!r} "
                    f"(known: {', '.join(sorted(services))})"
                )
