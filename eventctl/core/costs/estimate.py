"""The monthly estimate of one environment: a line per billable component, from the model.

Every quantity comes from the platform model and the environment profile (counts, sizes,
AZs, retention) or, for usage-driven items, from the usage assumptions; every unit price
comes from the price table. Nothing here prints; the functions return data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from eventctl.core.costs.prices import PriceTable
from eventctl.core.costs.usage import Usage
from eventctl.errors import EventctlError
from platform_model import AwsProfile, Platform
from platform_model.model import KMS_KEYS_PER_ENVIRONMENT

Schedule = Literal["stoppable", "teardown", "always"]
"""How an hourly charge reacts to switching the environment off at night:
stoppable = stops when the tasks/instances are stopped; teardown = only when the resource is
deleted (NAT, ALB, endpoints, addresses, Redis); always = storage and per-month items."""


def money(value: float) -> str:
    """Dollars as the reports print them: $1,234.56, -$5.00."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@dataclass(frozen=True)
class Line:
    """One billable component: quantity x unit price = monthly cost."""

    category: str
    component: str
    quantity: float
    unit: str
    unit_price: float
    detail: str
    price_key: str
    price_status: str
    usage_based: bool
    schedule: Schedule
    ce_service: str

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "component": self.component,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "unit_price_usd": self.unit_price,
            "monthly_usd": round(self.monthly, 2),
            "usage_based": self.usage_based,
            "detail": self.detail,
            "price_key": self.price_key,
            "price_status": self.price_status,
            "schedule": self.schedule,
            "cost_explorer_service": self.ce_service,
        }


@dataclass(frozen=True)
class Estimate:
    env: str
    lines: tuple[Line, ...]
    facts: dict[str, Any]

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def total_of(self, *categories: str) -> float:
        return sum(line.monthly for line in self.lines if line.category in categories)


# Cost Explorer's SERVICE dimension values, so an actual bill can sit next to the estimate.
CE = {
    "ecs": "Amazon Elastic Container Service",
    "ec2_other": "EC2 - Other",
    "vpc": "Amazon Virtual Private Cloud",
    "elb": "Amazon Elastic Load Balancing",
    "rds": "Amazon Relational Database Service",
    "docdb": "Amazon DocumentDB (with MongoDB compatibility)",
    "elasticache": "Amazon ElastiCache",
    "cloudwatch": "AmazonCloudWatch",
    "s3": "Amazon Simple Storage Service",
    "cloudfront": "Amazon CloudFront",
    "route53": "Amazon Route 53",
    "cloudmap": "AWS Cloud Map",
    "secrets": "AWS Secrets Manager",
    "kms": "AWS Key Management Service",
    "sqs": "Amazon Simple Queue Service",
    "sns": "Amazon Simple Notification Service",
    "ses": "Amazon Simple Email Service",
    "ecr": "Amazon EC2 Container Registry (ECR)",
    "transfer": "AWS Data Transfer",
}

SQS_LONG_POLL_SECONDS = 20
"""Consumers long-poll with the maximum wait, so an idle consumer makes one request per 20 s."""


class _Builder:
    def __init__(self, prices: PriceTable) -> None:
        self.prices = prices
        self.hours = prices.hours_per_month
        self.lines: list[Line] = []

    def add(
        self,
        category: str,
        component: str,
        quantity: float,
        unit: str,
        price_key: str,
        detail: str,
        *,
        ce: str,
        usage_based: bool = False,
        schedule: Schedule = "always",
    ) -> None:
        """Add a line: `quantity` in the unit of the price `price_key`."""
        price = self.prices.price(price_key)
        self.lines.append(
            Line(
                category=category,
                component=component,
                quantity=quantity,
                unit=unit,
                unit_price=price.usd,
                detail=detail,
                price_key=price_key,
                price_status=price.status,
                usage_based=usage_based,
                schedule=schedule,
                ce_service=CE[ce],
            )
        )


