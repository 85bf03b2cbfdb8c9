"""Optimisation opportunities, each with the monthly saving computed from the estimate's lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eventctl.core.costs.lines import Estimate, Line
from eventctl.core.costs.prices import PriceTable
from eventctl.core.costs.usage import Usage
from platform_model import Platform

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class Saving:
    key: str
    title: str
    monthly_saving: float
    detail: str
    applicable: bool = True
    caveat: str = ""
    figures: dict[str, float] = field(default_factory=dict)
    """Named amounts behind the saving (USD/month), for comparisons such as the seed's claim."""

    def as_dict(self, seed_claim: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "monthly_saving_usd": round(self.monthly_saving, 2),
            "applicable": self.applicable,
            "detail": self.detail,
            "caveat": self.caveat or None,
        }
        if seed_claim is not None:
            data["seed_claim"] = seed_claim["quoted"]
            data["seed_claim_usd"] = seed_claim["claimed_usd"]
            data["seed_verdict"] = seed_claim["verdict"]
        return data


def _sum(lines: list[Line]) -> float:
    return sum(line.monthly for line in lines)


def _component(estimate: Estimate, prefix: str) -> list[Line]:
    return [line for line in estimate.lines if line.component.startswith(prefix)]


def find_savings(
    platform: Platform, estimate: Estimate, prices: PriceTable, usage: Usage
) -> list[Saving]:
    """Every opportunity for this environment, largest saving first."""
    production = platform.environment(estimate.env).production
    savings = [
        *_schedules(estimate, usage, production),
        _fargate_spot(estimate, prices, production),
        _graviton(estimate, prices),
        _rds_reserved(estimate, prices),
        _rds_consolidate(estimate, production),
        *_endpoints(estimate, prices, usage, production),
        _rds_graviton(estimate, prices),
    ]
    found = [s for s in savings if s is not None]
    return sorted(found, key=lambda s: (not s.applicable, -s.monthly_saving))


def _schedules(estimate: Estimate, usage: Usage, production: bool) -> list[Saving]:
    up = usage["working_hours_per_week"]
    off = 1 - up / HOURS_PER_WEEK
    stoppable = [line for line in estimate.lines if line.schedule == "stoppable"]
    teardown = [line for line in estimate.lines if line.schedule == "teardown"]
    caveat = (
        "production serves users around the clock: not recommended"
        if production
        else "RDS restarts a stopped instance after 7 days, so the scheduler must stop it again"
    )
    names = sorted({line.component for line in stoppable})
    stop = Saving(
        key="stop_outside_working_hours",
        title=f"Stop tasks and databases outside working hours ({up:g} h/week up)",
        monthly_saving=_sum(stoppable) * off,
        detail=(
            f"{off:.0%} of ${_sum(stoppable):.2f} of hourly charges that stop with the "
            f"service ({', '.join(names)}); NAT, ALB, endpoints, addresses and Redis keep "
            "billing, and so does storage"
        ),
        applicable=not production,
        caveat=caveat,
    )
    teardown_all = Saving(
        key="teardown_outside_working_hours",
        title=f"Destroy and recreate the environment outside working hours ({up:g} h/week up)",
        monthly_saving=(_sum(stoppable) + _sum(teardown)) * off,
        detail=(
            f"{off:.0%} of ${_sum(stoppable) + _sum(teardown):.2f} of all hourly charges "
            "(the tasks and databases, plus NAT, ALB, interface endpoints, public IPv4 and "
            "Redis); storage and monthly items remain"
        ),
        applicable=not production,
        caveat="a daily `env down`/`env up`: Redis contents are lost; "
        + ("production must stay up" if production else "databases keep their storage"),
    )
    return [stop, teardown_all]


def _fargate_spot(estimate: Estimate, prices: PriceTable, production: bool) -> Saving:
    fargate = _sum(_component(estimate, "Fargate"))
    discount = prices.usd("fargate.spot_discount")
    tasks = estimate.facts.tasks_per_service
    share = (tasks - 1) / tasks if production else 1.0
    return Saving(
        key="fargate_spot",
        title="Run tasks on Fargate Spot",
        monthly_saving=fargate * discount * share,
        detail=(
            f"{discount:.0%} off ${fargate:.2f} of Fargate"
            + (
                f" on {share:.0%} of the tasks (one on-demand task per service stays)"
                if production
                else " for every task"
            )
        ),
        applicable=share > 0,
        caveat="Spot tasks can be stopped with two minutes' notice; the discount varies",
    )


