"""The seed's own dev cost breakdown, line by line, against the computed dev estimate.

The seed (the platform spec) ends with "COST BREAKDOWN (Development)". Its figures are quoted
here as the seed states them, so the report can show where and why they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventctl.core.costs.lines import Estimate, Line, money
from eventctl.core.costs.savings import Saving


@dataclass(frozen=True)
class SeedItem:
    """One line of the seed's breakdown and the computed components it corresponds to."""

    label: str
    quoted: str
    low: float
    high: float
    components: tuple[str, ...]


SEED_DEV_ITEMS: tuple[SeedItem, ...] = (
    SeedItem(
        "NAT Gateway",
        "$32/month (1 gateway) + data transfer",
        32,
        32,
        ("NAT gateway hours", "NAT data processed"),
    ),
    SeedItem(
        "RDS (4 x db.t3.medium)",
        "~$120/month",
        120,
        120,
        ("RDS PostgreSQL", "RDS storage", "RDS backup storage beyond free"),
    ),
    SeedItem("DocumentDB (1 x db.t3.medium)", "~$60/month", 60, 60, ("DocumentDB",)),
    SeedItem("ElastiCache (1 x cache.t3.micro)", "~$12/month", 12, 12, ("ElastiCache",)),
    SeedItem("ALB", "~$16/month + LCU charges", 16, 16, ("ALB",)),
    SeedItem("ECS Fargate (5 services)", "~$8/month (0.25 vCPU, 512MB each)", 8, 8, ("Fargate",)),
    SeedItem("S3", "~$1/month (storage + requests)", 1, 1, ("S3",)),
    SeedItem("CloudFront", "~$1/month (low traffic)", 1, 1, ("CloudFront",)),
    SeedItem(
        "Route53",
        "~$0.50/month (hosted zone)",
        0.5,
        0.5,
        ("Route 53 hosted zone", "Route 53 queries"),
    ),
    SeedItem("CloudWatch Logs", "~$5/month", 5, 5, ("CloudWatch Logs",)),
    SeedItem("VPC Endpoints", "~$7/month (5 endpoints)", 7, 7, ("Interface endpoint",)),
    SeedItem("Data Transfer", "~$5-20/month", 5, 20, ("Data transfer to the internet",)),
)
SEED_DEV_TOTAL = (248.0, 268.0)
SEED_RDS_INSTANCES = 4  # "RDS (4 x db.t3.medium)"
SEED_DEV_TOTAL_QUOTED = "~$248-268/month"


@dataclass(frozen=True)
class SeedClaim:
    """A saving the seed's "Cost Optimization Opportunities" claims, as it states it.

    `opposite`: the seed's measure is the reverse of the computed one. The seed says keeping
    the interface endpoints saves money on NAT; the report computes what dropping them saves.
    """

    quoted: str
    usd: float
    opposite: bool = False


SEED_SAVINGS_CLAIMS: dict[str, SeedClaim] = {
    "stop_outside_working_hours": SeedClaim("Save ~60% (~$100/month)", 100),
    "fargate_spot": SeedClaim("Save ~70% on compute (~$5/month)", 5),
    "rds_reserved": SeedClaim("Save ~40% (~$48/month)", 48),
    "interface_endpoints_vs_nat": SeedClaim(
        "Already implemented (saves ~$15/month on NAT)", 15, opposite=True
    ),
}
"""Keyed by the Saving.key of savings.find_savings; a test checks every key names one."""


