"""`cost prices refresh`: fetch current prices from the AWS Pricing API and cache them.

Each price key maps to a Pricing API query (service code, exact attribute filters plus the
region, and the usage type's suffix, which is the same in every region once the region prefix
such as `EU-` is removed). Only the instance classes the model uses (and their Graviton
counterparts, for the savings) are fetched. Every key the estimate reads is either queried
here or listed in prices.NOT_REFRESHED with the reason (global and edge prices, planning
factors); a test keeps it so. A key the API does not answer keeps the built-in price where
there is one, and the result says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from eventctl.core.costs.prices import (
    NOT_REFRESHED,
    PriceTable,
    cache_file,
    table_from_dict,
    table_to_dict,
)
from eventctl.errors import EventctlError
from platform_model import Platform


class ProductSource(Protocol):
    """What refresh needs from the Pricing adapter (eventctl.adapters.aws.pricing.Pricing)."""

    def products(self, service_code: str, filters: dict[str, str]) -> list[Any]: ...


@dataclass(frozen=True)
class Query:
    """How to find one price in the Price List."""

    key: str
    service_code: str
    usagetype_suffix: str
    filters: dict[str, str] = field(default_factory=dict)
    scale: float = 1.0
    unit: str = ""
    region_field: str = "regionCode"
    """The attribute that names the region: `regionCode`, or `fromRegionCode` for transfer."""
    other_usagetypes: tuple[str, ...] = ()
    """Other spellings of the usage type some regions use (`Requests-RBP` for SQS)."""

    @property
    def usagetypes(self) -> tuple[str, ...]:
        return (self.usagetype_suffix, *self.other_usagetypes)

    def request_filters(self, region: str) -> dict[str, str]:
        return {self.region_field: region, **self.filters}


def queries_for(platform: Platform) -> list[Query]:
    """The queries for every price the model's environments need."""
    fixed = [
        Query("fargate.vcpu_hour", "AmazonECS", "Fargate-vCPU-Hours:perCPU", unit="vCPU-hour"),
        Query("fargate.gb_hour", "AmazonECS", "Fargate-GB-Hours", unit="GB-hour"),
        Query(
            "fargate.arm_vcpu_hour", "AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU", unit="vCPU-hour"
        ),
        Query("fargate.arm_gb_hour", "AmazonECS", "Fargate-ARM-GB-Hours", unit="GB-hour"),
        Query(
            "nat.hour",
            "AmazonEC2",
            "NatGateway-Hours",
            {"productFamily": "NAT Gateway"},
            unit="NAT gateway-hour",
        ),
        Query(
            "nat.gb",
            "AmazonEC2",
            "NatGateway-Bytes",
            {"productFamily": "NAT Gateway"},
            unit="GB processed",
        ),
        Query("ipv4.hour", "AmazonVPC", "PublicIPv4:InUseAddress", unit="public IPv4 address-hour"),
        Query("vpce.hour", "AmazonVPC", "VpcEndpoint-Hours", unit="endpoint-AZ-hour"),
        Query("vpce.gb", "AmazonVPC", "VpcEndpoint-Bytes", unit="GB processed"),
        Query(
            "alb.hour",
            "AWSELB",
            "LoadBalancerUsage",
            {"productFamily": "Load Balancer-Application"},
            unit="ALB-hour",
        ),
        Query(
            "alb.lcu_hour",
            "AWSELB",
            "LCUUsage",
            {"productFamily": "Load Balancer-Application"},
            unit="LCU-hour",
        ),
        Query(
            "transfer.internet_out_gb",
            "AWSDataTransfer",
            "DataTransfer-Out-Bytes",
            {"transferType": "AWS Outbound", "toLocation": "External"},
            unit="GB to the internet",
            region_field="fromRegionCode",
        ),
        Query("docdb.storage_gb_month", "AmazonDocDB", "StorageUsage", unit="GB-month"),
        Query("docdb.io_million", "AmazonDocDB", "StorageIOUsage", scale=1e6, unit="million I/Os"),
        Query(
            "cloudwatch.logs_ingest_gb",
            "AmazonCloudWatch",
            "DataProcessing-Bytes",
            unit="GB ingested",
        ),
        Query(
            "cloudwatch.vended_logs_gb",
            "AmazonCloudWatch",
            "VendedLog-Bytes",
            unit="GB ingested (vended logs)",
        ),
        Query(
            "cloudwatch.logs_storage_gb_month",
            "AmazonCloudWatch",
            "TimedStorage-ByteHrs",
            unit="GB-month",
        ),
        Query(
            "cloudwatch.alarm_month",
            "AmazonCloudWatch",
            "CW:AlarmMonitorUsage",
            unit="standard alarm-month",
        ),
        Query(
            "secretsmanager.secret_month",
            "AWSSecretsManager",
            "AWSSecretsManager-Secrets",
            unit="secret-month",
            other_usagetypes=("AWSSecretsManager-Secret",),
        ),
        Query(
            "secretsmanager.api_10k",
            "AWSSecretsManager",
            "AWSSecretsManager-APIRequests",
            scale=1e4,
            unit="10,000 API calls",
            other_usagetypes=("AWSSecretsManagerAPIRequest",),
        ),
        Query("kms.key_month", "awskms", "KMS-Keys", unit="customer managed key-month"),
        Query("kms.requests_10k", "awskms", "KMS-Requests", scale=1e4, unit="10,000 requests"),
        Query("ecr.gb_month", "AmazonECR", "TimedStorage-ByteHrs", unit="GB-month"),
        Query("s3.standard_gb_month", "AmazonS3", "TimedStorage-ByteHrs", unit="GB-month"),
        Query("s3.put_1k", "AmazonS3", "Requests-Tier1", scale=1e3, unit="1,000 PUT/LIST requests"),
        Query("s3.get_1k", "AmazonS3", "Requests-Tier2", scale=1e3, unit="1,000 GET requests"),
        Query(
            "sqs.requests_million",
            "AWSQueueService",
            "Requests-Tier1",
            scale=1e6,
            unit="million requests",
            other_usagetypes=("Requests-RBP",),
        ),
        Query(
            "sns.publishes_million",
            "AmazonSNS",
            "Requests-Tier1",
            scale=1e6,
            unit="million publishes",
        ),
        Query("ses.emails_1k", "AmazonSES", "Recipients", scale=1e3, unit="1,000 emails"),
    ]
    return fixed + _sized_queries(platform)


