"""AWS Cost Explorer (`ce`): spend grouped by service, filtered by a cost allocation tag."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventctl.adapters.aws._calls import Backoff, call

COST_EXPLORER_REGION = "us-east-1"
METRIC = "UnblendedCost"


DENIED_HINT = (
    "the credentials need ce:GetCostAndUsage; Cost Explorer must be enabled on "
    "the account (Billing console)"
)


class CostExplorer:
    """Wraps a boto3 `ce` client: paging, throttling and errors through `call()`."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def cost_by_service(
        self, start: date, end: date, tag_key: str, tag_value: str
    ) -> dict[str, float]:
        """USD per SERVICE between `start` and `end` (exclusive) for resources tagged so."""
        request: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "MONTHLY",
            "Metrics": [METRIC],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
            "Filter": {"Tags": {"Key": tag_key, "Values": [tag_value], "MatchOptions": ["EQUALS"]}},
        }
        hints = {
            "AccessDeniedException": DENIED_HINT,
            "AccessDenied": DENIED_HINT,
            "ValidationException": f"make sure the {tag_key!r} tag is activated as a cost "
            "allocation tag",
        }
        totals: dict[str, float] = {}
        while True:
            page = call(
                "Cost Explorer GetCostAndUsage",
                self.client.get_cost_and_usage,
                self.backoff,
                hints=hints,
                **request,
            )
            for period in page.get("ResultsByTime", []):
                for group in period.get("Groups", []):
                    service = group["Keys"][0]
                    amount = float(group["Metrics"][METRIC]["Amount"])
                    totals[service] = totals.get(service, 0.0) + amount
            token = page.get("NextPageToken")
            if not token:
                return totals
            request["NextPageToken"] = token