def _graviton(estimate: Estimate, prices: PriceTable) -> Saving:
    facts, hours = estimate.facts, estimate.facts.hours_per_month
    x86 = _sum(_component(estimate, "Fargate"))
    arm = hours * (
        facts.vcpu_total * prices.usd("fargate.arm_vcpu_hour")
        + facts.memory_gb_total * prices.usd("fargate.arm_gb_hour")
    )
    return Saving(
        key="fargate_arm64",
        title="Build the service images for ARM64 (Graviton) Fargate",
        monthly_saving=x86 - arm,
        detail=f"${x86:.2f} on x86 against ${arm:.2f} on ARM64 for the same vCPU and memory",
        caveat="images must be built for linux/arm64",
    )


def _rds_reserved(estimate: Estimate, prices: PriceTable) -> Saving:
    hours = _sum(_component(estimate, "RDS PostgreSQL"))
    discount = prices.usd("rds.reserved_discount")
    return Saving(
        key="rds_reserved",
        title="Reserve the RDS instances (1 year, no upfront)",
        monthly_saving=hours * discount,
        detail=f"{discount:.0%} off ${hours:.2f} of RDS instance hours (planning figure)",
        caveat="a 12-month commitment; it does not combine with stopping the databases at night",
    )


def _rds_consolidate(estimate: Estimate, production: bool) -> Saving | None:
    instances = estimate.facts.rds_instances
    if instances < 2:
        return None
    rds = _sum(_component(estimate, "RDS PostgreSQL")) + _sum(_component(estimate, "RDS storage"))
    return Saving(
        key="rds_consolidate",
        title=f"Put the {instances} PostgreSQL databases on one RDS instance",
        monthly_saving=rds * (instances - 1) / instances,
        detail=(
            f"{instances - 1} of {instances} instances and their storage (${rds:.2f} in all): "
            "the services keep separate databases and logins on one server"
        ),
        caveat=(
            "one failure domain and shared capacity; production may need the next size up"
            if production
            else "one failure domain for dev, which is usually acceptable"
        ),
    )


def _endpoints(
    estimate: Estimate, prices: PriceTable, usage: Usage, production: bool
) -> list[Saving]:
    facts = estimate.facts
    hours = _sum(_component(estimate, "Interface endpoint hours"))
    data = _sum(_component(estimate, "Interface endpoint data"))
    through_nat = usage["endpoint_processed_gb"] * prices.usd("nat.gb")
    net = hours + data - through_nat
    per_gb = prices.usd("nat.gb") - prices.usd("vpce.gb")
    breakeven = hours / per_gb if per_gb > 0 else float("inf")
    remove = Saving(
        key="interface_endpoints_vs_nat",
        title=f"Drop the {facts.interface_endpoints} interface endpoints; send that traffic "
        "through the NAT",
        monthly_saving=net,
        detail=(
            f"endpoints cost ${hours + data:.2f}; the same "
            f"{usage['endpoint_processed_gb']:g} GB through the NAT would cost "
            f"${through_nat:.2f}. Endpoints pay off above {breakeven:,.0f} GB/month"
        ),
        applicable=net > 0 and not production,
        caveat=(
            "production keeps them (private AWS API access, no NAT dependency for image pulls)"
            if production
            else "image pulls and logs then depend on the NAT gateway"
        ),
        figures={"endpoints_usd": hours + data, "nat_equivalent_usd": through_nat},
    )
    result = [remove]
    azs = facts.availability_zones
    if azs > 1 and not production:
        result.append(
            Saving(
                key="interface_endpoints_one_az",
                title="Place the interface endpoints in one AZ only",
                monthly_saving=hours * (azs - 1) / azs,
                detail=f"{azs - 1} of {azs} AZs of endpoint hours (${hours:.2f})",
                caveat="tasks in the other AZ reach the endpoints across AZs ($0.01/GB each way)",
            )
        )
    return result


def _rds_graviton(estimate: Estimate, prices: PriceTable) -> Saving | None:
    current = estimate.facts.rds_instance_class
    if not current.startswith("db.t3."):
        return None
    target = current.replace("db.t3.", "db.t4g.")
    key = f"rds.postgres.{target}"
    if not prices.has(key):
        return None
    lines = _component(estimate, "RDS PostgreSQL")
    hours = sum(line.quantity for line in lines)
    saving = _sum(lines) - hours * prices.usd(key)
    return Saving(
        key="rds_graviton",
        title=f"Move RDS from {current} to {target} (Graviton)",
        monthly_saving=saving,
        detail=f"{hours:,.0f} instance-h at ${prices.usd(key)}/h instead of "
        f"${lines[0].unit_price if lines else 0}/h",
        caveat="a modify with a short outage per instance (or at a Multi-AZ failover)",
    )
