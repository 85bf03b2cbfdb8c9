"""The platform model of one AWS environment as Terraform input variables.

`env render` writes this as `terraform.tfvars.json` beside the root module: every name, size,
port and messaging link the Terraform uses comes from here, so the templates hold structure
only. Names are checked against AWS's length limits before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventctl.errors import EventctlError
from platform_model import AwsProfile, Platform
from platform_model.catalog import JWT_SIGNING_KEY_SECRET

# The tightest AWS limit on each kind of name the Terraform sets.
NAME_LIMITS: dict[str, int] = {
    "load balancer": 32,
    "target group": 32,
    "ECS cluster": 255,
    "ECS service": 255,
    "ECR repository": 256,
    "IAM role": 64,
    "SQS queue": 80,
    "SNS topic": 256,
    "S3 bucket": 63,
    "log group": 512,
    "RDS instance": 63,
    "DocumentDB cluster": 63,
    "ElastiCache replication group": 40,
    "secret": 512,
    "CloudWatch alarm": 255,
    "CloudWatch dashboard": 255,
    "CloudFront function": 64,
    "CloudFront policy": 128,
    "KMS alias": 256,
    "security group": 255,
    "subnet group": 255,
    "parameter group": 255,
    "Cloud Map service": 127,
}


@dataclass(frozen=True)
class NamedResource:
    """One AWS name the Terraform will set, with the kind that decides its length limit."""

    kind: str
    name: str

    @property
    def limit(self) -> int:
        return NAME_LIMITS[self.kind]


def terraform_variables(platform: Platform, env: str) -> dict[str, Any]:
    """The root module's input values for AWS environment `env` (JSON-serialisable)."""
    profile = _aws_profile(platform, env)
    names = platform.names(env)
    variables: dict[str, Any] = {
        "project": platform.project,
        "domain": platform.domain,
        "environment": profile.name,
        "region": platform.region,
        "name_prefix": names.prefix,
        "network": {
            **profile.network.model_dump(mode="json"),
            "zone_names": _zone_names(platform.region, profile.network.availability_zones),
            "flow_log_group": names.flow_log_group,
        },
        "dns": {
            "zone": names.zone,
            "web_host": names.web_host,
            "api_host": names.api_host,
        },
        "cluster_name": names.cluster,
        "cloud_map_namespace": platform.cloud_map_namespace,
        "load_balancer": {
            "name": names.load_balancer,
            "deletion_protection": profile.alb_deletion_protection,
        },
        "execution_role_name": names.execution_role,
        "services": _services(platform, profile),
        "desired_count": profile.desired_count,
        "autoscaling": profile.autoscaling.model_dump(mode="json") if profile.autoscaling else None,
        "log_retention_days": profile.log_retention_days,
        "queues": {
            q.name: {
                "name": names.queue(q.name),
                "dead_letter_name": names.dead_letter_queue(q.name),
                "max_receive_count": q.max_receive_count,
                "visibility_timeout_seconds": q.visibility_timeout_seconds,
                "retention_seconds": q.retention_seconds,
            }
            for q in platform.queues
        },
        "topics": {
            t.name: {"name": names.topic(t.name), "subscribed_queues": list(t.subscribed_queues)}
            for t in platform.topics
        },
        "databases": {
            d.name: {
                "identifier": names.rds_instance(d),
                "db_name": d.db_name,
                "engine_version": d.engine_version,
                "port": d.port,
            }
            for d in platform.databases
        },
        "rds": profile.rds.model_dump(mode="json"),
        "document_store": {
            "cluster_identifier": names.docdb_cluster,
            "port": platform.document_store.port,
            "engine_version": platform.document_store.engine_version,
            "tls_required": platform.document_store.tls_required,
            **profile.docdb.model_dump(mode="json"),
        },
        "cache": {
            "replication_group_id": names.redis_group,
            "port": platform.cache.port,
            "engine_version": platform.cache.engine_version,
            "node_ids": names.redis_nodes(profile.redis.nodes),
            **profile.redis.model_dump(mode="json"),
        },
        "secrets": {
            "jwt_signing_key": names.secret(JWT_SIGNING_KEY_SECRET),
            "redis_auth_token": names.secret("redis-auth-token"),
            "service_credentials": {
                s.name: names.secret(s.credentials_secret)
                for s in platform.services
                if s.calls or platform.callers_of(s)
            },
        },
        "secret_recovery_days": profile.secret_recovery_days,
        "ecr_repositories": {s.name: names.ecr_repository(s) for s in platform.services},
        "ecr_keep_images": platform.ecr_keep_images,
        "frontend": {
            "bucket": names.assets_bucket,
            "prefix": platform.frontend_prefix,
            "versioning": profile.assets_versioning,
        },
        "observability": {
            "alerts_topic": names.alerts_topic,
            "dashboard": names.dashboard,
            "alert_email": platform.alert_email,
            "alarms": _alarms(platform, profile),
        },
        "cicd": _cicd(platform, env),
    }
    check_name_limits(named_resources(variables))
    return variables