def estimate_environment(
    platform: Platform, env_name: str, prices: PriceTable, usage: Usage
) -> Estimate:
    """The monthly estimate of AWS environment `env_name`, one Line per billable component."""
    env = platform.environment(env_name)
    if not isinstance(env, AwsProfile):
        raise EventctlError(
            f"environment {env_name!r} runs on this machine: it has no AWS bill to estimate",
            hint="price an AWS environment: --env dev, --env prod or --env all",
        )
    b = _Builder(prices)
    facts = {**_facts(platform, env), "hours_per_month": prices.hours_per_month}
    _compute(b, platform, env, facts)
    _network(b, env, usage, facts)
    _databases(b, platform, env, usage, facts)
    _observability(b, platform, env, usage, facts)
    _edge_and_storage(b, platform, env, usage, facts)
    _messaging_and_security(b, platform, env, usage, facts)
    return Estimate(env=env_name, lines=tuple(b.lines), facts=facts)


def _facts(platform: Platform, env: AwsProfile) -> dict[str, Any]:
    """The model figures the lines are built from (also reported, for traceability)."""
    tasks = env.autoscaling.min_tasks if env.autoscaling else env.desired_count
    sizes = [platform.service_size(env, s) for s in platform.services]
    consumers = [s for s in platform.services if s.consumes]
    alarms = {per: len(targets) for per, targets in platform.alarm_targets(env).items()}
    return {
        "services": len(platform.services),
        "tasks_per_service": tasks,
        "task_count_basis": "autoscaling minimum" if env.autoscaling else "desired_count",
        "vcpu_total": sum(cpu for cpu, _ in sizes) / 1024 * tasks,
        "memory_gb_total": sum(mem for _, mem in sizes) / 1024 * tasks,
        "availability_zones": env.network.availability_zones,
        "nat_gateways": env.network.nat_gateways,
        "interface_endpoints": len(env.network.interface_endpoints),
        "gateway_endpoints": len(env.network.gateway_endpoints),
        "rds_instances": len(platform.databases),
        "rds_instance_class": env.rds.instance_class,
        "rds_multi_az": env.rds.multi_az,
        "rds_storage_gb": env.rds.allocated_storage_gb,
        "rds_storage_type": env.rds.storage_type,
        "rds_backup_retention_days": env.rds.backup_retention_days,
        "docdb_instances": env.docdb.instances,
        "docdb_instance_class": env.docdb.instance_class,
        "redis_nodes": env.redis.nodes,
        "redis_node_type": env.redis.node_type,
        "queues": len(platform.queues),
        "queue_polls": sum(len(s.consumes) for s in consumers),
        "topics": len(platform.topics),
        "alarms": sum(
            count for alarm in platform.alarms for per, count in alarms.items() if alarm.per == per
        ),
        "dashboards": 1,
        "secrets": len(platform.secrets),
        "customer_managed_kms_keys": KMS_KEYS_PER_ENVIRONMENT,
        "ecr_repositories": len(platform.services),
        "log_retention_days": env.log_retention_days,
        "flow_log_retention_days": env.network.flow_log_retention_days,
        "public_ipv4": env.network.nat_gateways + env.network.availability_zones,
    }


def _compute(b: _Builder, platform: Platform, env: AwsProfile, f: dict[str, Any]) -> None:
    tasks = f["tasks_per_service"]
    sizes = sorted({platform.service_size(env, s) for s in platform.services})
    shape = ", ".join(f"{cpu / 1024:g} vCPU/{mem / 1024:g} GB" for cpu, mem in sizes)
    where = f"{f['services']} services x {tasks} task(s) ({f['task_count_basis']}), {shape}"
    b.add(
        "Compute",
        "Fargate vCPU",
        f["vcpu_total"] * b.hours,
        "vCPU-h",
        "fargate.vcpu_hour",
        f"{where} x {b.hours} h",
        ce="ecs",
        schedule="stoppable",
    )
    b.add(
        "Compute",
        "Fargate memory",
        f["memory_gb_total"] * b.hours,
        "GB-h",
        "fargate.gb_hour",
        f"{where} x {b.hours} h",
        ce="ecs",
        schedule="stoppable",
    )


