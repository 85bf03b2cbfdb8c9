"""`cost prices refresh`: fetch current prices from the AWS Pricing API and cache them.

Each price key maps to a Pricing API query (service code, exact attribute filters, and the
usage type's suffix, which is the same in every region once the region prefix such as `EU-`
is removed). Only the instance classes the model uses are fetched. A key the API does not
answer keeps the built-in price, and the result says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from eventctl.core.costs.prices import PriceTable, cache_file, table_from_dict, table_to_dict
from eventctl.errors import EventctlError
from eventctl.platform import Platform


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
        Query("docdb.storage_gb_month", "AmazonDocDB", "StorageUsage", unit="GB-month"),
        Query("docdb.io_million", "AmazonDocDB", "StorageIOUsage", scale=1e6, unit="million I/Os"),
        Query(
            "cloudwatch.logs_ingest_gb",
            "AmazonCloudWatch",
            "DataProcessing-Bytes",
            unit="GB ingested",
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
        ),
        Query("ecr.gb_month", "AmazonECR", "TimedStorage-ByteHrs", unit="GB-month"),
        Query(
            "sqs.requests_million",
            "AWSQueueService",
            "Requests-Tier1",
            scale=1e6,
            unit="million requests",
        ),
    ]
    return fixed + _sized_queries(platform)


def _sized_queries(platform: Platform) -> list[Query]:
    rds: set[tuple[str, str]] = set()
    docdb: set[str] = set()
    redis: set[str] = set()
    for env in platform.environments.values():
        if env.kind != "aws":
            continue
        assert env.rds and env.docdb and env.redis
        rds.add((env.rds.instance_class, env.rds.storage_type))
        docdb.add(env.docdb.instance_class)
        redis.add(env.redis.node_type)
    queries = []
    for instance_class, storage in sorted(rds):
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
        queries.append(
            Query(
                f"rds.storage.{storage}",
                "AmazonRDS",
                f"RDS:{storage.upper()}-Storage",
                {"deploymentOption": "Single-AZ"},
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


def _usagetype_matches(usagetype: str, suffix: str) -> bool:
    """'EU-NatGateway-Hours' and 'NatGateway-Hours' (us-east-1) both match 'NatGateway-Hours'."""
    return usagetype == suffix or usagetype.endswith(f"-{suffix}")


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
        filters = {"regionCode": region, **query.filters}
        candidates = [
            p
            for p in source.products(query.service_code, filters)
            if _usagetype_matches(p.attributes.get("usagetype", ""), query.usagetype_suffix)
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
            "missing": missing,
        },
        "prices": prices,
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_file(cache_dir, region)
    table = table_from_dict(data, f"cache {path}")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(table_to_dict(table), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return RefreshResult(table=table, path=path, fetched=sorted(prices), missing=missing)