def _cicd(platform: Platform, env: str) -> dict[str, Any]:
    """The GitHub Actions roles; the first AWS environment creates the account's OIDC provider."""
    names = platform.names(env)
    first_aws = next(n for n, p in platform.environments.items() if p.kind == "aws")
    return {
        "github_repository": platform.github_repository,
        "create_oidc_provider": env == first_aws,
        "role_names": {
            kind: f"{names.prefix}-github-{kind}" for kind in ("plan", "apply", "deploy")
        },
        "secret_prefix": names.secret(""),
        "state": {
            "bucket": names.state_bucket("{account_id}"),
            "key": names.state_key,
            "lock_table": names.lock_table,
            "release_prefix": names.release_prefix,
            "deploy_lock_ids": [names.deploy_lock_id(s) for s in platform.services],
        },
    }


def _aws_profile(platform: Platform, env: str) -> AwsProfile:
    profile = platform.environment(env)
    if not isinstance(profile, AwsProfile):
        raise EventctlError(
            f"environment {env!r} runs on this machine without Terraform; there is nothing "
            "to render",
            hint=f"start it with `eventctl env up {env}`; render an AWS environment "
            f"({', '.join(n for n, p in platform.environments.items() if p.kind == 'aws')})",
        )
    return profile


def _zone_names(region: str, count: int) -> list[str]:
    """The first `count` zones of `region` by letter, as the seed names them (eu-west-1a, ...)."""
    return [f"{region}{letter}" for letter in "abcdef"[:count]]


def _services(platform: Platform, profile: AwsProfile) -> dict[str, Any]:
    names = platform.names(profile.name)
    result: dict[str, Any] = {}
    for priority, service in enumerate(platform.services, start=1):
        cpu, memory = platform.service_size(profile, service)
        result[service.name] = {
            "full_name": service.full_name,
            "port": service.port,
            "path_patterns": [service.path_prefix, service.path_pattern],
            "listener_priority": priority * 10,
            "health_path": service.health_path,
            "cpu": cpu,
            "memory": memory,
            "database": service.database,
            "ecs_service_name": names.ecs_service(service),
            "target_group_name": names.target_group(service),
            "task_role_name": names.task_role(service),
            "log_group": names.log_group(service),
            "cloud_map_host": names.cloud_map_host(service),
            "permissions": list(service.permissions),
            "publishes_queues": list(service.publishes_queues),
            "publishes_topics": list(service.publishes_topics),
            "consumes": list(service.consumes),
            "calls": list(service.calls),
            "issues_tokens": service.issues_tokens,
            "uploads_prefix": (
                names.uploads_prefix(service) if "s3" in service.permissions else None
            ),
        }
    return result