def _sized_queries(platform: Platform) -> list[Query]:
    rds: set[tuple[str, str]] = set()
    docdb: set[str] = set()
    redis: set[str] = set()
    for env in platform.environments.values():
        if env.kind != "aws":
            continue
        rds.add((env.rds.instance_class, env.rds.storage_type))
        docdb.add(env.docdb.instance_class)
        redis.add(env.redis.node_type)
    queries = [
        Query(
            "rds.backup_gb_month",
            "AmazonRDS",
            "RDS:ChargedBackupUsage",
            {"databaseEngine": "PostgreSQL"},
            unit="GB-month beyond the free allowance",
        )
    ]
    classes = {instance_class for instance_class, _ in rds}
    # the Graviton counterparts, which the db.t4g saving compares against
    classes |= {c.replace("db.t3.", "db.t4g.") for c in classes if c.startswith("db.t3.")}
    for instance_class in sorted(classes):
        queries.append(
            Query(
                f"rds.postgres.{instance_class}",
                "AmazonRDS",
                f"InstanceUsage:{instance_class}",
                {
                    "instanceType": instance_class,
                    "databaseEngine": "PostgreSQL",
                    "deploymentOption": "Single-AZ",
                },
                unit="instance-hour",
            )
        )
    for storage in sorted({storage for _, storage in rds}):
        queries.append(
            Query(
                f"rds.storage.{storage}",
                "AmazonRDS",
                f"RDS:{storage.upper()}-Storage",
                {"databaseEngine": "PostgreSQL", "deploymentOption": "Single-AZ"},
                unit="GB-month",
            )
        )
    for instance_class in sorted(docdb):
        queries.append(
            Query(
                f"docdb.{instance_class}",
                "AmazonDocDB",
                f"InstanceUsage:{instance_class}",
                {"instanceType": instance_class},
                unit="instance-hour",
            )
        )
    for node_type in sorted(redis):
        queries.append(
            Query(
                f"elasticache.{node_type}",
                "AmazonElastiCache",
                f"NodeUsage:{node_type}",
                {"instanceType": node_type, "cacheEngine": "Redis"},
                unit="node-hour",
            )
        )
    return queries


def _usagetype_matches(usagetype: str, suffixes: tuple[str, ...]) -> bool:
    """'EU-NatGateway-Hours' and 'NatGateway-Hours' (us-east-1) both match 'NatGateway-Hours'."""
    return any(usagetype == suffix or usagetype.endswith(f"-{suffix}") for suffix in suffixes)


def refreshed_keys(platform: Platform) -> set[str]:
    """Every price key a refresh asks the Pricing API for."""
    return {query.key for query in queries_for(platform)}


def unrefreshable_keys(platform: Platform, keys: Iterable[str]) -> list[str]:
    """Keys neither queried nor listed in NOT_REFRESHED: a refresh could never supply them."""
    queried = refreshed_keys(platform)
    return sorted(k for k in keys if k not in queried and k not in NOT_REFRESHED)


@dataclass(frozen=True)
class RefreshResult:
    table: PriceTable
    path: Path
    fetched: list[str]
    missing: list[str]


def refresh_prices(
    source: ProductSource,
    platform: Platform,
    region: str,
    cache_dir: Path,
    now: datetime,
    queries: Iterable[Query] | None = None,
) -> RefreshResult:
    """Fetch every query's price for `region`, write the cache file and return the result.

    Keys the API does not answer are listed in `missing` (the built-in price stays in use).
    Errors from the API propagate as EventctlError before anything is written.
    """
    prices: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    publication = ""
    for query in queries if queries is not None else queries_for(platform):
        candidates = [
            p
            for p in source.products(query.service_code, query.request_filters(region))
            if _usagetype_matches(p.attributes.get("usagetype", ""), query.usagetypes)
        ]
        if not candidates:
            missing.append(query.key)
            continue
        best = min(candidates, key=lambda p: p.sku)
        publication = max(publication, best.publication_date)
        prices[query.key] = {
            "usd": round(best.usd * query.scale, 10),
            "unit": query.unit or best.unit,
            "status": "api",
            "source": (
                f"AWS Pricing API {query.service_code} {best.attributes.get('usagetype')} "
                f"SKU {best.sku} ({best.description}), published {best.publication_date or '?'}"
            ),
        }
    if not prices:
        raise EventctlError(
            f"the AWS Pricing API returned no prices for region {region!r}",
            hint="check the region name (eu-west-1, us-east-1, ...); nothing was written",
        )
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    data = {
        "region": region,
        "currency": "USD",
        "as_of": now.date().isoformat(),
        "source": f"AWS Pricing API (get_products, on-demand), fetched {stamp}",
        "hours_per_month": 730,
        "refreshed": {
            "fetched_at": stamp,
            "publication_date": publication or None,
            "fetched": sorted(prices),
            "missing": sorted(missing),
        },
        "prices": prices,
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_file(cache_dir, region)
    table = table_from_dict(data, f"cache {path}")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(table_to_dict(table), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return RefreshResult(table=table, path=path, fetched=sorted(prices), missing=sorted(missing))
