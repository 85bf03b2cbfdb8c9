"""The monthly estimate of one AWS environment: which lines it has, and their quantities.

Every quantity comes from the platform model and the environment profile (counts, sizes,
AZs, retention, gathered in `facts.py`) or, for usage-driven items, from the usage
assumptions; every unit price comes from the price table (`lines.py` prices each line as it
is added). Nothing here prints; the functions return data.
"""

from __future__ import annotations

from eventctl.core.costs.facts import EnvironmentFacts, environment_facts
from eventctl.core.costs.lines import Estimate, Line, LineBuilder, money
from eventctl.core.costs.prices import PriceTable
from eventctl.core.costs.usage import Usage
from eventctl.errors import EventctlError
from platform_model import AwsProfile, Platform

__all__ = ["Estimate", "Line", "estimate_environment", "money"]

SQS_LONG_POLL_SECONDS = 20
"""Consumers long-poll with the maximum wait, so an idle consumer makes one request per 20 s."""


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
    lines = LineBuilder(prices)
    facts = environment_facts(platform, env, prices.hours_per_month)
    _compute(lines, platform, env, facts)
    _network(lines, env, usage, facts)
    _databases(lines, platform, env, usage, facts)
    _observability(lines, platform, env, usage, facts)
    _edge_and_storage(lines, platform, env, usage, facts)
    _messaging_and_security(lines, platform, env, usage, facts)
    return Estimate(env=env_name, lines=tuple(lines.lines), facts=facts)


def _compute(
    lines: LineBuilder, platform: Platform, env: AwsProfile, facts: EnvironmentFacts
) -> None:
    tasks = facts.tasks_per_service
    sizes = sorted({platform.service_size(env, s) for s in platform.services})
    shape = ", ".join(f"{cpu / 1024:g} vCPU/{mem / 1024:g} GB" for cpu, mem in sizes)
    where = f"{facts.services} services x {tasks} task(s) ({facts.task_count_basis}), {shape}"
    lines.add(
        "Compute",
        "Fargate vCPU",
        facts.vcpu_total * lines.hours,
        "vCPU-h",
        "fargate.vcpu_hour",
        f"{where} x {lines.hours} h",
        ce="ecs",
        schedule="stoppable",
    )
    lines.add(
        "Compute",
        "Fargate memory",
        facts.memory_gb_total * lines.hours,
        "GB-h",
        "fargate.gb_hour",
        f"{where} x {lines.hours} h",
        ce="ecs",
        schedule="stoppable",
    )


