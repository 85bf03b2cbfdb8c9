"""Settings every service reads from its environment (pydantic-settings, no prefix).

In AWS the task definition injects these (secrets from Secrets Manager); locally `eventctl env up
local` or the shell sets them. Names of queues, topics, databases and paths are never settings:
they come from the platform model.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventctl.platform import Platform, Service, build_platform
from eventctl.platform.model import Names


class ServiceSettings(BaseSettings):
    """Common settings; each service subclasses it and sets `service_name`."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    service_name: ClassVar[str] = ""

    environment: str = Field(
        default="local", description="platform environment: local, dev or prod"
    )
    platform_project: str = Field(default="event-planner", description="names every AWS resource")
    platform_domain: str = Field(default="sankofagrid.com", description="token issuer, web origin")
    aws_region: str = Field(default="eu-west-1", description="region of the SNS topics/SQS queues")
    aws_endpoint_url: str | None = Field(
        default=None, description="SNS/SQS endpoint (moto, LocalStack); None = AWS itself"
    )
    aws_account_id: str | None = Field(
        default=None, description="builds topic ARNs directly; None = look them up by name"
    )
    database_url: SecretStr | None = Field(
        default=None, description="postgresql://...; None = SQLite file under data_dir"
    )
    data_dir: Path = Field(
        default=Path(".eventctl/local/data"), description="where SQLite files live"
    )
    db_pool_size: int = Field(
        default=10, ge=1, le=100, description="PostgreSQL connections (as many again on bursts)"
    )
    redis_url: SecretStr | None = Field(default=None, description="None = in-process store")
    redis_prefix: str | None = Field(
        default=None, description="key prefix; default '<project>:<env>:<service>:'"
    )
    audit_mongo_url: SecretStr | None = Field(
        default=None, description="MongoDB/DocumentDB URL; None = the audit_log table"
    )
    audit_mongo_database: str = Field(
        default="audit", description="database of the audit collection"
    )
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
    auth_jwks_url: str | None = Field(
        default=None, description="where the auth service publishes its keys; default from model"
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
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="larger bodies get 413")
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="base URLs of other services by name (when a port differs from the "
        "model's); default: loopback locally, Cloud Map in AWS",
    )

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
        """DATABASE_URL with an async driver, or the service's SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
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
        auth = platform.service("auth")
        return f"https://{self.names(platform).api_host}{auth.path_prefix}"

    def token_audience(self, platform: Platform) -> str:
        """`aud` of access tokens: the environment, so a dev token never works in prod."""
        return self.names(platform).prefix

    def service_url(self, platform: Platform, name: str) -> str:
        """Base URL of another service: loopback locally, its Cloud Map name in AWS."""
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
        auth = platform.service("auth")
        return f"{self.service_url(platform, 'auth')}{auth.path_prefix}/.well-known/jwks.json"

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