def _network(b: _Builder, env: AwsProfile, usage: Usage, f: dict[str, Any]) -> None:
    azs, nats, endpoints = f["availability_zones"], f["nat_gateways"], f["interface_endpoints"]
    b.add(
        "Network",
        "NAT gateway hours",
        nats * b.hours,
        "h",
        "nat.hour",
        f"{nats} NAT gateway(s) x {b.hours} h",
        ce="ec2_other",
        schedule="teardown",
    )
    b.add(
        "Network",
        "NAT data processed",
        usage["nat_processed_gb"],
        "GB",
        "nat.gb",
        "usage: nat_processed_gb",
        ce="ec2_other",
        usage_based=True,
    )
    b.add(
        "Network",
        "Interface endpoint hours",
        endpoints * azs * b.hours,
        "endpoint-AZ-h",
        "vpce.hour",
        f"{endpoints} interface endpoints x {azs} AZs x {b.hours} h (gateway endpoints are free)",
        ce="vpc",
        schedule="teardown",
    )
    b.add(
        "Network",
        "Interface endpoint data",
        usage["endpoint_processed_gb"],
        "GB",
        "vpce.gb",
        "usage: endpoint_processed_gb",
        ce="vpc",
        usage_based=True,
    )
    b.add(
        "Network",
        "Public IPv4 addresses",
        f["public_ipv4"] * b.hours,
        "address-h",
        "ipv4.hour",
        f"{nats} NAT Elastic IP(s) + {azs} ALB addresses (one per AZ) x {b.hours} h",
        ce="vpc",
        schedule="teardown",
    )
    b.add(
        "Network",
        "ALB hours",
        b.hours,
        "h",
        "alb.hour",
        f"1 load balancer x {b.hours} h",
        ce="elb",
        schedule="teardown",
    )
    b.add(
        "Network",
        "ALB capacity units",
        usage["alb_lcu"] * b.hours,
        "LCU-h",
        "alb.lcu_hour",
        f"usage: alb_lcu x {b.hours} h",
        ce="elb",
        usage_based=True,
        schedule="teardown",
    )
    b.add(
        "Network",
        "Data transfer to the internet",
        usage["internet_egress_gb"],
        "GB",
        "transfer.internet_out_gb",
        "usage: internet_egress_gb",
        ce="transfer",
        usage_based=True,
    )


def _databases(
    b: _Builder, platform: Platform, env: AwsProfile, usage: Usage, f: dict[str, Any]
) -> None:
    rds, n = env.rds, f["rds_instances"]
    copies = 2 if rds.multi_az else 1
    az_note = " x 2 (Multi-AZ standby)" if rds.multi_az else ""
    b.add(
        "Databases",
        f"RDS PostgreSQL {rds.instance_class}",
        n * copies * b.hours,
        "instance-h",
        f"rds.postgres.{rds.instance_class}",
        f"{n} instances (one per database){az_note} x {b.hours} h",
        ce="rds",
        schedule="stoppable",
    )
    storage_gb = n * copies * rds.allocated_storage_gb
    b.add(
        "Databases",
        f"RDS storage ({rds.storage_type})",
        storage_gb,
        "GB-month",
        f"rds.storage.{rds.storage_type}",
        f"{n} x {rds.allocated_storage_gb} GB allocated{az_note}",
        ce="rds",
    )
    # Automated backups: a full copy plus each retained day's changes; free up to the
    # provisioned storage of the region (the primary copies only).
    used = min(usage["rds_used_gb"], rds.allocated_storage_gb)
    days = rds.backup_retention_days
    backup = n * used * (1 + usage["rds_daily_change"] * max(days - 1, 0)) if days else 0.0
    free = n * rds.allocated_storage_gb
    b.add(
        "Databases",
        "RDS backup storage beyond free",
        max(0.0, backup - free),
        "GB-month",
        "rds.backup_gb_month",
        f"{n} x {used:g} GB used x (1 + {usage['rds_daily_change']:g} x {max(days - 1, 0)} "
        f"days) = {backup:.1f} GB, free {free} GB",
        ce="rds",
        usage_based=True,
    )
    docdb = env.docdb
    b.add(
        "Databases",
        f"DocumentDB {docdb.instance_class}",
        docdb.instances * b.hours,
        "instance-h",
        f"docdb.{docdb.instance_class}",
        f"{docdb.instances} instance(s) x {b.hours} h",
        ce="docdb",
        schedule="stoppable",
    )
    b.add(
        "Databases",
        "DocumentDB storage",
        usage["docdb_storage_gb"],
        "GB-month",
        "docdb.storage_gb_month",
        "usage: docdb_storage_gb (one copy, replicated by AWS)",
        ce="docdb",
        usage_based=True,
    )
    b.add(
        "Databases",
        "DocumentDB I/O",
        usage["docdb_io_million"],
        "million I/Os",
        "docdb.io_million",
        "usage: docdb_io_million",
        ce="docdb",
        usage_based=True,
    )
    redis = env.redis
    b.add(
        "Databases",
        f"ElastiCache Redis {redis.node_type}",
        redis.nodes * b.hours,
        "node-h",
        f"elasticache.{redis.node_type}",
        f"{redis.nodes} node(s){' (primary + replica)' if redis.nodes > 1 else ''} x {b.hours} h",
        ce="elasticache",
        schedule="teardown",
    )


