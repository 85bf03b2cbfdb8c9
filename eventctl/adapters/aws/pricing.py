"""The AWS Price List Query API (`pricing`): product lookups with their on-demand prices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws._calls import Backoff, call

PRICING_REGION = "us-east-1"
"""The Price List API answers from us-east-1 (and ap-south-1) only, for every region."""


@dataclass(frozen=True)
class PricedProduct:
    """One product of the price list with its first non-zero on-demand price dimension."""

    sku: str
    attributes: dict[str, str]
    usd: float
    unit: str
    description: str
    publication_date: str


HINTS = {
    code: "the credentials need pricing:GetProducts (any resource); check "
    "AWS_PROFILE / aws sts get-caller-identity"
    for code in ("AccessDeniedException", "AccessDenied")
} | {
    code: "wait a minute and run `eventctl cost prices refresh` again"
    for code in ("ThrottlingException", "TooManyRequestsException")
}


class Pricing:
    """Wraps a boto3 `pricing` client: paging, throttling and errors through `call()`."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def products(self, service_code: str, filters: dict[str, str]) -> list[PricedProduct]:
        """Every product of `service_code` whose attributes equal `filters` (TERM_MATCH)."""
        request: dict[str, Any] = {
            "ServiceCode": service_code,
            "Filters": [
                {"Type": "TERM_MATCH", "Field": field, "Value": value}
                for field, value in filters.items()
            ],
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        action = f"AWS Pricing API GetProducts {service_code}"
        found: list[PricedProduct] = []
        while True:
            page = call(action, self.client.get_products, self.backoff, hints=HINTS, **request)
            for raw in page.get("PriceList", []):
                product = parse_price_list_item(raw)
                if product is not None:
                    found.append(product)
            token = page.get("NextToken")
            if not token:
                return found
            request["NextToken"] = token


def parse_price_list_item(raw: str | dict[str, Any]) -> PricedProduct | None:
    """A PricedProduct from one PriceList entry (a JSON string); None without an on-demand price.

    Tiered prices (a free first tier, then paid tiers) give the first non-zero tier.
    """
    item = json.loads(raw) if isinstance(raw, str) else raw
    product = item.get("product", {})
    dimensions = [
        dimension
        for term in item.get("terms", {}).get("OnDemand", {}).values()
        for dimension in term.get("priceDimensions", {}).values()
    ]
    dimensions.sort(key=lambda d: float(d.get("beginRange", "0") or 0))
    for dimension in dimensions:
        usd = float(dimension.get("pricePerUnit", {}).get("USD", "0"))
        if usd > 0:
            return PricedProduct(
                sku=str(product.get("sku", "")),
                attributes={k: str(v) for k, v in product.get("attributes", {}).items()},
                usd=usd,
                unit=str(dimension.get("unit", "")),
                description=str(dimension.get("description", "")),
                publication_date=str(item.get("publicationDate", "")),
            )
    return None