def compare_claim(saving: Saving) -> dict[str, Any] | None:
    """The seed's claim for `saving`, with the computed figure and a plain verdict (or None)."""
    claim = SEED_SAVINGS_CLAIMS.get(saving.key)
    if claim is None:
        return None
    computed = saving.monthly_saving
    if claim.opposite:
        endpoints = saving.figures["endpoints_usd"]
        nat = saving.figures["nat_equivalent_usd"]
        keeping = nat - endpoints  # what having the endpoints saves (negative: what it costs)
        if keeping >= claim.usd:
            verdict = f"it holds: the endpoints save {money(keeping)}/month on NAT"
        elif keeping >= 0:
            verdict = (
                f"too high: the endpoints save {money(keeping)}/month on NAT "
                f"({money(claim.usd - keeping)} less than claimed)"
            )
        else:
            verdict = (
                f"wrong: the endpoints cost {money(endpoints)}/month and replace "
                f"{money(nat)} of NAT data processing, so they add {money(-keeping)}/month "
                f"instead of saving {money(claim.usd)}; the claim is off by "
                f"{money(claim.usd - keeping)}"
            )
    else:
        gap = computed - claim.usd
        if abs(gap) <= max(1.0, 0.1 * claim.usd):
            verdict = f"it holds: the computed saving is {money(computed)}"
        else:
            verdict = (
                f"too {'low' if gap > 0 else 'high'}: the computed saving is "
                f"{money(computed)}, {money(abs(gap))} {'more' if gap > 0 else 'less'} "
                f"than the seed's {money(claim.usd)}"
            )
    return {"quoted": claim.quoted, "claimed_usd": claim.usd, "verdict": verdict}


def _matches(line: Line, prefixes: tuple[str, ...]) -> bool:
    return any(line.component.startswith(prefix) for prefix in prefixes)


def compare_with_seed(dev: Estimate) -> dict[str, Any]:
    """The seed's dev figures beside the computed ones, with the reason for each difference."""
    lines = dev.lines
    used: set[int] = set()
    rows = []
    for item in SEED_DEV_ITEMS:
        matched = [i for i, line in enumerate(lines) if _matches(line, item.components)]
        used.update(matched)
        computed = sum(lines[i].monthly for i in matched)
        rows.append(
            {
                "item": item.label,
                "seed": item.quoted,
                "seed_low_usd": item.low,
                "seed_high_usd": item.high,
                "computed_usd": round(computed, 2),
                "difference_usd": round(computed - (item.low + item.high) / 2, 2),
                "reason": _reason(item.label, dev, computed),
            }
        )
    omitted = [line for i, line in enumerate(lines) if i not in used and line.monthly > 0]
    omitted_total = sum(line.monthly for line in omitted)
    rows.append(
        {
            "item": "Items the seed leaves out",
            "seed": "not listed",
            "seed_low_usd": 0.0,
            "seed_high_usd": 0.0,
            "computed_usd": round(omitted_total, 2),
            "difference_usd": round(omitted_total, 2),
            "reason": "; ".join(
                f"{line.component} ${line.monthly:.2f}"
                for line in sorted(omitted, key=lambda line: -line.monthly)
            ),
        }
    )
    seed_sum = (sum(i.low for i in SEED_DEV_ITEMS), sum(i.high for i in SEED_DEV_ITEMS))
    total = dev.total
    low, high = SEED_DEV_TOTAL
    return {
        "environment": dev.env,
        "rows": rows,
        "seed_total": SEED_DEV_TOTAL_QUOTED,
        "seed_total_low_usd": low,
        "seed_total_high_usd": high,
        "seed_lines_sum_low_usd": seed_sum[0],
        "seed_lines_sum_high_usd": seed_sum[1],
        "computed_total_usd": round(total, 2),
        "difference_low_usd": round(total - high, 2),
        "difference_high_usd": round(total - low, 2),
        "verdict": _verdict(total, seed_sum, rows),
    }


def _verdict(total: float, seed_sum: tuple[float, float], rows: list[dict[str, Any]]) -> str:
    low, high = SEED_DEV_TOTAL
    if low <= total <= high:
        return f"The seed's estimate holds: ${total:.2f} is inside ${low:.0f}-{high:.0f}."
    direction = "too low" if total > high else "too high"
    factor = total / ((low + high) / 2)
    gaps = sorted(rows, key=lambda row: -abs(float(row["difference_usd"])))[:3]
    biggest = ", ".join(f"{row['item']} ({_signed(row['difference_usd'])})" for row in gaps)
    verdict = (
        f"The seed's estimate is wrong: dev costs ${total:.2f}/month, {factor:.1f}x its "
        f"~${low:.0f}-{high:.0f} ({direction} by ${abs(total - high):.2f}-"
        f"{abs(total - low):.2f}). Biggest gaps: {biggest}."
    )
    if seed_sum != SEED_DEV_TOTAL:
        verdict += (
            f" Its own lines add up to ${seed_sum[0]:.2f}-{seed_sum[1]:.2f}, not the "
            f"${low:.0f}-{high:.0f} it states{_where_total_stops()}."
        )
    return verdict


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}${abs(value):,.2f}"