def _observability(
    b: _Builder, platform: Platform, env: AwsProfile, usage: Usage, f: dict[str, Any]
) -> None:
    tasks = f["services"] * f["tasks_per_service"]
    app_gb = usage["app_log_gb_per_task"] * tasks
    b.add(
        "Observability",
        "CloudWatch Logs ingestion (services)",
        app_gb,
        "GB",
        "cloudwatch.logs_ingest_gb",
        f"usage: app_log_gb_per_task x {tasks} tasks",
        ce="cloudwatch",
        usage_based=True,
    )
    b.add(
        "Observability",
        "CloudWatch Logs ingestion (VPC flow logs)",
        usage["flow_log_gb"],
        "GB",
        "cloudwatch.vended_logs_gb",
        "usage: flow_log_gb",
        ce="cloudwatch",
        usage_based=True,
    )
    # Steady state: each month's logs are kept for the retention period (stored uncompressed
    # here, so this is an upper bound: CloudWatch bills archived logs compressed).
    stored = app_gb * f["log_retention_days"] / 30 + usage["flow_log_gb"] * (
        f["flow_log_retention_days"] / 30
    )
    b.add(
        "Observability",
        "CloudWatch Logs storage",
        stored,
        "GB-month",
        "cloudwatch.logs_storage_gb_month",
        f"services {f['log_retention_days']} days, flow logs {f['flow_log_retention_days']} "
        "days of retention (uncompressed: an upper bound)",
        ce="cloudwatch",
        usage_based=True,
    )
    b.add(
        "Observability",
        "CloudWatch alarms",
        f["alarms"],
        "alarm-month",
        "cloudwatch.alarm_month",
        _alarm_detail(platform, env),
        ce="cloudwatch",
    )
    b.add(
        "Observability",
        "CloudWatch dashboard",
        f["dashboards"],
        "dashboard-month",
        "cloudwatch.dashboard_month",
        platform.names(env.name).dashboard,
        ce="cloudwatch",
    )


def _alarm_detail(platform: Platform, env: AwsProfile) -> str:
    targets = platform.alarm_targets(env)
    parts = []
    for per in ("service", "load_balancer", "database", "cache"):
        kinds = [a for a in platform.alarms if a.per == per]
        if kinds:
            label = "cache node" if per == "cache" else per.replace("_", " ")
            parts.append(f"{len(kinds)} per {label} x {len(targets[per])}")
    return ", ".join(parts)


