"""AWS resource names of one environment, computed in one place.

Terraform values, the local runtime, deploy and logs all take their names from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from platform_model.model import Database, Platform, Service


class Names:
    """Resource names for one environment, in the seed's conventions."""

    def __init__(self, platform: Platform, env: str) -> None:
        self.platform = platform
        self.env = env
        self.prefix = f"{platform.project}-{env}"

    @property
    def cluster(self) -> str:
        return f"{self.prefix}-cluster"

    @property
    def assets_bucket(self) -> str:
        return f"{self.prefix}-assets"

    @property
    def dashboard(self) -> str:
        return f"{self.prefix}-dashboard"

    @property
    def alerts_topic(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def state_key(self) -> str:
        return f"{self.env}/terraform.tfstate"

    @property
    def lock_table(self) -> str:
        return f"{self.platform.project}-terraform-locks"

    def state_bucket(self, account_id: str) -> str:
        """The seed's state bucket: `<project>-terraform-state-<region>-<account>`."""
        return f"{self.platform.project}-terraform-state-{self.platform.region}-{account_id}"

    @property
    def release_prefix(self) -> str:
        """Where the release ledger of this environment lives in the state bucket."""
        return f"releases/{self.env}/"

    def deploy_lock_id(self, service: Service) -> str:
        """The lock-table item that serialises deploys of one service in this environment."""
        return f"{self.platform.project}-deploy/{self.env}/{service.name}"

    def ecr_repository(self, service: Service) -> str:
        return f"{self.prefix}-{service.image_name}"

    def log_group(self, service: Service) -> str:
        return f"/ecs/{self.platform.project}/{self.env}/{service.full_name}"

    def ecs_service(self, service: Service) -> str:
        return f"{self.prefix}-{service.full_name}"

    def queue(self, queue: str) -> str:
        return f"{self.prefix}-{queue}"

    def dead_letter_queue(self, queue: str) -> str:
        return f"{self.prefix}-{queue}-dlq"

    def topic(self, topic: str) -> str:
        return f"{self.prefix}-{topic}"

    def cloud_map_host(self, service: Service) -> str:
        return f"{service.full_name}.{self.platform.cloud_map_namespace}"

    @property
    def load_balancer(self) -> str:
        return f"{self.prefix}-alb"

    def target_group(self, service: Service) -> str:
        return f"{self.prefix}-{service.name}"

    def task_role(self, service: Service) -> str:
        return f"{self.prefix}-{service.name}-task"

    @property
    def execution_role(self) -> str:
        return f"{self.prefix}-ecs-execution"

    @property
    def flow_log_group(self) -> str:
        """One flow-log group per environment, so dev and prod can share an account."""
        return f"/aws/vpc/flowlogs/{self.prefix}"

    def rds_instance(self, database: Database) -> str:
        return f"{self.prefix}-{database.name}"

    @property
    def docdb_cluster(self) -> str:
        return f"{self.prefix}-{self.platform.document_store.name}"

    @property
    def redis_group(self) -> str:
        return f"{self.prefix}-{self.platform.cache.name}"

    def redis_nodes(self, count: int) -> list[str]:
        """The member cluster ids ElastiCache gives a replication group's nodes."""
        return [f"{self.redis_group}-{index:03d}" for index in range(1, count + 1)]

    def secret(self, name: str) -> str:
        """A Secrets Manager secret of this environment: `<project>/<env>/<name>`."""
        return f"{self.platform.project}/{self.env}/{name}"

    def uploads_prefix(self, service: Service) -> str:
        """The assets-bucket key prefix a service with S3 access may write under."""
        return f"uploads/{service.name}/"

    def alarm(self, alarm: str, target: str) -> str:
        return f"{self.prefix}-{alarm}-{target}"

    @property
    def zone(self) -> str:
        """The DNS zone of this environment: the domain, or `<dns_prefix>.<domain>`."""
        label = self.platform.environment(self.env).dns_prefix
        return f"{label}.{self.platform.domain}" if label else self.platform.domain

    @property
    def web_host(self) -> str:
        return f"www.{self.zone}"

    @property
    def api_host(self) -> str:
        return f"api.{self.zone}"
