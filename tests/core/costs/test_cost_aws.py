"""Pricing API refresh and Cost Explorer, through botocore Stubber (moto implements neither).

The stubbed responses have the real APIs' shapes: `PriceList` entries are JSON strings of
product + OnDemand terms, Cost Explorer groups carry `Keys` and `Metrics.UnblendedCost`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from botocore.stub import Stubber

from eventctl.adapters.aws.cost_explorer import CostExplorer
from eventctl.adapters.aws.pricing import Pricing, parse_price_list_item
from eventctl.core.costs.estimate import estimate_environment
from eventctl.core.costs.prices import NOT_REFRESHED, REFERENCE_REGION, cache_file, load_prices
from eventctl.core.costs.refresh import (
    Query,
    queries_for,
    refresh_prices,
    refreshed_keys,
    unrefreshable_keys,
)
from eventctl.core.costs.report import (
    ActualSpend,
    build_report,
    compare_actual,
    last_full_month,
)
from eventctl.core.costs.usage import no_overrides
from eventctl.errors import EventctlError
from platform_model import build_platform
from tests.fakes.aws_shapes import (
    PUBLISHED,
    ce_request,
    ce_response,
    client,
    expected_request,
    price_item,
)


def api_price(query: Query) -> float:
    """A distinct made-up API price per key (so the test sees which value landed where)."""
    return round(0.001 + (sum(map(ord, query.key)) % 97) / 1000, 6)


def test_parse_takes_the_first_paid_tier() -> None:
    item = price_item(
        "AWSQueueService",
        "EU-Requests-Tier1",
        [("1000000", "Inf", 0.0000004), ("0", "1000000", 0.0)],
        unit="Requests",
    )
    product = parse_price_list_item(item)
    assert product is not None
    assert product.usd == pytest.approx(0.0000004)
    assert product.unit == "Requests"
    assert product.publication_date == PUBLISHED
    free_only = price_item("AWSQueueService", "Global-Requests", 0.0)
    assert parse_price_list_item(free_only) is None


def test_pricing_adapter_follows_next_token() -> None:
    pricing = client("pricing")
    query = Query("nat.hour", "AmazonEC2", "NatGateway-Hours", {"productFamily": "NAT Gateway"})
    with Stubber(pricing) as stub:
        stub.add_response(
            "get_products",
            {
                "FormatVersion": "aws_v1",
                "PriceList": [price_item("AmazonEC2", "EU-NatGateway-Prvd-Hours", 0.1, sku="A")],
                "NextToken": "page-2",
            },
            expected_request(query),
        )
        stub.add_response(
            "get_products",
            {
                "FormatVersion": "aws_v1",
                "PriceList": [price_item("AmazonEC2", "EU-NatGateway-Hours", 0.048, sku="B")],
            },
            {**expected_request(query), "NextToken": "page-2"},
        )
        products = Pricing(pricing).products(
            "AmazonEC2", {"regionCode": "eu-west-1", **query.filters}
        )
        stub.assert_no_pending_responses()
    assert [(p.sku, p.usd) for p in products] == [("A", 0.1), ("B", 0.048)]


def test_refresh_fetches_what_the_model_uses_and_the_report_uses_it(tmp_path: Path) -> None:
    platform = build_platform()
    queries = queries_for(platform)
    keys = [q.key for q in queries]
    assert "rds.postgres.db.t3.medium" in keys and "elasticache.cache.t3.micro" in keys
    pricing = client("pricing")
    missing = "vpce.gb"
    with Stubber(pricing) as stub:
        for query in queries:
            usagetype = f"EU-{query.usagetype_suffix}"
            entries = (
                []
                if query.key == missing
                else [
                    # a product of the same family with another usage type, to be ignored
                    price_item(query.service_code, f"EU-Other-{query.key}", 9.9, sku="ZZZ"),
                    price_item(
                        query.service_code, usagetype, api_price(query) / query.scale, sku="AAA"
                    ),
                ]
            )
            stub.add_response(
                "get_products",
                {"FormatVersion": "aws_v1", "PriceList": entries},
                expected_request(query),
            )
        now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
        result = refresh_prices(Pricing(pricing), platform, "eu-west-1", tmp_path, now)
        stub.assert_no_pending_responses()

    assert result.missing == [missing]
    assert result.path == cache_file(tmp_path, "eu-west-1")
    cached = json.loads(result.path.read_text())
    assert cached["refreshed"]["fetched_at"] == "2026-11-25T09:30:00Z"
    assert cached["refreshed"]["publication_date"] == PUBLISHED

    table = load_prices("eu-west-1", tmp_path)
    nat = next(q for q in queries if q.key == "nat.hour")
    assert table.usd("nat.hour") == pytest.approx(api_price(nat))
    assert table.price("nat.hour").status == "api"
    assert "SKU AAA" in table.price("nat.hour").source
    sqs = next(q for q in queries if q.key == "sqs.requests_million")
    assert table.usd("sqs.requests_million") == pytest.approx(api_price(sqs))  # scaled back
    assert table.price(missing).status == "list"  # built-in kept
    dev = estimate_environment(platform, "dev", table, no_overrides().resolve("dev"))
    nat_line = next(line for line in dev.lines if line.component == "NAT gateway hours")
    assert nat_line.unit_price == pytest.approx(api_price(nat))
    assert nat_line.price_status == "api"
    # the report says which prices are not the API's, and why
    used = {
        p["key"]: p
        for p in build_report(platform, ["dev"], table, no_overrides())["prices"]["used"]
    }
    assert used[missing]["not_refreshed"] == "the Pricing API returned no price for it"
    assert used["route53.zone_month"]["not_refreshed"] == NOT_REFRESHED["route53.zone_month"]
    assert used["nat.hour"]["refreshed"] is True and "not_refreshed" not in used["nat.hour"]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"dev": {"rds": {"instance_class": "db.t4g.small"}}},
        {"prod": {"rds": {"instance_class": "db.t3.large", "storage_type": "gp2"}}},
    ],
)
def test_every_price_the_report_reads_is_refreshed_or_listed_as_not_refreshed(overrides) -> None:  # type: ignore[no-untyped-def]
    """No refresh loop: a refreshed region can always produce the full report, because every
    key the estimate and the savings read is either queried or deliberately left built-in."""
    platform = build_platform(overrides=overrides)
    report = build_report(platform, ["dev", "prod"], load_prices("eu-west-1"), no_overrides())
    used = {p["key"] for p in report["prices"]["used"]}
    assert "transfer.internet_out_gb" in used and "fargate.spot_discount" in used
    assert unrefreshable_keys(platform, used) == []
    # the two lists do not overlap, and what is not refreshed has a built-in reference price
    assert not set(NOT_REFRESHED) & refreshed_keys(platform)
    reference = load_prices(REFERENCE_REGION)
    assert all(reference.has(key) for key in NOT_REFRESHED)


def test_queries_name_the_price_list_fields() -> None:
    """The filters the refresh sends, for the keys whose Price List product needs more than
    the region and the usage type (docs/costs.md lists them)."""
    queries = {q.key: q for q in queries_for(build_platform())}
    transfer = queries["transfer.internet_out_gb"]
    assert (transfer.service_code, transfer.usagetype_suffix) == (
        "AWSDataTransfer",
        "DataTransfer-Out-Bytes",
    )
    assert transfer.request_filters("eu-west-1") == {
        "fromRegionCode": "eu-west-1",
        "transferType": "AWS Outbound",
        "toLocation": "External",
    }
    backup = queries["rds.backup_gb_month"]
    assert backup.request_filters("eu-west-1") == {
        "regionCode": "eu-west-1",
        "databaseEngine": "PostgreSQL",
    }
    assert queries["kms.requests_10k"].scale == 1e4
    assert queries["s3.put_1k"].scale == 1e3
    assert queries["secretsmanager.api_10k"].usagetypes == (
        "AWSSecretsManager-APIRequests",
        "AWSSecretsManagerAPIRequest",
    )
    # the Graviton counterpart of the model's db.t3 class, for the db.t4g saving
    assert "rds.postgres.db.t4g.medium" in queries


def test_refresh_access_denied_writes_nothing(tmp_path: Path) -> None:
    pricing = client("pricing")
    with Stubber(pricing) as stub:
        stub.add_client_error(
            "get_products",
            service_error_code="AccessDeniedException",
            service_message="User is not authorized to perform: pricing:GetProducts",
            http_status_code=400,
        )
        with pytest.raises(EventctlError) as caught:
            refresh_prices(
                Pricing(pricing), build_platform(), "eu-west-1", tmp_path, datetime.now(UTC)
            )
    assert "AccessDeniedException" in caught.value.message
    assert caught.value.hint and "pricing:GetProducts" in caught.value.hint
    assert not cache_file(tmp_path, "eu-west-1").exists()


def test_refresh_of_a_region_the_api_does_not_know(tmp_path: Path) -> None:
    pricing = client("pricing")
    queries = [Query("nat.hour", "AmazonEC2", "NatGateway-Hours")]
    with Stubber(pricing) as stub:
        stub.add_response(
            "get_products",
            {"FormatVersion": "aws_v1", "PriceList": []},
            expected_request(queries[0], "xx-west-9"),
        )
        with pytest.raises(EventctlError, match="no prices for region 'xx-west-9'"):
            refresh_prices(
                Pricing(pricing),
                build_platform(),
                "xx-west-9",
                tmp_path,
                datetime.now(UTC),
                queries,
            )
    assert not cache_file(tmp_path, "xx-west-9").exists()


# -- Cost Explorer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 11, 25), date(2026, 10, 1), date(2026, 11, 1)),
        (date(2026, 1, 1), date(2025, 12, 1), date(2026, 1, 1)),
        (date(2026, 3, 31), date(2026, 2, 1), date(2026, 3, 1)),
    ],
)
def test_last_full_month(today: date, start: date, end: date) -> None:
    assert last_full_month(today) == (start, end)


def test_cost_explorer_sums_pages_by_service() -> None:
    ce = client("ce")
    with Stubber(ce) as stub:
        stub.add_response(
            "get_cost_and_usage",
            ce_response(
                {"Amazon Relational Database Service": "201.5", "EC2 - Other": "30.25"}, token="t2"
            ),
            ce_request("2026-10-01", "2026-11-01", "dev"),
        )
        stub.add_response(
            "get_cost_and_usage",
            ce_response({"EC2 - Other": "4.75", "Tax": "0"}),
            ce_request("2026-10-01", "2026-11-01", "dev", token="t2"),
        )
        spend = CostExplorer(ce).cost_by_service(
            date(2026, 10, 1), date(2026, 11, 1), "Environment", "dev"
        )
        stub.assert_no_pending_responses()
    assert spend == {
        "Amazon Relational Database Service": 201.5,
        "EC2 - Other": 35.0,
        "Tax": 0.0,
    }


def test_cost_explorer_access_denied_has_a_hint() -> None:
    ce = client("ce")
    with Stubber(ce) as stub:
        stub.add_client_error(
            "get_cost_and_usage",
            service_error_code="AccessDeniedException",
            service_message="not authorized",
            http_status_code=400,
        )
        with pytest.raises(EventctlError) as caught:
            CostExplorer(ce).cost_by_service(
                date(2026, 10, 1), date(2026, 11, 1), "Environment", "dev"
            )
    assert caught.value.hint and "ce:GetCostAndUsage" in caught.value.hint


def test_actual_is_compared_per_service() -> None:
    platform = build_platform()
    dev = estimate_environment(
        platform, "dev", load_prices("eu-west-1"), no_overrides().resolve("dev")
    )
    rds_estimate = sum(
        line.monthly
        for line in dev.lines
        if line.ce_service == "Amazon Relational Database Service"
    )
    spend = ActualSpend(
        env="dev",
        start=date(2026, 10, 1),
        end=date(2026, 11, 1),
        tag="Environment=dev",
        by_service={"Amazon Relational Database Service": 200.0, "AWS CloudTrail": 3.0},
    )
    compared = compare_actual(dev, spend)
    rows = {row["service"]: row for row in compared["rows"]}
    assert rows["Amazon Relational Database Service"]["difference_usd"] == pytest.approx(
        200.0 - rds_estimate, abs=0.01
    )
    assert rows["AWS CloudTrail"]["estimate_usd"] == 0
    assert rows["Amazon Elastic Container Service"]["actual_usd"] == 0
    assert compared["actual_usd"] == 203.0
    assert compared["difference_usd"] == pytest.approx(203.0 - dev.total, abs=0.01)
