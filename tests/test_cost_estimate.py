"""The estimate's arithmetic, line by line, against hand-computed figures from the price table."""

from __future__ import annotations

import pytest

from eventctl.core.costs.estimate import Estimate, Line, estimate_environment
from eventctl.core.costs.prices import PriceError, load_prices
from eventctl.core.costs.usage import load_usage, no_overrides
from eventctl.errors import EventctlError
from eventctl.platform import Platform, build_platform

H = 730  # hours per month


@pytest.fixture(scope="module")
def platform() -> Platform:
    return build_platform()


@pytest.fixture(scope="module")
def prices():  # type: ignore[no-untyped-def]
    return load_prices("eu-west-1")


def estimate(platform: Platform, prices, env: str, *sets: str) -> Estimate:  # type: ignore[no-untyped-def]
    usage = load_usage(None, sets).resolve(env) if sets else no_overrides().resolve(env)
    return estimate_environment(platform, env, prices, usage)


def line(est: Estimate, component: str) -> Line:
    matches = [item for item in est.lines if item.component == component]
    assert len(matches) == 1, f"{component!r} appears {len(matches)} times"
    return matches[0]


def test_builtin_prices_used_by_the_hand_computations(prices) -> None:  # type: ignore[no-untyped-def]
    """The figures the hand computations below use are the table's; a table edit shows here."""
    expected = {
        "fargate.vcpu_hour": 0.04048,
        "fargate.gb_hour": 0.004445,
        "nat.hour": 0.048,
        "nat.gb": 0.048,
        "vpce.hour": 0.011,
        "ipv4.hour": 0.005,
        "alb.hour": 0.0252,
        "alb.lcu_hour": 0.008,
        "rds.postgres.db.t3.medium": 0.0765,
        "rds.storage.gp3": 0.127,
        "docdb.db.t3.medium": 0.0858,
        "elasticache.cache.t3.micro": 0.018,
        "cloudwatch.alarm_month": 0.10,
        "secretsmanager.secret_month": 0.40,
        "sqs.requests_million": 0.40,
    }
    assert {key: prices.usd(key) for key in expected} == expected


def test_dev_compute_and_network_lines(platform, prices) -> None:  # type: ignore[no-untyped-def]
    dev = estimate(platform, prices, "dev")
    # 5 services x 1 task x 0.25 vCPU / 0.5 GB, all month.
    assert line(dev, "Fargate vCPU").quantity == pytest.approx(5 * 0.25 * H)
    assert line(dev, "Fargate vCPU").monthly == pytest.approx(36.938, abs=0.001)
    assert line(dev, "Fargate memory").monthly == pytest.approx(5 * 0.5 * H * 0.004445)
    assert line(dev, "NAT gateway hours").monthly == pytest.approx(35.04)
    assert line(dev, "NAT data processed").monthly == pytest.approx(5 * 0.048)
    # 5 interface endpoints in each of the 2 AZs.
    assert line(dev, "Interface endpoint hours").quantity == 5 * 2 * H
    assert line(dev, "Interface endpoint hours").monthly == pytest.approx(80.30)
    # 1 NAT Elastic IP + one ALB address per AZ.
    assert line(dev, "Public IPv4 addresses").monthly == pytest.approx(3 * H * 0.005)
    assert line(dev, "ALB hours").monthly == pytest.approx(18.396)
    assert line(dev, "ALB capacity units").monthly == pytest.approx(0.2 * H * 0.008)


def test_dev_database_lines(platform, prices) -> None:  # type: ignore[no-untyped-def]
    dev = estimate(platform, prices, "dev")
    rds = line(dev, "RDS PostgreSQL db.t3.medium")
    # the seed's four databases and the notification service's
    assert rds.quantity == 5 * H
    assert rds.monthly == pytest.approx(279.225)
    assert line(dev, "RDS storage (gp3)").monthly == pytest.approx(5 * 20 * 0.127)
    assert line(dev, "RDS backup storage beyond free").monthly == 0
    assert line(dev, "DocumentDB db.t3.medium").monthly == pytest.approx(H * 0.0858)
    assert line(dev, "ElastiCache Redis cache.t3.micro").monthly == pytest.approx(13.14)


def test_dev_monthly_items(platform, prices) -> None:  # type: ignore[no-untyped-def]
    dev = estimate(platform, prices, "dev")
    # 2 alarms per service x 5 + 1 per ALB + 3 per database x 5 + 3 for the cache.
    assert line(dev, "CloudWatch alarms").quantity == 2 * 5 + 1 + 3 * 5 + 3
    assert line(dev, "CloudWatch alarms").monthly == pytest.approx(2.90)
    # 5 database logins + DocumentDB + the JWT signing key + the Redis AUTH token + the
    # internal-API credentials of booking (caller), event and payment (called).
    assert line(dev, "Secrets Manager secrets").monthly == pytest.approx(11 * 0.40)
    # notification long-polls 5 queues, booking 1: 6 polls every 20 s all month.
    polls = line(dev, "SQS long polling")
    assert polls.quantity == pytest.approx(6 * H * 3600 / 20 / 1e6)
    assert polls.monthly == pytest.approx(0.7884 * 0.40)
    assert line(dev, "KMS customer managed keys").monthly == pytest.approx(1.00)


def test_dev_total_is_the_sum_of_its_lines(platform, prices) -> None:  # type: ignore[no-untyped-def]
    dev = estimate(platform, prices, "dev")
    assert dev.total == pytest.approx(sum(item.quantity * item.unit_price for item in dev.lines))
    assert dev.total == pytest.approx(577.35, abs=0.01)