def _where_total_stops() -> str:
    running = 0.0
    for item in SEED_DEV_ITEMS:
        running += item.low
        if abs(running - SEED_DEV_TOTAL[0]) < 0.005:
            return f" (the stated total stops after the {item.label} line)"
    return ""


def _reason(label: str, dev: Estimate, computed: float) -> str:
    facts = dev.facts
    hours = facts.hours_per_month
    price = {line.price_key: line.unit_price for line in dev.lines}
    status = {line.price_key: line.price_status for line in dev.lines}
    if label == "NAT Gateway":
        return (
            f"{facts.nat_gateways} x {hours} h x ${price['nat.hour']}/h in eu-west-1 = "
            f"${facts.nat_gateways * hours * price['nat.hour']:.2f}; the seed's $32 is "
            f"{hours} h at $0.045, the us-east-1 rate. Data processing is added from usage."
        )
    if label.startswith("RDS"):
        key = f"rds.postgres.{facts.rds_instance_class}"
        per = facts.rds_instance_class
        implied = 120 / (SEED_RDS_INSTANCES * hours)
        extra = facts.rds_instances - SEED_RDS_INSTANCES
        more = (
            f" The model has {extra} more database(s) than the seed draws (the notification "
            "service's)."
            if extra > 0
            else ""
        )
        return (
            f"{facts.rds_instances} instances x {hours} h x ${price[key]}/h ({per}) = "
            f"${facts.rds_instances * hours * price[key]:.2f}, plus {facts.rds_instances} x "
            f"{facts.rds_storage_gb} GB storage the seed leaves out. The seed's $120 implies "
            f"${implied:.3f}/h per instance, below any {per} price.{more}"
        )
    if label.startswith("DocumentDB"):
        key = f"docdb.{facts.docdb_instance_class}"
        return (
            f"{facts.docdb_instances} x {hours} h at ${price[key]}/h ({status[key]} price) plus "
            "storage and I/O from usage; close to the seed."
        )
    if label.startswith("ElastiCache"):
        return (
            f"{facts.redis_nodes} node x {hours} h x "
            f"${price['elasticache.' + facts.redis_node_type]}/h"
            "; the seed's $12 is the us-east-1 rate ($0.017/h)."
        )
    if label == "ALB":
        return (
            f"{hours} h x ${price['alb.hour']}/h in eu-west-1 = ${hours * price['alb.hour']:.2f} "
            "(the seed's $16 is the us-east-1 $0.0225/h) plus LCUs from usage."
        )
    if label.startswith("ECS Fargate"):
        return (
            f"{facts.vcpu_total:g} vCPU and {facts.memory_gb_total:g} GB running all month "
            f"({facts.services} services x {facts.tasks_per_service} task) = ${computed:.2f}: "
            f"{facts.vcpu_total:g} x {hours} x ${price['fargate.vcpu_hour']} + "
            f"{facts.memory_gb_total:g} x {hours} x ${price['fargate.gb_hour']}. The seed's $8 "
            f"is {8 / computed:.0%} of that, about {8 / computed * 30.4:.0f} days of running."
        )
    if label == "VPC Endpoints":
        endpoints, azs = facts.interface_endpoints, facts.availability_zones
        return (
            f"{endpoints} interface endpoints are billed per AZ: {endpoints} x {azs} AZs x "
            f"{hours} h x ${price['vpce.hour']} = "
            f"${endpoints * azs * hours * price['vpce.hour']:.2f}. The seed's $7 would not pay "
            f"for one endpoint in one AZ (${hours * price['vpce.hour']:.2f})."
        )
    if label == "CloudWatch Logs":
        return (
            f"ingestion at ${price['cloudwatch.logs_ingest_gb']}/GB and storage from usage "
            "(service logs and VPC flow logs); "
            "alarms and the dashboard are listed with the items the seed leaves out."
        )
    if label == "Route53":
        return "the public zone plus queries from usage; alias queries to CloudFront/ALB are free."
    if label == "Data Transfer":
        return (
            f"internet egress from usage at ${price['transfer.internet_out_gb']}/GB (the "
            "account's free 100 GB not subtracted)."
        )
    return "from usage assumptions; see the usage section."
