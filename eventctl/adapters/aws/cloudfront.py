"""CloudFront: find the distribution in front of a bucket, invalidate paths, read their status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call


class DistributionNotFound(AwsError):
    """The CloudFront distribution does not exist."""

    def __init__(self, distribution_id: str) -> None:
        super().__init__(
            f"CloudFront distribution {distribution_id} does not exist",
            hint="check the id (`eventctl env outputs ENV` shows cloudfront_distribution_id)",
            code="NoSuchDistribution",
        )
        self.distribution_id = distribution_id


@dataclass(frozen=True)
class Origin:
    id: str
    domain_name: str
    path: str
    """OriginPath: '/event-planner/browser', or ''"""


@dataclass(frozen=True)
class Distribution:
    id: str
    aliases: tuple[str, ...]
    comment: str
    origins: tuple[Origin, ...]


class CloudFront:
    """The calls `deploy frontend` makes, on one boto3 `cloudfront` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def distribution_ids(self) -> list[str]:
        """Every distribution of the account, all pages."""
        request: dict[str, Any] = {}
        ids: list[str] = []
        while True:
            response = call(
                "ListDistributions", self.client.list_distributions, self.backoff, **request
            )
            listing = response.get("DistributionList", {})
            ids += [str(item["Id"]) for item in listing.get("Items", []) or []]
            marker = listing.get("NextMarker")
            if not listing.get("IsTruncated") or not marker:
                return ids
            request["Marker"] = marker

    def distribution(self, distribution_id: str) -> Distribution:
        """Its aliases, comment and origins; DistributionNotFound if there is none."""
        try:
            response = call(
                f"GetDistribution {distribution_id}",
                self.client.get_distribution,
                self.backoff,
                Id=distribution_id,
            )
        except AwsError as exc:
            if exc.code == "NoSuchDistribution":
                raise DistributionNotFound(distribution_id) from None
            raise
        config = response["Distribution"]["DistributionConfig"]
        return Distribution(
            id=distribution_id,
            aliases=tuple((config.get("Aliases") or {}).get("Items") or ()),
            comment=str(config.get("Comment", "")),
            origins=tuple(
                Origin(
                    id=str(o.get("Id", "")),
                    domain_name=str(o.get("DomainName", "")),
                    path=str(o.get("OriginPath", "")),
                )
                for o in (config.get("Origins") or {}).get("Items") or ()
            ),
        )

    def invalidate(self, distribution_id: str, paths: Sequence[str], reference: str) -> str:
        """Start an invalidation of `paths`; its id. `reference` makes a retry idempotent."""
        response = call(
            f"CreateInvalidation on {distribution_id}",
            self.client.create_invalidation,
            self.backoff,
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": reference,
            },
        )
        return str(response["Invalidation"]["Id"])

    def invalidation_done(self, distribution_id: str, invalidation_id: str) -> bool:
        """Whether the invalidation has completed (AWS says 'Completed', moto 'COMPLETED')."""
        response = call(
            f"GetInvalidation {invalidation_id}",
            self.client.get_invalidation,
            self.backoff,
            DistributionId=distribution_id,
            Id=invalidation_id,
        )
        return str(response["Invalidation"]["Status"]).lower() == "completed"
