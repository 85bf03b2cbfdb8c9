"""The lines of a cost estimate: one billable component each, and the estimate they add up to.

`LineBuilder` prices a line from the price table as it is added; `estimate.py` decides which
lines an environment has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from eventctl.core.costs.facts import EnvironmentFacts
from eventctl.core.costs.prices import PriceTable

Schedule = Literal["stoppable", "teardown", "always"]
"""How an hourly charge reacts to switching the environment off at night:
stoppable = stops when the tasks/instances are stopped; teardown = only when the resource is
deleted (NAT, ALB, endpoints, addresses, Redis); always = storage and per-month items."""


def money(value: float) -> str:
    """Dollars as the reports print them: $1,234.56, -$5.00."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@dataclass(frozen=True)
class Line:
    """One billable component: quantity x unit price = monthly cost."""

    category: str
    component: str
    quantity: float
    unit: str
    unit_price: float
    detail: str
    price_key: str
    price_status: str
    usage_based: bool
    schedule: Schedule
    ce_service: str

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "component": self.component,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "unit_price_usd": self.unit_price,
            "monthly_usd": round(self.monthly, 2),
            "usage_based": self.usage_based,
            "detail": self.detail,
            "price_key": self.price_key,
            "price_status": self.price_status,
            "schedule": self.schedule,
            "cost_explorer_service": self.ce_service,
        }


@dataclass(frozen=True)
class Estimate:
    """The lines of one environment and the model figures they were built from."""

    env: str
    lines: tuple[Line, ...]
    facts: EnvironmentFacts

    @property
    def total(self) -> float:
        return sum(line.monthly for line in self.lines)

    def total_of(self, *categories: str) -> float:
        return sum(line.monthly for line in self.lines if line.category in categories)


# Cost Explorer's SERVICE dimension values, so an actual bill can sit next to the estimate.
CE = {
    "ecs": "Amazon Elastic Container Service",
    "ec2_other": "EC2 - Other",
    "vpc": "Amazon Virtual Private Cloud",
    "elb": "Amazon Elastic Load Balancing",
    "rds": "Amazon Relational Database Service",
    "docdb": "Amazon DocumentDB (with MongoDB compatibility)",
    "elasticache": "Amazon ElastiCache",
    "cloudwatch": "AmazonCloudWatch",
    "s3": "Amazon Simple Storage Service",
    "cloudfront": "Amazon CloudFront",
    "route53": "Amazon Route 53",
    "cloudmap": "AWS Cloud Map",
    "secrets": "AWS Secrets Manager",
    "kms": "AWS Key Management Service",
    "sqs": "Amazon Simple Queue Service",
    "sns": "Amazon Simple Notification Service",
    "ses": "Amazon Simple Email Service",
    "ecr": "Amazon EC2 Container Registry (ECR)",
    "transfer": "AWS Data Transfer",
}


class LineBuilder:
    """Collects the lines of one estimate, each priced from the table as it is added."""

    def __init__(self, prices: PriceTable) -> None:
        self.prices = prices
        self.hours = prices.hours_per_month
        self.lines: list[Line] = []

    def add(
        self,
        category: str,
        component: str,
        quantity: float,
        unit: str,
        price_key: str,
        detail: str,
        *,
        ce: str,
        usage_based: bool = False,
        schedule: Schedule = "always",
    ) -> None:
        """Add a line: `quantity` in the unit of the price `price_key`."""
        price = self.prices.price(price_key)
        self.lines.append(
            Line(
                category=category,
                component=component,
                quantity=quantity,
                unit=unit,
                unit_price=price.usd,
                detail=detail,
                price_key=price_key,
                price_status=price.status,
                usage_based=usage_based,
                schedule=schedule,
                ce_service=CE[ce],
            )
        )
