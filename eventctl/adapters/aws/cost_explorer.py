"""AWS Cost Explorer (`ce`): spend grouped by service, filtered by a cost allocation tag."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventctl.errors import EventctlError

COST_EXPLORER_REGION = "us-east-1"
METRIC = "UnblendedCost"


class CostExplorer:
    """Wraps a boto3 `ce` client: paging and error translation."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def cost_by_service(
        self, start: date, end: date, tag_key: str, tag_value: str
    ) -> dict[str, float]:
        """USD per SERVICE between `start` and `end` (exclusive) for resources tagged so."""
        from botocore.exceptions import BotoCoreError, ClientError

        request: dict[str, Any] = {
            "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
            "Granularity": "MONTHLY",
            "Metrics": [METRIC],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
            "Filter": {"Tags": {"Key": tag_key, "Values": [tag_value], "MatchOptions": ["EQUALS"]}},
        }
        totals: dict[str, float] = {}
        try:
            while True:
                page = self.client.get_cost_and_usage(**request)
                for period in page.get("ResultsByTime", []):
                    for group in period.get("Groups", []):
                        service = group["Keys"][0]
                        amount = float(group["Metrics"][METRIC]["Amount"])
                        totals[service] = totals.get(service, 0.0) + amount
                token = page.get("NextPageToken")
                if not token:
                    return totals
                request["NextPageToken"] = token
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", str(exc))
            hint = (
                "the credentials need ce:GetCostAndUsage; Cost Explorer must be enabled on "
                "the account (Billing console)"
                if code in ("AccessDeniedException", "AccessDenied")
                else f"make sure the {tag_key!r} tag is activated as a cost allocation tag"
                if code == "ValidationException"
                else "run again with EVENTCTL_DEBUG=1 for details"
            )
            raise EventctlError(f"Cost Explorer error ({code}): {message}", hint=hint) from None
        except BotoCoreError as exc:
            raise EventctlError(
                f"Cost Explorer request failed: {exc}",
                hint="check your AWS credentials (aws sts get-caller-identity) and network",
            ) from None
