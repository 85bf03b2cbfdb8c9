"""The typed description of the Event Planner platform.

Everything eventctl produces (Terraform, the local runtime, cost lines, log group names) is
derived from these objects, so a service, queue or size is written down exactly once: in
`catalog.py` for the platform and `environments.py` for the environment profiles.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from platform_model.validation import validate_platform

if TYPE_CHECKING:
    from platform_model.names import Names

Permission = Literal["ses", "s3", "sqs", "sns"]
EnvironmentKind = Literal["local", "aws"]

# The rendered Terraform creates one customer managed KMS key per AWS environment
# (modules/security) for logs, messaging, secrets and data stores; a render test checks it.
KMS_KEYS_PER_ENVIRONMENT = 1

_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


class Frozen(BaseModel):
    """Base for model objects: immutable and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and dashes")
    return value


Name = Annotated[str, AfterValidator(_check_name)]


class Service(Frozen):
    """One of the five backend services (a Starlette app, an ECS service in AWS)."""

    name: Name = Field(description="short name, e.g. 'auth'")
    title: str
    port: int = Field(ge=1024, le=65535)
    path_prefix: str = Field(description="ALB path prefix, e.g. '/api/auth'")
    cpu: int = Field(default=256, description="Fargate CPU units")
    memory: int = Field(default=512, description="Fargate memory in MiB")
    database: str | None = Field(default=None, description="the PostgreSQL database it owns")
    image_name: Name = Field(description="ECR repository suffix, e.g. 'auth-svc'")
    permissions: tuple[Permission, ...] = Field(description="AWS services its task role may use")
    publishes_queues: tuple[str, ...] = ()
    publishes_topics: tuple[str, ...] = ()
    consumes: tuple[str, ...] = Field(default=(), description="SQS queues it long-polls")
    calls: tuple[str, ...] = Field(
        default=(), description="services whose internal API it calls (with its credential)"
    )
    issues_tokens: bool = Field(
        default=False, description="signs the access tokens (holds the JWT private key)"
    )
    health_path: str = Field(default="/healthz", description="liveness: the process answers")
    ready_path: str = Field(
        default="/readyz", description="readiness: the process can reach its database"
    )

    @field_validator("path_prefix")
    @classmethod
    def _prefix_under_api(cls, value: str) -> str:
        if not re.fullmatch(r"/api/[a-z][a-z0-9-]*", value):
            raise ValueError(f"{value!r} must look like '/api/<word>'")
        return value

    @property
    def full_name(self) -> str:
        """The seed's name for it: 'auth-service'."""
        return f"{self.name}-service"

    @property
    def credentials_secret(self) -> str:
        """Short name of its internal-API credentials secret: 'booking-service-credentials'."""
        return f"{self.full_name}-credentials"

    @property
    def path_pattern(self) -> str:
        """The ALB listener rule pattern, '/api/auth/*'."""
        return f"{self.path_prefix}/*"

    @property
    def internal_prefix(self) -> str:
        """Service-to-service API, '/internal/events': outside /api/, so the ALB never routes it."""
        return "/internal" + self.path_prefix.removeprefix("/api")


class Queue(Frozen):
    """An SQS queue; every queue gets a dead-letter queue and KMS encryption."""

    name: Name
    purpose: str
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    visibility_timeout_seconds: int = Field(default=30, ge=0, le=43200)
    retention_seconds: int = Field(default=4 * 86400, ge=60, le=14 * 86400)
    unconsumed_reason: str | None = Field(
        default=None, description="why no service consumes it (required when none does)"
    )


class Topic(Frozen):
    """An SNS topic and the SQS queues subscribed to it."""

    name: Name
    purpose: str
    subscribed_queues: tuple[str, ...] = ()


class Database(Frozen):
    """A PostgreSQL database (one RDS instance each, as the seed draws it for four of them)."""

    name: Name = Field(description="the seed's name, e.g. 'auth-db'")
    db_name: str = Field(description="the database name inside PostgreSQL, e.g. 'auth'")
    engine_version: str = "16"
    port: int = 5432

    @field_validator("db_name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", value):
            raise ValueError(f"{value!r} is not a PostgreSQL identifier")
        return value


class DocumentStore(Frozen):
    """The DocumentDB (MongoDB-compatible) cluster that keeps the audit log."""

    name: str = "docdb"
    purpose: str = "audit logs"
    port: int = 27017
    tls_required: bool = True
    engine_version: str = "5.0.0"


class Cache(Frozen):
    """ElastiCache Redis for sessions and caching."""

    name: str = "redis"
    purpose: str = "sessions, caching, login rate limits"
    port: int = 6379
    engine_version: str = "7.1"