def _alarms(platform: Platform, profile: AwsProfile) -> dict[str, Any]:
    """Every alarm instance: one per service, database or cache node, or one for the ALB."""
    names = platform.names(profile.name)
    targets = platform.alarm_targets(profile)
    instances: dict[str, Any] = {}
    for alarm in platform.alarms:
        for target in targets[alarm.per]:
            key = f"{alarm.name}-{target}"
            instances[key] = {
                "name": names.alarm(alarm.name, target.removeprefix(f"{names.prefix}-")),
                "per": alarm.per,
                "target": target,
                "metric": alarm.metric,
                "namespace": alarm.namespace,
                "threshold": alarm.threshold,
                "comparison": alarm.comparison,
                "statistic": alarm.statistic,
                "period_seconds": alarm.period_seconds,
                "evaluation_periods": alarm.evaluation_periods,
            }
    return instances


def named_resources(variables: dict[str, Any]) -> list[NamedResource]:
    """Every AWS name in `variables`, with its kind."""
    v = variables
    prefix = v["name_prefix"]
    found = [
        NamedResource("load balancer", v["load_balancer"]["name"]),
        NamedResource("ECS cluster", v["cluster_name"]),
        NamedResource("IAM role", v["execution_role_name"]),
        NamedResource("IAM role", f"{prefix}-vpc-flow-logs"),
        NamedResource("log group", v["network"]["flow_log_group"]),
        NamedResource("S3 bucket", v["frontend"]["bucket"]),
        NamedResource("DocumentDB cluster", v["document_store"]["cluster_identifier"]),
        NamedResource("ElastiCache replication group", v["cache"]["replication_group_id"]),
        NamedResource("SNS topic", v["observability"]["alerts_topic"]),
        NamedResource("CloudWatch dashboard", v["observability"]["dashboard"]),
        NamedResource("CloudFront function", f"{prefix}-spa-rewrite"),
        NamedResource("CloudFront policy", f"{prefix}-security-headers"),
        NamedResource("KMS alias", f"alias/{prefix}"),
        NamedResource("subnet group", f"{prefix}-data"),
        NamedResource("parameter group", f"{prefix}-docdb"),
    ]
    for tier in ("alb", "app", "endpoints", "postgres", "docdb", "redis"):
        found.append(NamedResource("security group", f"{prefix}-{tier}"))
    for s in v["services"].values():
        found += [
            NamedResource("ECS service", s["ecs_service_name"]),
            NamedResource("target group", s["target_group_name"]),
            NamedResource("IAM role", s["task_role_name"]),
            NamedResource("log group", s["log_group"]),
            NamedResource("Cloud Map service", s["full_name"]),
        ]
    found += [NamedResource("ECR repository", r) for r in v["ecr_repositories"].values()]
    for q in v["queues"].values():
        found += [
            NamedResource("SQS queue", q["name"]),
            NamedResource("SQS queue", q["dead_letter_name"]),
        ]
    found += [NamedResource("SNS topic", t["name"]) for t in v["topics"].values()]
    for d in v["databases"].values():
        found += [
            NamedResource("RDS instance", d["identifier"]),
            NamedResource("parameter group", d["identifier"]),
        ]
    secrets = v["secrets"]
    found += [
        NamedResource("secret", secrets[key]) for key in ("jwt_signing_key", "redis_auth_token")
    ]
    found += [NamedResource("secret", name) for name in secrets["service_credentials"].values()]
    found += [
        NamedResource("CloudWatch alarm", a["name"]) for a in v["observability"]["alarms"].values()
    ]
    return found


def check_name_limits(resources: list[NamedResource]) -> None:
    """Raise EventctlError naming the first name longer than AWS allows for its kind."""
    for resource in resources:
        if len(resource.name) > resource.limit:
            raise EventctlError(
                f"the {resource.kind} name {resource.name!r} is {len(resource.name)} characters; "
                f"AWS allows {resource.limit}",
                hint="shorten `project` in eventctl.toml (every name starts with "
                "<project>-<environment>)",
            )
