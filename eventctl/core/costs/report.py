"""The cost report: estimates, seed comparison, savings and (optionally) actual spend, as data.

The returned dictionary is the JSON document of `eventctl cost report --format json`; its
schema is documented in docs/costs.md and versioned by SCHEMA.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from eventctl.core.costs.estimate import Estimate, estimate_environment
from eventctl.core.costs.prices import PriceTable
from eventctl.core.costs.savings import find_savings
from eventctl.core.costs.seed import compare_claim, compare_with_seed
from eventctl.core.costs.usage import UsageOverrides
from eventctl.errors import EventctlError
from platform_model import Platform

SCHEMA = "eventctl.cost-report/1"
SEED_ENV = "dev"


def aws_environments(platform: Platform) -> list[str]:
    """The environments that have an AWS bill (all but `local`)."""
    return [name for name, env in platform.environments.items() if env.kind == "aws"]


def select_environments(platform: Platform, choice: str) -> list[str]:
    """`all` -> every AWS environment; otherwise the one named (validated)."""
    if choice == "all":
        return aws_environments(platform)
    env = platform.environment(choice)
    if env.kind != "aws":
        raise EventctlError(
            f"environment {choice!r} runs on this machine: it has no AWS bill to estimate",
            hint=f"price an AWS environment: {', '.join(aws_environments(platform))} or all",
        )
    return [choice]


@dataclass(frozen=True)
class ActualSpend:
    """Cost Explorer's figures for one environment: USD per CE service over a period."""

    env: str
    start: date
    end: date
    by_service: Mapping[str, float]
    tag: str


def last_full_month(today: date) -> tuple[date, date]:
    """[first day, first day of next month) of the month before `today`'s month."""
    first_this = today.replace(day=1)
    first_last = (first_this - timedelta(days=1)).replace(day=1)
    return first_last, first_this


def build_report(
    platform: Platform,
    envs: Iterable[str],
    prices: PriceTable,
    usage: UsageOverrides,
    *,
    usage_file: Path | None = None,
    actual: Mapping[str, ActualSpend] | None = None,
) -> dict[str, Any]:
    """The whole report for `envs` (AWS environments), priced with `prices`.

    Raises PriceError naming every price the table lacks (not just the first one).
    """
    # Lenient: a missing price reads as 0 and is recorded, so the error can name them all;
    # the figures are used only when nothing is missing.
    prices = prices.tracking(lenient=True)
    assert prices.use is not None
    computed = []
    for name in envs:
        env_usage = usage.resolve(name)
        estimate = estimate_environment(platform, name, prices, env_usage)
        computed.append(
            (name, env_usage, estimate, find_savings(platform, estimate, prices, env_usage))
        )
    if prices.use.missing:
        raise prices.missing_error(prices.use.missing)
    environments = []
    estimates: dict[str, Estimate] = {}
    for name, env_usage, estimate, savings in computed:
        estimates[name] = estimate
        fixed = sum(line.monthly for line in estimate.lines if not line.usage_based)
        environments.append(
            {
                "name": name,
                "total_usd": round(estimate.total, 2),
                "fixed_usd": round(fixed, 2),
                "usage_based_usd": round(round(estimate.total, 2) - round(fixed, 2), 2),
                "facts": estimate.facts.as_dict(),
                "lines": [line.as_dict() for line in estimate.lines],
                "categories": _categories(estimate),
                "usage": env_usage.describe(),
                "savings": [
                    s.as_dict(compare_claim(s) if name == SEED_ENV else None) for s in savings
                ],
                "actual": (
                    compare_actual(estimate, actual[name]) if actual and name in actual else None
                ),
            }
        )
    return {
        "schema": SCHEMA,
        "region": platform.region,
        "currency": prices.currency,
        "hours_per_month": prices.hours_per_month,
        "prices": prices.describe(),
        "usage_file": str(usage_file) if usage_file else None,
        "environments": environments,
        "seed_comparison": (
            compare_with_seed(estimates[SEED_ENV]) if SEED_ENV in estimates else None
        ),
        "notes": NOTES,
    }


NOTES = (
    "Monthly = 730 hours. On-demand list prices, before tax, credits and discounts.",
    "Usage-based lines (marked U) come from the usage assumptions; override them with "
    "--usage FILE or --set key=value.",
    "Account-wide free allowances (first 10 alarms, 3 dashboards, 5 GB of logs, 1 million "
    "SQS/SNS requests, 100 GB of transfer, CloudFront's 1 TB) are not subtracted: every "
    "environment in an account shares them.",
    "Not included: the shared Terraform state bucket and lock table, tax, support plans.",
)


def _categories(estimate: Estimate) -> list[dict[str, Any]]:
    order: list[str] = []
    for line in estimate.lines:
        if line.category not in order:
            order.append(line.category)
    return [{"category": c, "monthly_usd": round(estimate.total_of(c), 2)} for c in order]


def compare_actual(estimate: Estimate, spend: ActualSpend) -> dict[str, Any]:
    """Estimate and Cost Explorer's actual spend side by side, per CE service."""
    estimated: dict[str, float] = {}
    for line in estimate.lines:
        estimated[line.ce_service] = estimated.get(line.ce_service, 0.0) + line.monthly
    services = sorted(
        set(estimated) | set(spend.by_service),
        key=lambda s: -max(estimated.get(s, 0.0), spend.by_service.get(s, 0.0)),
    )
    rows = [
        {
            "service": service,
            "estimate_usd": round(estimated.get(service, 0.0), 2),
            "actual_usd": round(spend.by_service.get(service, 0.0), 2),
            "difference_usd": round(
                spend.by_service.get(service, 0.0) - estimated.get(service, 0.0), 2
            ),
        }
        for service in services
    ]
    actual_total = sum(spend.by_service.values())
    return {
        "period_start": spend.start.isoformat(),
        "period_end": spend.end.isoformat(),
        "tag": spend.tag,
        "estimate_usd": round(estimate.total, 2),
        "actual_usd": round(actual_total, 2),
        "difference_usd": round(actual_total - estimate.total, 2),
        "rows": rows,
        "note": (
            "Cost Explorer counts only costs carrying the tag; untagged charges (some data "
            "transfer, tax) are missing from the actual column. A month with fewer than 730 "
            "hours (or a partial deployment) is lower than the estimate."
        ),
    }
