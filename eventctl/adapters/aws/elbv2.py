"""Elastic Load Balancing v2: target health of a target group, throttling retried."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws._calls import Backoff, call


class LoadBalancing:
    """Read-only ELBv2 calls on one boto3 `elbv2` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def target_health(self, target_group_arn: str) -> list[dict[str, Any]]:
        """[{'id', 'port', 'state', 'reason', 'description'}] for every registered target."""
        response = call(
            f"DescribeTargetHealth {target_group_arn.rsplit(':', 1)[-1]}",
            self.client.describe_target_health,
            self.backoff,
            TargetGroupArn=target_group_arn,
        )
        targets = []
        for item in response.get("TargetHealthDescriptions", []):
            health = item.get("TargetHealth", {})
            targets.append(
                {
                    "id": item.get("Target", {}).get("Id", ""),
                    "port": item.get("Target", {}).get("Port"),
                    "state": health.get("State", "unknown"),
                    "reason": health.get("Reason"),
                    "description": health.get("Description"),
                }
            )
        return targets
