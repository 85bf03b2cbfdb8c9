"""Settings every service reads from its environment (pydantic-settings, no prefix).

In AWS the task definition injects these (secrets from Secrets Manager); locally `eventctl env up
local` or the shell sets them. Names of queues, topics, databases and paths are never settings:
they come from the platform model.

Connections can be given whole (`DATABASE_URL`, `REDIS_URL`, `AUDIT_MONGO_URL`: the local runtime
and the shell) or in the parts ECS can inject (`DB_HOST` ... `DB_PASSWORD` from the RDS-managed
secret, `REDIS_HOST` ... `REDIS_AUTH_TOKEN`, `DOCDB_HOST` ... `DOCDB_PASSWORD`): the settings
assemble the URL. `aws_needs()` says which values a service must be given in AWS; the service
refuses to start there without them, and a test checks the rendered task definitions against it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from platform_model import Platform, Service, build_platform
from platform_model.names import Names


class MissingSettings(ValueError):
    """Values a service needs outside the local environment were not given."""


@dataclass(frozen=True)
class Need:
    """A value a service must be given in AWS: any one of `options`, each a set of settings
    (field names) given together."""

    what: str
    options: tuple[tuple[str, ...], ...]

    @classmethod
    def one(cls, field: str) -> Need:
        return cls(field.upper(), ((field,),))

    def met_by(self, given: Collection[str]) -> bool:
        """Whether the settings (field names) in `given` satisfy this need."""
        return any(all(name in given for name in option) for option in self.options)

    def describe(self) -> str:
        """'DATABASE_URL, or DB_HOST + DB_PORT + ...' for error messages."""
        return ", or ".join(" + ".join(n.upper() for n in option) for option in self.options)


# The connection settings that may stand in for a whole URL, as ECS injects them.
DATABASE_PARTS = ("db_host", "db_port", "db_name", "db_username", "db_password")
REDIS_PARTS = ("redis_host", "redis_port", "redis_tls", "redis_auth_token")
DOCDB_PARTS = ("docdb_host", "docdb_port", "docdb_tls", "docdb_username", "docdb_password")
# Settings every service needs in AWS: the names in the platform model, the web app's origin
# behind CloudFront and the ALB in front.
COMMON_AWS_SETTINGS = (
    "environment",
    "platform_project",
    "platform_domain",
    "aws_region",
    "cors_origins",
    "trusted_proxy_hops",
)


class ServiceSettings(BaseSettings):
    """Common settings; each service subclasses it and sets `service_name`."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    service_name: ClassVar[str] = ""

    environment: str = Field(
        default="local", description="platform environment: local, dev or prod"
    )
    platform_project: str = Field(default="event-planner", description="names every AWS resource")
    platform_domain: str = Field(default="sankofagrid.com", description="token issuer, web origin")
    aws_region: str = Field(
        default="eu-west-1", description="region of the SNS topics, SQS queues and SES"
    )
    aws_endpoint_url: str | None = Field(
        default=None, description="SNS/SQS/SES endpoint (moto, LocalStack); None = AWS itself"
    )
    aws_account_id: str | None = Field(
        default=None, description="builds topic ARNs directly; None = look them up by name"
    )
    database_url: SecretStr | None = Field(
        default=None, description="postgresql://...; None = SQLite file under data_dir"
    )
    db_host: str | None = Field(
        default=None,
        description="PostgreSQL host; with DB_PORT, DB_NAME, DB_USERNAME and DB_PASSWORD it "
        "stands in for DATABASE_URL (TLS required)",
    )
    db_port: int = Field(default=5432, ge=1, le=65535, description="PostgreSQL port")
    db_name: str | None = Field(default=None, description="PostgreSQL database name")
    db_username: str | None = Field(default=None, description="PostgreSQL user")
    db_password: SecretStr | None = Field(default=None, description="PostgreSQL password")
    data_dir: Path = Field(
        default=Path(".eventctl/local/data"), description="where SQLite files live"
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        le=100,
        description="PostgreSQL connections kept open (see DB_MAX_OVERFLOW)",
    )
    db_max_overflow: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="extra PostgreSQL connections opened on bursts and closed after; default: "
        "DB_POOL_SIZE (0 keeps a fixed pool: no connect/disconnect churn under steady load)",
    )
    redis_url: SecretStr | None = Field(default=None, description="None = in-process store")
    redis_host: str | None = Field(
        default=None,
        description="Redis host; with REDIS_PORT, REDIS_TLS and REDIS_AUTH_TOKEN it stands in "
        "for REDIS_URL",
    )
    redis_port: int = Field(default=6379, ge=1, le=65535, description="Redis port")
    redis_tls: bool = Field(default=True, description="connect to Redis over TLS (rediss://)")
    redis_auth_token: SecretStr | None = Field(default=None, description="Redis AUTH token")
    redis_prefix: str | None = Field(
        default=None, description="key prefix; default '<project>:<env>:<service>:'"
    )
    audit_mongo_url: SecretStr | None = Field(
        default=None, description="MongoDB/DocumentDB URL; None = the audit_log table"
    )
    audit_mongo_database: str = Field(
        default="audit", description="database of the audit collection"
    )
    docdb_host: str | None = Field(
        default=None,
        description="DocumentDB cluster endpoint; with DOCDB_PORT, DOCDB_TLS, DOCDB_USERNAME and "
        "DOCDB_PASSWORD it stands in for AUDIT_MONGO_URL",
    )
    docdb_port: int = Field(default=27017, ge=1, le=65535, description="DocumentDB port")
    docdb_tls: bool = Field(default=True, description="connect to DocumentDB over TLS")
    docdb_ca_file: Path | None = Field(
        default=None,
        description="CA bundle that signs the DocumentDB certificate (Amazon RDS global "
        "bundle); None = the system's trust store",
    )
    docdb_username: str | None = Field(default=None, description="DocumentDB user")
    docdb_password: SecretStr | None = Field(default=None, description="DocumentDB password")
    audit_flush_seconds: float = Field(default=0.5, gt=0, description="audit batch interval")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    trusted_proxy_hops: int = Field(
        default=0, ge=0, le=5, description="load balancers in front that append X-Forwarded-For"
    )
    outbox_enabled: bool = Field(default=True, description="publish outbox messages (relay on)")
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, description="relay poll interval (it is also woken on commit)"
    )
    outbox_max_backoff_seconds: float = Field(
        default=60.0, gt=0, description="longest wait between retries of a failing message"
    )
    outbox_batch: int = Field(default=100, ge=1, le=1000, description="messages per relay round")
    outbox_linger_seconds: float = Field(
        default=0.05,
        ge=0,
        le=5,
        description="while messages keep coming, the pause between relay rounds (fuller batches)",
    )
    consumer_enabled: bool = Field(
        default=True, description="long-poll the queues the model says this service consumes"
    )
    consumer_wait_seconds: int = Field(
        default=20, ge=0, le=20, description="SQS long-poll wait (receive_message WaitTimeSeconds)"
    )
    consumer_batch: int = Field(default=10, ge=1, le=10, description="messages per receive")
    consumer_retry_base_seconds: float = Field(
        default=2.0,
        ge=0,
        description="a failed message is hidden this long, doubled on each receive, before "
        "it is retried; the queue's redrive policy moves it to the DLQ after maxReceiveCount",
    )
    consumer_retry_max_seconds: float = Field(
        default=300.0, ge=0, le=43200, description="longest hiding of a failed message"
    )
    consumer_shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        description="at shutdown, how long messages in hand may take to finish before they "
        "are returned to their queue",
    )
    auth_jwks_url: str | None = Field(
        default=None, description="where the auth service publishes its keys; default from model"
    )
    mail_from_domain: str | None = Field(
        default=None,
        description="the SES-verified domain mail is sent from (no-reply@<domain>); default: "
        "the environment's DNS zone",
    )
    service_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="internal API callers this service accepts: {caller name: credential}",
    )
    cors_origins: list[str] | None = Field(
        default=None,
        description="browser origins allowed to call the API; default: the platform's web site",
    )
    service_token: SecretStr | None = Field(
        default=None,
        description="this service's own credential for other services' internal APIs",
    )
    ecs_container_metadata_uri_v4: str | None = Field(
        default=None,
        description="set by ECS in every task (never by hand): a task whose ENVIRONMENT is "
        "missing or 'local' refuses to start",
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="larger bodies get 413")
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="base URLs of other services, {name: url}; default: loopback and the "
        "model's port locally, the Cloud Map name in AWS",
    )

    # -- what AWS must provide ---------------------------------------------------------------

    @classmethod
    def aws_needs(cls, platform: Platform) -> tuple[Need, ...]:
        """The values this service must be given outside the local environment.

        Subclasses add their own (the auth service its signing key). Each need names settings
        fields; the variable is the field name in upper case.
        """
        service = platform.service(cls.service_name)
        needs = [Need.one(name) for name in COMMON_AWS_SETTINGS]
        needs.append(Need("Redis", (("redis_url",), REDIS_PARTS)))
        needs.append(Need("the audit store", (("audit_mongo_url",), DOCDB_PARTS)))
        if service.database is not None:
            needs.append(Need("the database", (("database_url",), DATABASE_PARTS)))
        if service.publishes_topics:
            # Topic ARNs are built, not looked up: the task role may not list topics.
            needs.append(Need.one("aws_account_id"))
        if "ses" in service.permissions:
            needs.append(Need.one("mail_from_domain"))
        if service.calls:
            needs.append(Need.one("service_token"))
        if platform.callers_of(service):
            needs.append(Need.one("service_tokens"))
        return tuple(needs)

    @classmethod
    def secret_fields(cls) -> tuple[str, ...]:
        """Fields whose values are secrets: never in a plain environment variable in AWS."""
        return tuple(
            name for name, field in cls.model_fields.items() if _holds_secret(field.annotation)
        )

    def check_aws_needs(self, platform: Platform) -> None:
        """Raise MissingSettings naming every unmet need, outside the local environment."""
        if platform.environment(self.environment).kind == "local":
            if self.ecs_container_metadata_uri_v4 is not None:
                raise MissingSettings(
                    f"the {self.service_name} service runs in an ECS task but ENVIRONMENT is "
                    f"{'missing' if 'environment' not in self.model_fields_set else 'local'}: "
                    "the task definition must name the AWS environment"
                )
            return
        unmet = [
            need for need in self.aws_needs(platform) if not need.met_by(self.model_fields_set)
        ]
        if unmet:
            raise MissingSettings(
                f"the {self.service_name} service in {self.environment!r} is missing "
                + "; ".join(need.describe() for need in unmet)
                + " (the ECS task definition provides them)"
            )

    # -- connections ------------------------------------------------------------------------

    def resolved_redis_url(self) -> str | None:
        """REDIS_URL, or the URL the REDIS_* parts make; None = the in-process store."""
        if self.redis_url is not None:
            return self.redis_url.get_secret_value()
        if self.redis_host is None:
            return None
        scheme = "rediss" if self.redis_tls else "redis"
        token = self.redis_auth_token.get_secret_value() if self.redis_auth_token else ""
        auth = f":{quote(token, safe='')}@" if token else ""
        return f"{scheme}://{auth}{self.redis_host}:{self.redis_port}/0"

    def resolved_audit_mongo_url(self) -> str | None:
        """AUDIT_MONGO_URL, or the DocumentDB URL the DOCDB_* parts make; None = the table."""
        if self.audit_mongo_url is not None:
            return self.audit_mongo_url.get_secret_value()
        if self.docdb_host is None:
            return None
        user = quote_plus(self.docdb_username or "")
        password = quote_plus(self.docdb_password.get_secret_value() if self.docdb_password else "")
        auth = f"{user}:{password}@" if user else ""
        # DocumentDB: a replica set named rs0, no retryable writes.
        options = ["replicaSet=rs0", "readPreference=secondaryPreferred", "retryWrites=false"]
        if self.docdb_tls:
            options.insert(0, "tls=true")
            if self.docdb_ca_file is not None:
                options.insert(1, f"tlsCAFile={quote_plus(str(self.docdb_ca_file))}")
        return f"mongodb://{auth}{self.docdb_host}:{self.docdb_port}/?{'&'.join(options)}"

    def _database_url_from_parts(self) -> str | None:
        if self.db_host is None:
            return None
        from sqlalchemy.engine import URL

        url = URL.create(
            "postgresql",
            username=self.db_username,
            password=self.db_password.get_secret_value() if self.db_password else None,
            host=self.db_host,
            port=self.db_port,
            database=self.db_name,
            query={"ssl": "require"},  # RDS forces TLS (rds.force_ssl)
        )
        return url.render_as_string(hide_password=False)

    # -- derived from the platform model -------------------------------------------------

    def platform(self) -> Platform:
        """The platform model these settings point at."""
        return build_platform(
            project=self.platform_project, domain=self.platform_domain, region=self.aws_region
        )

    def service(self, platform: Platform) -> Service:
        return platform.service(self.service_name)

    def names(self, platform: Platform) -> Names:
        return platform.names(self.environment)

    def resolved_database_url(self, platform: Platform) -> str:
        """DATABASE_URL, the URL the DB_* parts make, or the service's SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        from_parts = self._database_url_from_parts()
        if from_parts is not None:
            return from_parts
        database = self.service(platform).database
        if database is None:
            raise ValueError(f"service {self.service_name!r} owns no database")
        db_name = next(d.db_name for d in platform.databases if d.name == database)
        return f"sqlite+aiosqlite:///{self.data_dir / db_name}.sqlite3"

    def resolved_redis_prefix(self, platform: Platform) -> str:
        if self.redis_prefix is not None:
            return self.redis_prefix
        return f"{platform.project}:{self.environment}:{self.service_name}:"

    def token_issuer(self, platform: Platform) -> str:
        """`iss` of access tokens: the auth service's public base URL."""
        issuer = platform.token_issuer
        return f"https://{self.names(platform).api_host}{issuer.path_prefix}"

    def token_audience(self, platform: Platform) -> str:
        """`aud` of access tokens: the environment, so a dev token never works in prod."""
        return self.names(platform).prefix

    def service_url(self, platform: Platform, name: str) -> str:
        """Base URL of another service: SERVICE_URLS, else loopback locally and its Cloud Map
        name in AWS."""
        other = platform.service(name)
        if other.name in self.service_urls:
            return self.service_urls[other.name].rstrip("/")
        profile = platform.environment(self.environment)
        host = (
            "127.0.0.1" if profile.kind == "local" else self.names(platform).cloud_map_host(other)
        )
        return f"http://{host}:{other.port}"

    def jwks_url(self, platform: Platform) -> str:
        """The auth service's JWKS."""
        if self.auth_jwks_url:
            return self.auth_jwks_url
        issuer = platform.token_issuer
        return (
            f"{self.service_url(platform, issuer.name)}{issuer.path_prefix}/.well-known/jwks.json"
        )

    def allowed_origins(self, platform: Platform) -> list[str]:
        """The web app's origin(s): the local gateway, or https://www.<zone> in AWS."""
        if self.cors_origins is not None:
            return self.cors_origins
        profile = platform.environment(self.environment)
        if profile.local is not None:
            port = profile.local.gateway_port
            return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
        return [f"https://{self.names(platform).web_host}"]

    def internal_headers(self) -> dict[str, str]:
        """Headers that present this service's credential to another service's internal API."""
        if self.service_token is None:
            raise ValueError("SERVICE_TOKEN is not set: this service cannot call internal APIs")
        return {"X-Service-Token": self.service_token.get_secret_value()}


def _holds_secret(annotation: Any) -> bool:
    """Whether a field's type is, or contains, SecretStr (`SecretStr | None`, dict values)."""
    if annotation is SecretStr:
        return True
    return any(_holds_secret(arg) for arg in getattr(annotation, "__args__", ()))
