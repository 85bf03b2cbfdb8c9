"""Botocore Stubber material: requests and responses in the real Pricing / Cost Explorer shapes.

The AWS emulator implements neither API, so tests stub the botocore client with these.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import boto3

from eventctl.core.costs.refresh import Query

PUBLISHED = "2026-11-20T18:05:12Z"


def client(service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def price_item(
    service_code: str,
    usagetype: str,
    usd: float | list[tuple[str, str, float]],
    *,
    sku: str = "K4EXFQ5YFQCP98EN",
    unit: str = "Hrs",
    attributes: dict[str, str] | None = None,
) -> str:
    """One PriceList entry as the API returns it: a JSON string. `usd` may be tiers."""
    tiers = usd if isinstance(usd, list) else [("0", "Inf", usd)]
    dimensions = {
        f"{sku}.JRTCKXETXF.{i}": {
            "unit": unit,
            "endRange": end,
            "description": f"${price} per {unit} ({usagetype})",
            "appliesTo": [],
            "rateCode": f"{sku}.JRTCKXETXF.{i}",
            "beginRange": begin,
            "pricePerUnit": {"USD": f"{price:.10f}"},
        }
        for i, (begin, end, price) in enumerate(tiers)
    }
    return json.dumps(
        {
            "product": {
                "productFamily": "Compute",
                "attributes": {
                    "regionCode": "eu-west-1",
                    "location": "EU (Ireland)",
                    "locationType": "AWS Region",
                    "servicecode": service_code,
                    "usagetype": usagetype,
                    "operation": "",
                    **(attributes or {}),
                },
                "sku": sku,
            },
            "serviceCode": service_code,
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": dimensions,
                        "sku": sku,
                        "effectiveDate": "2026-11-01T00:00:00Z",
                        "offerTermCode": "JRTCKXETXF",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261120180512",
            "publicationDate": PUBLISHED,
        }
    )


def expected_request(query: Query, region: str = "eu-west-1") -> dict[str, Any]:
    filters = query.request_filters(region)
    return {
        "ServiceCode": query.service_code,
        "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in filters.items()],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }


def ce_request(start: str, end: str, env: str, token: str | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start, "End": end},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        "Filter": {"Tags": {"Key": "Environment", "Values": [env], "MatchOptions": ["EQUALS"]}},
    }
    if token:
        request["NextPageToken"] = token
    return request


def ce_response(groups: dict[str, str], token: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"},
                "Total": {},
                "Groups": [
                    {
                        "Keys": [name],
                        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}},
                    }
                    for name, amount in groups.items()
                ],
                "Estimated": False,
            }
        ],
        "DimensionValueAttributes": [],
    }
    if token:
        response["NextPageToken"] = token
    return response


def stub_refresh(
    stub: Any,
    queries: Iterable[Query],
    region: str,
    usage_prefix: str,
    price: Callable[[Query], float],
    *,
    unanswered: Iterable[str] = (),
) -> None:
    """Queue one get_products answer per query, as the Pricing API gives it for `region`:
    the product's usage type carries the region's prefix (`APS2-`), the price is per the API's
    unit (per request, not per million), and the keys in `unanswered` get no product."""
    skip = set(unanswered)
    for query in queries:
        entries = (
            []
            if query.key in skip
            else [
                price_item(
                    query.service_code,
                    f"{usage_prefix}-{query.usagetype_suffix}",
                    price(query) / query.scale,
                    attributes={"regionCode": region},
                )
            ]
        )
        stub.add_response(
            "get_products",
            {"FormatVersion": "aws_v1", "PriceList": entries},
            expected_request(query, region),
        )
