"""Describe environments: the one-line summaries of `env list`, the full view of `env show`."""

from __future__ import annotations

from typing import Any

from platform_model import EnvironmentProfile, Platform


def summarize(env: EnvironmentProfile) -> str:
    """One line with the figures that tell environments apart."""
    if env.kind == "local":
        return (
            f"5 services on this machine, gateway :{env.local.gateway_port}, "
            f"AWS emulator :{env.local.aws_emulator_port}"
        )
    tasks = (
        f"{env.autoscaling.min_tasks}-{env.autoscaling.max_tasks} tasks/service"
        if env.autoscaling
        else f"{env.desired_count} task/service"
    )
    return (
        f"{env.network.availability_zones} AZs, {env.network.nat_gateways} NAT, {tasks}, "
        f"RDS {env.rds.instance_class}{' Multi-AZ' if env.rds.multi_az else ''}, "
        f"DocumentDB x{env.docdb.instances}, Redis x{env.redis.nodes}"
        f"{' failover' if env.redis.automatic_failover else ''}"
    )


def list_environments(platform: Platform) -> list[dict[str, str]]:
    """Every environment with its kind and summary."""
    return [
        {
            "name": env.name,
            "kind": env.kind,
            "summary": summarize(env),
            "description": env.description,
        }
        for env in platform.environments.values()
    ]


def describe_environment(platform: Platform, name: str) -> dict[str, Any]:
    """The resolved environment `name`: sizes, services, messaging, data stores and names."""
    env = platform.environment(name)
    names = platform.names(name)
    view: dict[str, Any] = {
        "name": env.name,
        "kind": env.kind,
        "description": env.description,
        "project": platform.project,
        "region": platform.region,
        "hosts": {"web": names.web_host, "api": names.api_host},
        "desired_count": env.desired_count,
        "autoscaling": env.autoscaling.model_dump() if env.autoscaling else None,
        "manual_approval": env.manual_approval,
        "services": [_service(platform, env, s) for s in platform.services],
        "queues": [_queue(platform, name, q.name) for q in platform.queues],
        "topics": [
            {
                "name": t.name,
                "aws_name": names.topic(t.name),
                "purpose": t.purpose,
                "subscribed_queues": list(t.subscribed_queues),
            }
            for t in platform.topics
        ],
        "data_stores": _data_stores(platform, env),
    }
    if env.kind == "aws":
        view["network"] = env.network.model_dump()
        view["names"] = {
            "cluster": names.cluster,
            "assets_bucket": names.assets_bucket,
            "dashboard": names.dashboard,
            "alerts_topic": names.alerts_topic,
            "dns_zone": names.zone,
            "cloud_map_namespace": platform.cloud_map_namespace,
            "state_bucket": names.state_bucket(platform.account_id or "<account-id>"),
            "state_key": names.state_key,
            "lock_table": names.lock_table,
        }
        view["log_retention_days"] = env.log_retention_days
    else:
        view["local"] = env.local.model_dump()
    return view


def _service(platform: Platform, env: EnvironmentProfile, service: Any) -> dict[str, Any]:
    names = platform.names(env.name)
    cpu, memory = platform.service_size(env, service)
    return {
        "name": service.name,
        "port": service.port,
        "path": service.path_pattern,
        "cpu": cpu,
        "memory": memory,
        "database": service.database,
        "permissions": list(service.permissions),
        "publishes": [*service.publishes_topics, *service.publishes_queues],
        "consumes": list(service.consumes),
        "cloud_map": f"{names.cloud_map_host(service)}:{service.port}",
        "ecr_repository": names.ecr_repository(service),
        "log_group": names.log_group(service),
    }


def _queue(platform: Platform, env: str, name: str) -> dict[str, Any]:
    names = platform.names(env)
    queue = next(q for q in platform.queues if q.name == name)
    consumer = platform.consumer_of(name)
    return {
        "name": name,
        "aws_name": names.queue(name),
        "purpose": queue.purpose,
        "dead_letter_queue": names.dead_letter_queue(name),
        "max_receive_count": queue.max_receive_count,
        "consumer": consumer.name if consumer else None,
        "unconsumed_reason": queue.unconsumed_reason,
        "fed_by_topics": [t.name for t in platform.topics if name in t.subscribed_queues],
    }


def _data_stores(platform: Platform, env: EnvironmentProfile) -> dict[str, Any]:
    databases = [d.name for d in platform.databases]
    if env.kind == "local":
        return {
            "postgres": {
                "databases": databases,
                "engine": "SQLite files, or PostgreSQL when a DATABASE_URL is configured",
            },
            "documentdb": {
                "purpose": platform.document_store.purpose,
                "engine": "an audit_log table, or MongoDB when configured",
            },
            "redis": {
                "purpose": platform.cache.purpose,
                "engine": "in-process, or Redis when REDIS_URL is configured",
            },
        }
    return {
        "postgres": {"databases": databases, "instances": len(databases), **env.rds.model_dump()},
        "documentdb": {
            "purpose": platform.document_store.purpose,
            "port": platform.document_store.port,
            "tls_required": platform.document_store.tls_required,
            **env.docdb.model_dump(),
        },
        "redis": {
            "purpose": platform.cache.purpose,
            "port": platform.cache.port,
            **env.redis.model_dump(),
        },
    }