def test_usage_lines_follow_overrides(platform, prices) -> None:  # type: ignore[no-untyped-def]
    dev = estimate(platform, prices, "dev", "nat_processed_gb=100", "internet_egress_gb=50")
    assert line(dev, "NAT data processed").monthly == pytest.approx(100 * 0.048)
    assert line(dev, "Data transfer to the internet").monthly == pytest.approx(50 * 0.09)
    assert line(dev, "NAT data processed").usage_based
    assert not line(dev, "NAT gateway hours").usage_based


def test_rds_backup_beyond_free_storage(platform, prices) -> None:  # type: ignore[no-untyped-def]
    # 5 databases x 20 GB used, 7 days kept with 50%/day change: 5 x 20 x (1 + 0.5 x 6)
    # = 400 GB of backups against 5 x 100 GB free -> nothing; raise the change rate to 100%:
    # 5 x 20 x 7 = 700 GB -> 200 GB billable.
    prod = estimate(platform, prices, "prod", "rds_used_gb=20", "rds_daily_change=1")
    backup = line(prod, "RDS backup storage beyond free")
    assert backup.quantity == pytest.approx(200)
    assert backup.monthly == pytest.approx(200 * 0.095)


@pytest.mark.parametrize(
    "component",
    [
        "NAT gateway hours",
        "RDS PostgreSQL db.t3.medium",
        "RDS storage (gp3)",
        "DocumentDB db.t3.medium",
        "ElastiCache Redis cache.t3.micro",
        "Fargate vCPU",
        "Fargate memory",
        "Public IPv4 addresses",
    ],
)
def test_prod_costs_more_than_dev_for_the_ha_items(platform, prices, component) -> None:  # type: ignore[no-untyped-def]
    dev, prod = estimate(platform, prices, "dev"), estimate(platform, prices, "prod")
    assert line(prod, component).monthly > line(dev, component).monthly


def test_prod_ha_figures(platform, prices) -> None:  # type: ignore[no-untyped-def]
    prod = estimate(platform, prices, "prod")
    # Multi-AZ doubles instance hours and storage; 100 GB each.
    assert line(prod, "RDS PostgreSQL db.t3.medium").quantity == 5 * 2 * H
    assert line(prod, "RDS storage (gp3)").quantity == 5 * 2 * 100
    assert line(prod, "DocumentDB db.t3.medium").quantity == 3 * H
    assert line(prod, "ElastiCache Redis cache.t3.micro").quantity == 2 * H
    # the autoscaling minimum (2 tasks per service) is what always runs
    assert line(prod, "Fargate vCPU").quantity == 5 * 2 * 0.25 * H
    assert line(prod, "NAT gateway hours").quantity == 2 * H
    assert prod.total > 2 * estimate(platform, prices, "dev").total


def test_three_databases_cost_three_instances(platform, prices) -> None:  # type: ignore[no-untyped-def]
    three = platform.model_copy(update={"databases": platform.databases[:3]})
    dev = estimate(three, prices, "dev")
    assert line(dev, "RDS PostgreSQL db.t3.medium").quantity == 3 * H
    assert line(dev, "RDS storage (gp3)").quantity == 3 * 20
    assert dev.total < estimate(platform, prices, "dev").total


def test_instance_class_and_counts_from_settings_change_the_report(prices) -> None:  # type: ignore[no-untyped-def]
    changed = build_platform(
        overrides={
            "dev": {
                "rds": {"instance_class": "db.t4g.medium", "allocated_storage_gb": 50},
                "desired_count": 2,
                "services": {"auth": {"cpu": 512, "memory": 1024}},
                "network": {"interface_endpoints": ["ecr.api", "ecr.dkr"]},
            }
        }
    )
    dev = estimate(changed, prices, "dev")
    rds = line(dev, "RDS PostgreSQL db.t4g.medium")
    assert rds.price_key == "rds.postgres.db.t4g.medium"
    assert rds.monthly == pytest.approx(5 * H * 0.0691)
    assert line(dev, "RDS storage (gp3)").quantity == 5 * 50
    # 2 tasks of each service; auth at 0.5 vCPU, the other four at 0.25.
    assert line(dev, "Fargate vCPU").quantity == pytest.approx(2 * (0.5 + 4 * 0.25) * H)
    assert line(dev, "Interface endpoint hours").quantity == 2 * 2 * H


def test_unpriced_instance_class_says_how_to_refresh(prices) -> None:  # type: ignore[no-untyped-def]
    big = build_platform(overrides={"dev": {"rds": {"instance_class": "db.r6g.large"}}})
    with pytest.raises(PriceError) as caught:
        estimate(big, prices, "dev")
    assert "rds.postgres.db.r6g.large" in caught.value.message
    assert caught.value.hint and "cost prices refresh" in caught.value.hint


def test_local_environment_has_no_bill(platform, prices) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EventctlError, match="no AWS bill"):
        estimate(platform, prices, "local")


def test_every_line_names_a_cost_explorer_service_and_a_priced_key(platform, prices) -> None:  # type: ignore[no-untyped-def]
    for env in ("dev", "prod"):
        for item in estimate(platform, prices, env).lines:
            assert item.ce_service
            assert prices.usd(item.price_key) * item.quantity == pytest.approx(item.monthly)


def test_customer_managed_keys_are_priced(prices) -> None:  # type: ignore[no-untyped-def]
    keys = line(estimate(build_platform(), prices, "prod"), "KMS customer managed keys")
    assert (keys.quantity, keys.monthly) == (1, pytest.approx(1.0))