def _network(lines: LineBuilder, env: AwsProfile, usage: Usage, facts: EnvironmentFacts) -> None:
    azs, nats, endpoints = facts.availability_zones, facts.nat_gateways, facts.interface_endpoints
    lines.add(
        "Network",
        "NAT gateway hours",
        nats * lines.hours,
        "h",
        "nat.hour",
        f"{nats} NAT gateway(s) x {lines.hours} h",
        ce="ec2_other",
        schedule="teardown",
    )
    lines.add(
        "Network",
        "NAT data processed",
        usage["nat_processed_gb"],
        "GB",
        "nat.gb",
        "usage: nat_processed_gb",
        ce="ec2_other",
        usage_based=True,
    )
    lines.add(
        "Network",
        "Interface endpoint hours",
        endpoints * azs * lines.hours,
        "endpoint-AZ-h",
        "vpce.hour",
        f"{endpoints} interface endpoints x {azs} AZs x {lines.hours} h "
        "(gateway endpoints are free)",
        ce="vpc",
        schedule="teardown",
    )
    lines.add(
        "Network",
        "Interface endpoint data",
        usage["endpoint_processed_gb"],
        "GB",
        "vpce.gb",
        "usage: endpoint_processed_gb",
        ce="vpc",
        usage_based=True,
    )
    lines.add(
        "Network",
        "Public IPv4 addresses",
        facts.public_ipv4 * lines.hours,
        "address-h",
        "ipv4.hour",
        f"{nats} NAT Elastic IP(s) + {azs} ALB addresses (one per AZ) x {lines.hours} h",
        ce="vpc",
        schedule="teardown",
    )
    lines.add(
        "Network",
        "ALB hours",
        lines.hours,
        "h",
        "alb.hour",
        f"1 load balancer x {lines.hours} h",
        ce="elb",
        schedule="teardown",
    )
    lines.add(
        "Network",
        "ALB capacity units",
        usage["alb_lcu"] * lines.hours,
        "LCU-h",
        "alb.lcu_hour",
        f"usage: alb_lcu x {lines.hours} h",
        ce="elb",
        usage_based=True,
        schedule="teardown",
    )
    lines.add(
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
    lines: LineBuilder, platform: Platform, env: AwsProfile, usage: Usage, facts: EnvironmentFacts
) -> None:
    rds, instances = env.rds, facts.rds_instances
    copies = 2 if rds.multi_az else 1
    az_note = " x 2 (Multi-AZ standby)" if rds.multi_az else ""
    lines.add(
        "Databases",
        f"RDS PostgreSQL {rds.instance_class}",
        instances * copies * lines.hours,
        "instance-h",
        f"rds.postgres.{rds.instance_class}",
        f"{instances} instances (one per database){az_note} x {lines.hours} h",
        ce="rds",
        schedule="stoppable",
    )
    storage_gb = instances * copies * rds.allocated_storage_gb
    lines.add(
        "Databases",
        f"RDS storage ({rds.storage_type})",
        storage_gb,
        "GB-month",
        f"rds.storage.{rds.storage_type}",
        f"{instances} x {rds.allocated_storage_gb} GB allocated{az_note}",
        ce="rds",
    )
    # Automated backups: a full copy plus each retained day's changes; free up to the
    # provisioned storage of the region (the primary copies only).
    used = min(usage["rds_used_gb"], rds.allocated_storage_gb)
    days = rds.backup_retention_days
    backup = instances * used * (1 + usage["rds_daily_change"] * max(days - 1, 0)) if days else 0.0
    free = instances * rds.allocated_storage_gb
    lines.add(
        "Databases",
        "RDS backup storage beyond free",
        max(0.0, backup - free),
        "GB-month",
        "rds.backup_gb_month",
        f"{instances} x {used:g} GB used x (1 + {usage['rds_daily_change']:g} x {max(days - 1, 0)} "
        f"days) = {backup:.1f} GB, free {free} GB",
        ce="rds",
        usage_based=True,
    )
    docdb = env.docdb
    lines.add(
        "Databases",
        f"DocumentDB {docdb.instance_class}",
        docdb.instances * lines.hours,
        "instance-h",
        f"docdb.{docdb.instance_class}",
        f"{docdb.instances} instance(s) x {lines.hours} h",
        ce="docdb",
        schedule="stoppable",
    )
    lines.add(
        "Databases",
        "DocumentDB storage",
        usage["docdb_storage_gb"],
        "GB-month",
        "docdb.storage_gb_month",
        "usage: docdb_storage_gb (one copy, replicated by AWS)",
        ce="docdb",
        usage_based=True,
    )
    lines.add(
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
    lines.add(
        "Databases",
        f"ElastiCache Redis {redis.node_type}",
        redis.nodes * lines.hours,
        "node-h",
        f"elasticache.{redis.node_type}",
        f"{redis.nodes} node(s){' (primary + replica)' if redis.nodes > 1 else ''} "
        f"x {lines.hours} h",
        ce="elasticache",
        schedule="teardown",
    )


def _observability(
    lines: LineBuilder, platform: Platform, env: AwsProfile, usage: Usage, facts: EnvironmentFacts
) -> None:
    tasks = facts.services * facts.tasks_per_service
    app_gb = usage["app_log_gb_per_task"] * tasks
    lines.add(
        "Observability",
        "CloudWatch Logs ingestion (services)",
        app_gb,
        "GB",
        "cloudwatch.logs_ingest_gb",
        f"usage: app_log_gb_per_task x {tasks} tasks",
        ce="cloudwatch",
        usage_based=True,
    )
    lines.add(
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
    stored = app_gb * facts.log_retention_days / 30 + usage["flow_log_gb"] * (
        facts.flow_log_retention_days / 30
    )
    lines.add(
        "Observability",
        "CloudWatch Logs storage",
        stored,
        "GB-month",
        "cloudwatch.logs_storage_gb_month",
        f"services {facts.log_retention_days} days, flow logs {facts.flow_log_retention_days} "
        "days of retention (uncompressed: an upper bound)",
        ce="cloudwatch",
        usage_based=True,
    )
    lines.add(
        "Observability",
        "CloudWatch alarms",
        facts.alarms,
        "alarm-month",
        "cloudwatch.alarm_month",
        _alarm_detail(platform, env),
        ce="cloudwatch",
    )
    lines.add(
        "Observability",
        "CloudWatch dashboard",
        facts.dashboards,
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
    lines: LineBuilder, platform: Platform, env: AwsProfile, usage: Usage, facts: EnvironmentFacts
) -> None:
    names = platform.names(env.name)
    lines.add(
        "Edge & storage",
        "S3 assets storage",
        usage["s3_storage_gb"],
        "GB-month",
        "s3.standard_gb_month",
        f"usage: s3_storage_gb ({names.assets_bucket})",
        ce="s3",
        usage_based=True,
    )
    lines.add(
        "Edge & storage",
        "S3 requests (PUT)",
        usage["s3_put_thousand"],
        "1k requests",
        "s3.put_1k",
        "usage: s3_put_thousand",
        ce="s3",
        usage_based=True,
    )
    lines.add(
        "Edge & storage",
        "S3 requests (GET)",
        usage["s3_get_thousand"],
        "1k requests",
        "s3.get_1k",
        "usage: s3_get_thousand",
        ce="s3",
        usage_based=True,
    )
    lines.add(
        "Edge & storage",
        "CloudFront data to viewers",
        usage["cloudfront_gb"],
        "GB",
        "cloudfront.gb",
        "usage: cloudfront_gb (Europe price class)",
        ce="cloudfront",
        usage_based=True,
    )
    lines.add(
        "Edge & storage",
        "CloudFront HTTPS requests",
        usage["cloudfront_requests_million"] * 100,
        "10k requests",
        "cloudfront.https_10k",
        "usage: cloudfront_requests_million",
        ce="cloudfront",
        usage_based=True,
    )
    lines.add(
        "Edge & storage",
        "Route 53 hosted zone",
        1,
        "zone-month",
        "route53.zone_month",
        f"{names.zone}",
        ce="route53",
    )
    lines.add(
        "Edge & storage",
        "Route 53 queries",
        usage["route53_queries_million"],
        "million queries",
        "route53.queries_million",
        "usage: route53_queries_million",
        ce="route53",
        usage_based=True,
    )
    lines.add(
        "Edge & storage",
        "Cloud Map private DNS zone",
        1,
        "zone-month",
        "route53.zone_month",
        f"{platform.cloud_map_namespace} (a Route 53 private hosted zone)",
        ce="route53",
    )
    tasks = facts.services * facts.tasks_per_service
    lines.add(
        "Edge & storage",
        "Cloud Map registered tasks",
        tasks,
        "instance-month",
        "cloudmap.instance_month",
        f"{facts.services} services x {facts.tasks_per_service} task(s)",
        ce="cloudmap",
    )
    repos = facts.ecr_repositories
    lines.add(
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
    lines: LineBuilder, platform: Platform, env: AwsProfile, usage: Usage, facts: EnvironmentFacts
) -> None:
    seconds = lines.hours * 3600
    polls = facts.queue_polls * facts.tasks_per_service * seconds / SQS_LONG_POLL_SECONDS / 1e6
    lines.add(
        "Messaging",
        "SQS long polling",
        polls,
        "million requests",
        "sqs.requests_million",
        f"{facts.queue_polls} consumed queues x {facts.tasks_per_service} task(s) x one "
        f"{SQS_LONG_POLL_SECONDS} s receive each, all month",
        ce="sqs",
        schedule="stoppable",
    )
    lines.add(
        "Messaging",
        "SQS messages",
        usage["messages_million"] * 3,
        "million requests",
        "sqs.requests_million",
        "usage: messages_million x 3 (send, receive, delete)",
        ce="sqs",
        usage_based=True,
    )
    lines.add(
        "Messaging",
        "SNS publishes",
        usage["sns_publishes_million"],
        "million publishes",
        "sns.publishes_million",
        f"usage: sns_publishes_million ({facts.topics} topics; deliveries to SQS are free)",
        ce="sns",
        usage_based=True,
    )
    lines.add(
        "Messaging",
        "SES emails",
        usage["emails_thousand"],
        "1k emails",
        "ses.emails_1k",
        "usage: emails_thousand",
        ce="ses",
        usage_based=True,
    )
    lines.add(
        "Security",
        "Secrets Manager secrets",
        facts.secrets,
        "secret-month",
        "secretsmanager.secret_month",
        ", ".join(s.name for s in platform.secrets),
        ce="secrets",
    )
    lines.add(
        "Security",
        "Secrets Manager API calls",
        usage["secrets_api_10k"],
        "10k calls",
        "secretsmanager.api_10k",
        "usage: secrets_api_10k",
        ce="secrets",
        usage_based=True,
    )
    keys = facts.customer_managed_kms_keys
    lines.add(
        "Security",
        "KMS customer managed keys",
        keys,
        "key-month",
        "kms.key_month",
        f"{keys} customer managed key(s): the one the rendered Terraform creates",
        ce="kms",
    )
    lines.add(
        "Security",
        "KMS requests",
        usage["kms_requests_10k"],
        "10k requests",
        "kms.requests_10k",
        "usage: kms_requests_10k",
        ce="kms",
        usage_based=True,
    )