class Secret(Frozen):
    """A Secrets Manager secret the platform keeps (credentials, signing keys)."""

    name: Name = Field(description="short name, e.g. 'auth-db-credentials'")
    purpose: str


class Alarm(Frozen):
    """A CloudWatch alarm kind; `per` says what it is instantiated for."""

    name: str
    metric: str
    namespace: str
    per: Literal["service", "load_balancer", "database", "cache"]
    threshold: float
    comparison: Literal["GreaterThanThreshold", "LessThanThreshold"] = "GreaterThanThreshold"
    statistic: Literal["Average", "Sum", "Maximum", "Minimum"] = "Average"
    period_seconds: int = 300
    evaluation_periods: int = 2


class ServiceSize(Frozen):
    """A per-environment override of one service's Fargate size."""

    cpu: int | None = None
    memory: int | None = None


class Autoscaling(Frozen):
    """ECS application autoscaling bounds and target-tracking values."""

    min_tasks: int = Field(ge=1)
    max_tasks: int = Field(ge=1)
    cpu_target_percent: float = Field(default=70, gt=0, le=100)
    memory_target_percent: float = Field(default=75, gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Autoscaling:
        if self.max_tasks < self.min_tasks:
            raise ValueError(f"max_tasks ({self.max_tasks}) < min_tasks ({self.min_tasks})")
        return self


class Network(Frozen):
    """The VPC layout: one public, one app and one data subnet per availability zone."""

    vpc_cidr: str = "10.0.0.0/16"
    availability_zones: int = Field(default=2, ge=2, le=3)
    public_subnets: tuple[str, ...] = ("10.0.1.0/24", "10.0.2.0/24")
    app_subnets: tuple[str, ...] = ("10.0.11.0/24", "10.0.12.0/24")
    data_subnets: tuple[str, ...] = ("10.0.21.0/24", "10.0.22.0/24")
    nat_gateways: int = Field(default=1, ge=1)
    interface_endpoints: tuple[str, ...] = ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm")
    gateway_endpoints: tuple[str, ...] = ("s3",)
    flow_log_retention_days: int = 30

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        _parse_cidr(value)
        return value

    @model_validator(mode="after")
    def _subnets_fit(self) -> Network:
        vpc = _parse_cidr(self.vpc_cidr)
        seen: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for tier in ("public_subnets", "app_subnets", "data_subnets"):
            cidrs: tuple[str, ...] = getattr(self, tier)
            if len(cidrs) != self.availability_zones:
                raise ValueError(
                    f"{tier} has {len(cidrs)} entries; need one per availability zone "
                    f"({self.availability_zones})"
                )
            for cidr in cidrs:
                net = _parse_cidr(cidr)
                if not net.subnet_of(vpc):  # type: ignore[arg-type]
                    raise ValueError(f"{tier}: {cidr} is outside the VPC {self.vpc_cidr}")
                clash = next((other for other in seen if net.overlaps(other)), None)
                if clash is not None:
                    raise ValueError(f"{tier}: {cidr} overlaps {clash}")
                seen.append(net)
        if self.nat_gateways > self.availability_zones:
            raise ValueError(
                f"nat_gateways ({self.nat_gateways}) exceeds availability_zones "
                f"({self.availability_zones})"
            )
        return self


def _parse_cidr(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid CIDR block ({exc})") from None


class RdsProfile(Frozen):
    instance_class: str = "db.t3.medium"
    allocated_storage_gb: int = Field(default=20, ge=20, le=65536)
    max_allocated_storage_gb: int | None = Field(
        default=None, description="storage autoscaling ceiling; None disables it"
    )
    storage_type: str = "gp3"
    multi_az: bool = False
    backup_retention_days: int = Field(default=1, ge=0, le=35)
    deletion_protection: bool = False
    final_snapshot: bool = False

    @model_validator(mode="after")
    def _ceiling(self) -> RdsProfile:
        ceiling = self.max_allocated_storage_gb
        if ceiling is not None and ceiling < self.allocated_storage_gb:
            raise ValueError(
                f"max_allocated_storage_gb ({ceiling}) < allocated_storage_gb "
                f"({self.allocated_storage_gb})"
            )
        return self


class DocdbProfile(Frozen):
    instance_class: str = "db.t3.medium"
    instances: int = Field(default=1, ge=1, le=16)
    backup_retention_days: int = Field(default=1, ge=1, le=35)
    deletion_protection: bool = False
    final_snapshot: bool = False


class RedisProfile(Frozen):
    node_type: str = "cache.t3.micro"
    nodes: int = Field(default=1, ge=1, le=6, description="primary + replicas")
    automatic_failover: bool = False
    snapshot_retention_days: int = Field(default=0, ge=0, le=35)

    @model_validator(mode="after")
    def _failover_needs_replica(self) -> RedisProfile:
        if self.automatic_failover and self.nodes < 2:
            raise ValueError("automatic_failover needs nodes >= 2 (a primary and a replica)")
        return self


class LocalRuntime(Frozen):
    """How `env up local` runs the platform on one machine."""

    gateway_port: int = Field(default=8080, ge=1024, le=65535)
    aws_emulator_port: int = Field(default=5005, ge=1024, le=65535)
    data_dir: str = ".eventctl/local"
    service_ports: dict[str, Annotated[int, Field(ge=1024, le=65535)]] = Field(
        default_factory=dict,
        description="ports that replace a service's model port on this machine (a busy port)",
    )

    def ports(self, services: tuple[Service, ...]) -> dict[str, int]:
        """Every port the runtime listens on: 'gateway', 'aws-emulator' and each service."""
        return {
            "aws-emulator": self.aws_emulator_port,
            **{s.name: self.service_ports.get(s.name, s.port) for s in services},
            "gateway": self.gateway_port,
        }


class _Profile(Frozen):
    """What every environment has, whichever kind it is."""

    name: Name
    description: str
    production: bool = False
    desired_count: int = Field(default=1, ge=0, le=100, description="tasks per service")
    autoscaling: Autoscaling | None = None
    manual_approval: bool = False
    log_retention_days: int = 30
    services: dict[str, ServiceSize] = Field(
        default_factory=dict, description="per-service size overrides"
    )
    dns_prefix: str = Field(
        default="", description="label put before the domain, e.g. 'dev' -> dev.example.com"
    )
    assets_versioning: bool = Field(
        default=False, description="S3 versioning of the web assets bucket"
    )
    alb_deletion_protection: bool = Field(
        default=False, description="refuse to delete the load balancer while this is on"
    )
    secret_recovery_days: int = Field(
        default=0,
        description="days a deleted secret stays restorable: 0 (at once) or 7-30",
    )

    @field_validator("secret_recovery_days")
    @classmethod
    def _recovery_window(cls, value: int) -> int:
        if value != 0 and not 7 <= value <= 30:
            raise ValueError(f"is {value}; Secrets Manager accepts 0 or 7 to 30 days")
        return value

    @field_validator("desired_count")
    @classmethod
    def _production_runs_tasks(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("production") and value < 1:
            raise ValueError(f"is {value}; a production environment needs at least 1 task")
        return value

    @field_validator("autoscaling")
    @classmethod
    def _desired_within_bounds(
        cls, value: Autoscaling | None, info: ValidationInfo
    ) -> Autoscaling | None:
        desired = info.data.get("desired_count")
        if value and desired is not None and not value.min_tasks <= desired <= value.max_tasks:
            raise ValueError(
                f"{value.min_tasks}-{value.max_tasks} tasks does not include "
                f"desired_count {desired}"
            )
        return value


def _missing(data: Any, parts: tuple[str, ...]) -> list[str]:
    """The `parts` a raw profile (a mapping) lacks; none for anything else."""
    if not isinstance(data, dict):
        return []
    return [part for part in parts if data.get(part) is None]


class LocalProfile(_Profile):
    """The whole platform on one machine, with an AWS emulator (`eventctl env up local`)."""

    kind: Literal["local"] = "local"
    local: LocalRuntime

    @model_validator(mode="before")
    @classmethod
    def _has_runtime(cls, data: Any) -> Any:
        if _missing(data, ("local",)):
            raise ValueError("a local environment needs its 'local' runtime settings")
        return data


AWS_PARTS = ("network", "rds", "docdb", "redis")


class AwsProfile(_Profile):
    """An environment on AWS, deployed by the rendered Terraform (dev, prod)."""

    kind: Literal["aws"] = "aws"
    network: Network
    rds: RdsProfile
    docdb: DocdbProfile
    redis: RedisProfile

    @model_validator(mode="before")
    @classmethod
    def _has_parts(cls, data: Any) -> Any:
        missing = _missing(data, AWS_PARTS)
        if missing:
            raise ValueError(f"an AWS environment needs {', '.join(missing)}")
        return data

    @property
    def local(self) -> None:
        """No local runtime: `profile.local` reads the same for both kinds."""
        return None


EnvironmentProfile = Annotated[LocalProfile | AwsProfile, Field(discriminator="kind")]
"""One environment: local (one machine), dev (seed's dev column) or prod (seed's HA).
Narrow it by `kind` (`if profile.kind == "aws": profile.rds ...`) or with isinstance."""


class Platform(Frozen):
    """The whole platform: services, messaging, data stores and environment profiles."""

    project: Name = "event-planner"
    domain: str = "sankofagrid.com"
    region: str = "eu-west-1"
    account_id: str | None = None
    cloud_map_namespace: str = "eventplanner.local"
    alert_email: str | None = Field(
        default=None, description="e-mail address subscribed to the alerts topic"
    )
    github_repository: str | None = Field(
        default=None,
        description="the GitHub repository (owner/name) whose workflows may assume the CI "
        "roles; unset: no CI roles",
    )
    ecr_keep_images: int = Field(
        default=30, ge=1, le=10000, description="images each ECR repository keeps"
    )
    frontend_prefix: str = Field(
        default="event-planner/browser",
        description="key prefix of the built web app inside the assets bucket",
    )
    services: tuple[Service, ...]
    queues: tuple[Queue, ...]
    topics: tuple[Topic, ...]
    databases: tuple[Database, ...]
    document_store: DocumentStore = DocumentStore()
    cache: Cache = Cache()
    alarms: tuple[Alarm, ...] = ()
    secrets: tuple[Secret, ...] = ()
    environments: dict[str, EnvironmentProfile]

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        label = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
        if not re.fullmatch(rf"({label}\.)+[a-z]{{2,63}}", value):
            raise ValueError(f"{value!r} is not a DNS domain name")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d", value):
            raise ValueError(f"{value!r} is not an AWS region name (like eu-west-1)")
        return value

    @field_validator("alert_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("github_repository")
    @classmethod
    def _github_repository(cls, value: str | None) -> str | None:
        # GitHub's rules: owner 1-39 of [A-Za-z0-9-], not starting with '-'; repository names
        # of [A-Za-z0-9._-], not '.' or '..'.
        pattern = r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}"
        if value is not None and (
            not re.fullmatch(pattern, value) or value.split("/")[1] in (".", "..")
        ):
            raise ValueError(f"{value!r} is not a GitHub repository as owner/name")
        return value

    @field_validator("frontend_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*", value):
            raise ValueError(
                f"{value!r} must be a relative S3 key prefix without leading or trailing '/'"
            )
        return value

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{12}", value):
            raise ValueError(f"{value!r} is not a 12-digit AWS account id")
        return value

    @model_validator(mode="after")
    def _validate(self) -> Platform:
        validate_platform(self)
        return self

    # -- lookups -------------------------------------------------------------------------

    def service(self, name: str) -> Service:
        """The service called `name` ('auth' or 'auth-service')."""
        from platform_model.errors import UnknownNameError

        for service in self.services:
            if name in (service.name, service.full_name):
                return service
        raise UnknownNameError("service", name, [s.name for s in self.services])

    def environment(self, name: str) -> EnvironmentProfile:
        """The environment profile called `name`."""
        from platform_model.errors import UnknownNameError

        if name not in self.environments:
            raise UnknownNameError("environment", name, list(self.environments))
        return self.environments[name]

    def callers_of(self, service: Service) -> tuple[Service, ...]:
        """The services that call `service`'s internal API."""
        return tuple(s for s in self.services if service.name in s.calls)

    @property
    def token_issuer(self) -> Service:
        """The service that signs access tokens and publishes their keys."""
        return next(s for s in self.services if s.issues_tokens)

    def consumer_of(self, queue: str) -> Service | None:
        """The service that long-polls `queue`, if any."""
        return next((s for s in self.services if queue in s.consumes), None)

    def service_size(self, env: EnvironmentProfile, service: Service) -> tuple[int, int]:
        """(cpu, memory) of `service` in `env`, with the environment's overrides applied."""
        override = env.services.get(service.name, ServiceSize())
        return (override.cpu or service.cpu, override.memory or service.memory)

    def alarm_targets(self, env: EnvironmentProfile) -> dict[str, list[str]]:
        """What each alarm kind is instantiated for in `env`, by its `per`: the services, the
        databases, the cache's nodes, the load balancer. The Terraform and the cost report
        both count alarms from this."""
        names = self.names(env.name)
        nodes = env.redis.nodes if env.kind == "aws" else 0
        return {
            "service": [s.name for s in self.services],
            "database": [d.name for d in self.databases],
            "cache": names.redis_nodes(nodes) if nodes else [],
            "load_balancer": ["alb"],
        }

    def names(self, env: str) -> Names:
        """The AWS resource names of one environment."""
        from platform_model.names import Names

        return Names(platform=self, env=self.environment(env).name)