def _edge_and_storage(
    b: _Builder, platform: Platform, env: AwsProfile, usage: Usage, f: dict[str, Any]
) -> None:
    names = platform.names(env.name)
    b.add(
        "Edge & storage",
        "S3 assets storage",
        usage["s3_storage_gb"],
        "GB-month",
        "s3.standard_gb_month",
        f"usage: s3_storage_gb ({names.assets_bucket})",
        ce="s3",
        usage_based=True,
    )
    b.add(
        "Edge & storage",
        "S3 requests (PUT)",
        usage["s3_put_thousand"],
        "1k requests",
        "s3.put_1k",
        "usage: s3_put_thousand",
        ce="s3",
        usage_based=True,
    )
    b.add(
        "Edge & storage",
        "S3 requests (GET)",
        usage["s3_get_thousand"],
        "1k requests",
        "s3.get_1k",
        "usage: s3_get_thousand",
        ce="s3",
        usage_based=True,
    )
    b.add(
        "Edge & storage",
        "CloudFront data to viewers",
        usage["cloudfront_gb"],
        "GB",
        "cloudfront.gb",
        "usage: cloudfront_gb (Europe price class)",
        ce="cloudfront",
        usage_based=True,
    )
    b.add(
        "Edge & storage",
        "CloudFront HTTPS requests",
        usage["cloudfront_requests_million"] * 100,
        "10k requests",
        "cloudfront.https_10k",
        "usage: cloudfront_requests_million",
        ce="cloudfront",
        usage_based=True,
    )
    b.add(
        "Edge & storage",
        "Route 53 hosted zone",
        1,
        "zone-month",
        "route53.zone_month",
        f"{names.zone}",
        ce="route53",
    )
    b.add(
        "Edge & storage",
        "Route 53 queries",
        usage["route53_queries_million"],
        "million queries",
        "route53.queries_million",
        "usage: route53_queries_million",
        ce="route53",
        usage_based=True,
    )
    b.add(
        "Edge & storage",
        "Cloud Map private DNS zone",
        1,
        "zone-month",
        "route53.zone_month",
        f"{platform.cloud_map_namespace} (a Route 53 private hosted zone)",
        ce="route53",
    )
    tasks = f["services"] * f["tasks_per_service"]
    b.add(
        "Edge & storage",
        "Cloud Map registered tasks",
        tasks,
        "instance-month",
        "cloudmap.instance_month",
        f"{f['services']} services x {f['tasks_per_service']} task(s)",
        ce="cloudmap",
    )
    repos = f["ecr_repositories"]
    b.add(
        "Edge & storage",
        "ECR image storage",
        repos * usage["ecr_gb_per_repository"],
        "GB-month",
        "ecr.gb_month",
        f"{repos} repositories x usage: ecr_gb_per_repository",
        ce="ecr",
        usage_based=True,
    )


def _messaging_and_security(
    b: _Builder, platform: Platform, env: AwsProfile, usage: Usage, f: dict[str, Any]
) -> None:
    seconds = b.hours * 3600
    polls = f["queue_polls"] * f["tasks_per_service"] * seconds / SQS_LONG_POLL_SECONDS / 1e6
    b.add(
        "Messaging",
        "SQS long polling",
        polls,
        "million requests",
        "sqs.requests_million",
        f"{f['queue_polls']} consumed queues x {f['tasks_per_service']} task(s) x one "
        f"{SQS_LONG_POLL_SECONDS} s receive each, all month",
        ce="sqs",
        schedule="stoppable",
    )
    b.add(
        "Messaging",
        "SQS messages",
        usage["messages_million"] * 3,
        "million requests",
        "sqs.requests_million",
        "usage: messages_million x 3 (send, receive, delete)",
        ce="sqs",
        usage_based=True,
    )
    b.add(
        "Messaging",
        "SNS publishes",
        usage["sns_publishes_million"],
        "million publishes",
        "sns.publishes_million",
        f"usage: sns_publishes_million ({f['topics']} topics; deliveries to SQS are free)",
        ce="sns",
        usage_based=True,
    )
    b.add(
        "Messaging",
        "SES emails",
        usage["emails_thousand"],
        "1k emails",
        "ses.emails_1k",
        "usage: emails_thousand",
        ce="ses",
        usage_based=True,
    )
    b.add(
        "Security",
        "Secrets Manager secrets",
        f["secrets"],
        "secret-month",
        "secretsmanager.secret_month",
        ", ".join(s.name for s in platform.secrets),
        ce="secrets",
    )
    b.add(
        "Security",
        "Secrets Manager API calls",
        usage["secrets_api_10k"],
        "10k calls",
        "secretsmanager.api_10k",
        "usage: secrets_api_10k",
        ce="secrets",
        usage_based=True,
    )
    keys = f["customer_managed_kms_keys"]
    b.add(
        "Security",
        "KMS customer managed keys",
        keys,
        "key-month",
        "kms.key_month",
        f"{keys} customer managed key(s): the one the rendered Terraform creates",
        ce="kms",
    )
    b.add(
        "Security",
        "KMS requests",
        usage["kms_requests_10k"],
        "10k requests",
        "kms.requests_10k",
        "usage: kms_requests_10k",
        ce="kms",
        usage_based=True,
    )
