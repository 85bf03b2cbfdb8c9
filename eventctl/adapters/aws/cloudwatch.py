"""CloudWatch: the alarms currently firing, throttling retried and pages followed."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws._calls import Backoff, call


class CloudWatch:
    """Read-only CloudWatch alarm calls on one boto3 `cloudwatch` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def alarms_in_alarm(self, name_prefix: str) -> list[dict[str, Any]]:
        """Metric and composite alarms whose name starts with `name_prefix` and whose state
        is ALARM: [{'name', 'reason', 'since', 'metric', 'namespace'}]."""
        request: dict[str, Any] = {
            "StateValue": "ALARM",
            "AlarmNamePrefix": name_prefix,
            "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
        }
        alarms: list[dict[str, Any]] = []
        while True:
            response = call(
                f"DescribeAlarms {name_prefix}*",
                self.client.describe_alarms,
                self.backoff,
                **request,
            )
            for alarm in [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]:
                # Checked again here: some emulators apply only one of the two filters.
                if alarm.get("StateValue") != "ALARM" or not alarm["AlarmName"].startswith(
                    name_prefix
                ):
                    continue
                alarms.append(
                    {
                        "name": alarm["AlarmName"],
                        "reason": alarm.get("StateReason", ""),
                        "since": alarm.get("StateUpdatedTimestamp"),
                        "metric": alarm.get("MetricName"),
                        "namespace": alarm.get("Namespace"),
                    }
                )
            token = response.get("NextToken")
            if not token:
                return sorted(alarms, key=lambda a: a["name"])
            request["NextToken"] = token
