"""The model figures of one AWS environment that its cost lines are built from.

They are reported next to the lines (`facts` in the JSON report), so every quantity in an
estimate can be traced back to the model: counts, sizes, availability zones, retention.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from platform_model import AwsProfile, Platform
from platform_model.model import KMS_KEYS_PER_ENVIRONMENT


@dataclass(frozen=True)
class EnvironmentFacts:
    """What the model says about one AWS environment, as the cost lines count it."""

    services: int
    tasks_per_service: int
    task_count_basis: str
    vcpu_total: float
    memory_gb_total: float
    availability_zones: int
    nat_gateways: int
    interface_endpoints: int
    gateway_endpoints: int
    rds_instances: int
    rds_instance_class: str
    rds_multi_az: bool
    rds_storage_gb: int
    rds_storage_type: str
    rds_backup_retention_days: int
    docdb_instances: int
    docdb_instance_class: str
    redis_nodes: int
    redis_node_type: str
    queues: int
    queue_polls: int
    topics: int
    alarms: int
    dashboards: int
    secrets: int
    customer_managed_kms_keys: int
    ecr_repositories: int
    log_retention_days: int
    flow_log_retention_days: int
    public_ipv4: int
    hours_per_month: int

    def as_dict(self) -> dict[str, Any]:
        """The facts as the JSON report lists them."""
        return asdict(self)


def environment_facts(
    platform: Platform, env: AwsProfile, hours_per_month: int
) -> EnvironmentFacts:
    """The figures of `env` the lines are built from (tasks at the autoscaling minimum)."""
    tasks = env.autoscaling.min_tasks if env.autoscaling else env.desired_count
    sizes = [platform.service_size(env, s) for s in platform.services]
    consumers = [s for s in platform.services if s.consumes]
    alarms = {per: len(targets) for per, targets in platform.alarm_targets(env).items()}
    network, rds = env.network, env.rds
    return EnvironmentFacts(
        services=len(platform.services),
        tasks_per_service=tasks,
        task_count_basis="autoscaling minimum" if env.autoscaling else "desired_count",
        vcpu_total=sum(cpu for cpu, _ in sizes) / 1024 * tasks,
        memory_gb_total=sum(memory for _, memory in sizes) / 1024 * tasks,
        availability_zones=network.availability_zones,
        nat_gateways=network.nat_gateways,
        interface_endpoints=len(network.interface_endpoints),
        gateway_endpoints=len(network.gateway_endpoints),
        rds_instances=len(platform.databases),
        rds_instance_class=rds.instance_class,
        rds_multi_az=rds.multi_az,
        rds_storage_gb=rds.allocated_storage_gb,
        rds_storage_type=rds.storage_type,
        rds_backup_retention_days=rds.backup_retention_days,
        docdb_instances=env.docdb.instances,
        docdb_instance_class=env.docdb.instance_class,
        redis_nodes=env.redis.nodes,
        redis_node_type=env.redis.node_type,
        queues=len(platform.queues),
        queue_polls=sum(len(s.consumes) for s in consumers),
        topics=len(platform.topics),
        alarms=sum(
            count for alarm in platform.alarms for per, count in alarms.items() if alarm.per == per
        ),
        dashboards=1,
        secrets=len(platform.secrets),
        customer_managed_kms_keys=KMS_KEYS_PER_ENVIRONMENT,
        ecr_repositories=len(platform.services),
        log_retention_days=env.log_retention_days,
        flow_log_retention_days=network.flow_log_retention_days,
        public_ipv4=network.nat_gateways + network.availability_zones,
        hours_per_month=hours_per_month,
    )
