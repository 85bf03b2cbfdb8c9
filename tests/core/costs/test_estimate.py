"""The estimate's arithmetic, line by line, against hand-computed figures from the price table."""

from __future__ import annotations

import pytest

from eventctl.core.costs.estimate import Estimate, Line, estimate_environment
from eventctl.core.costs.prices import PriceError, load_prices
from eventctl.core.costs.usage import load_usage, no_overrides
from eventctl.errors import EventctlError
from platform_model import Platform, build_platform

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
    # 2 alarms per service x 5 + 2 per ALB (5xx, latency) + 3 per database x 5 + 3 for the cache.
    assert line(dev, "CloudWatch alarms").quantity == 2 * 5 + 2 + 3 * 5 + 3
    assert line(dev, "CloudWatch alarms").monthly == pytest.approx(3.00)
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
    assert dev.total == pytest.approx(577.45, abs=0.01)


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


# Which Cost Explorer SERVICE each price family is billed under (so --actual compares a line
# with the right service). Written out here, not taken from the code's CE table.
CE_SERVICE_OF = {
    "fargate": "Amazon Elastic Container Service",
    "nat": "EC2 - Other",
    "vpce": "Amazon Virtual Private Cloud",
    "ipv4": "Amazon Virtual Private Cloud",
    "alb": "Amazon Elastic Load Balancing",
    "transfer": "AWS Data Transfer",
    "rds": "Amazon Relational Database Service",
    "docdb": "Amazon DocumentDB (with MongoDB compatibility)",
    "elasticache": "Amazon ElastiCache",
    "cloudwatch": "AmazonCloudWatch",
    "s3": "Amazon Simple Storage Service",
    "cloudfront": "Amazon CloudFront",
    "route53": "Amazon Route 53",
    "cloudmap": "AWS Cloud Map",
    "ecr": "Amazon EC2 Container Registry (ECR)",
    "sqs": "Amazon Simple Queue Service",
    "sns": "Amazon Simple Notification Service",
    "ses": "Amazon Simple Email Service",
    "secretsmanager": "AWS Secrets Manager",
    "kms": "AWS Key Management Service",
}


def test_every_line_names_its_cost_explorer_service_and_the_table_price(platform, prices) -> None:  # type: ignore[no-untyped-def]
    for env in ("dev", "prod"):
        for item in estimate(platform, prices, env).lines:
            family = item.price_key.split(".")[0]
            assert item.ce_service == CE_SERVICE_OF[family], item.component
            # the line shows the table's price and status for its key, unconverted
            assert item.unit_price == prices.usd(item.price_key), item.component
            assert item.price_status == prices.price(item.price_key).status, item.component


# Every line of the default report, worked out by hand: (quantity, unit price, monthly USD).
# Quantities are written as the model's counts x the usage defaults (docs/costs.md lists
# both); unit prices are the built-in table's (test_builtin_prices_used_by_... pins the
# main ones); the monthly figure is quantity x price worked out (to the cent, or exact where
# the product ends in half a cent), so it is checked independently of the code's arithmetic.
DEV_BY_HAND: dict[str, tuple[float, float, float]] = {
    # 5 services x 1 task x 0.25 vCPU / 0.5 GB x 730 h
    "Fargate vCPU": (5 * 1 * 0.25 * 730, 0.04048, 36.94),
    "Fargate memory": (5 * 1 * 0.5 * 730, 0.004445, 8.11),
    "NAT gateway hours": (1 * 730, 0.048, 35.04),
    "NAT data processed": (5, 0.048, 0.24),
    "Interface endpoint hours": (5 * 2 * 730, 0.011, 80.30),
    "Interface endpoint data": (10, 0.01, 0.10),
    # 1 NAT Elastic IP + 2 ALB addresses (one per AZ)
    "Public IPv4 addresses": ((1 + 2) * 730, 0.005, 10.95),
    "ALB hours": (730, 0.0252, 18.40),
    "ALB capacity units": (0.2 * 730, 0.008, 1.17),
    "Data transfer to the internet": (10, 0.09, 0.90),
    "RDS PostgreSQL db.t3.medium": (5 * 730, 0.0765, 279.23),
    "RDS storage (gp3)": (5 * 20, 0.127, 12.70),
    # 5 x 1 GB x (1 + 0.05 x 0 days) = 5 GB of backups, under the free 5 x 20 GB
    "RDS backup storage beyond free": (0, 0.095, 0.00),
    "DocumentDB db.t3.medium": (1 * 730, 0.0858, 62.63),
    "DocumentDB storage": (1, 0.11, 0.11),
    "DocumentDB I/O": (1, 0.22, 0.22),
    "ElastiCache Redis cache.t3.micro": (1 * 730, 0.018, 13.14),
    # 0.5 GB per task x 5 tasks
    "CloudWatch Logs ingestion (services)": (0.5 * 5, 0.57, 1.425),
    "CloudWatch Logs ingestion (VPC flow logs)": (2, 0.57, 1.14),
    # each month's logs kept for retention/30 months: 2.5 GB x 30/30 + 2 GB x 30/30
    "CloudWatch Logs storage": (2.5 * 30 / 30 + 2 * 30 / 30, 0.03, 0.135),
    # 2 per service x 5 + 1 for the ALB + 3 per database x 5 + 3 for the cache
    "CloudWatch alarms": (2 * 5 + 2 + 3 * 5 + 3, 0.10, 3.00),
    "CloudWatch dashboard": (1, 3.00, 3.00),
    "S3 assets storage": (1, 0.023, 0.02),
    "S3 requests (PUT)": (2, 0.005, 0.01),
    "S3 requests (GET)": (20, 0.0004, 0.01),
    "CloudFront data to viewers": (5, 0.085, 0.425),
    # 0.2 million requests = 20 x 10,000
    "CloudFront HTTPS requests": (0.2 * 100, 0.012, 0.24),
    "Route 53 hosted zone": (1, 0.50, 0.50),
    "Route 53 queries": (0.1, 0.40, 0.04),
    "Cloud Map private DNS zone": (1, 0.50, 0.50),
    "Cloud Map registered tasks": (5 * 1, 0.10, 0.50),
    # 5 repositories x 0.5 GB
    "ECR image storage": (5 * 0.5, 0.10, 0.25),
    # 6 consumed queues x 1 task x one receive per 20 s, all month
    "SQS long polling": (6 * 1 * 730 * 3600 / 20 / 1e6, 0.40, 0.32),
    # 0.05 million messages x 3 requests (send, receive, delete)
    "SQS messages": (0.05 * 3, 0.40, 0.06),
    "SNS publishes": (0.02, 0.50, 0.01),
    "SES emails": (1, 0.10, 0.10),
    "Secrets Manager secrets": (11, 0.40, 4.40),
    "Secrets Manager API calls": (1, 0.05, 0.05),
    "KMS customer managed keys": (1, 1.00, 1.00),
    "KMS requests": (5, 0.03, 0.15),
}

PROD_BY_HAND: dict[str, tuple[float, float, float]] = {
    # the autoscaling minimum: 5 services x 2 tasks
    "Fargate vCPU": (5 * 2 * 0.25 * 730, 0.04048, 73.88),
    "Fargate memory": (5 * 2 * 0.5 * 730, 0.004445, 16.22),
    "NAT gateway hours": (2 * 730, 0.048, 70.08),
    "NAT data processed": (40, 0.048, 1.92),
    "Interface endpoint hours": (5 * 2 * 730, 0.011, 80.30),
    "Interface endpoint data": (60, 0.01, 0.60),
    # 2 NAT Elastic IPs + 2 ALB addresses
    "Public IPv4 addresses": ((2 + 2) * 730, 0.005, 14.60),
    "ALB hours": (730, 0.0252, 18.40),
    "ALB capacity units": (1.0 * 730, 0.008, 5.84),
    "Data transfer to the internet": (100, 0.09, 9.00),
    # Multi-AZ: the standby is billed like the primary
    "RDS PostgreSQL db.t3.medium": (5 * 2 * 730, 0.0765, 558.45),
    "RDS storage (gp3)": (5 * 2 * 100, 0.127, 127.00),
    # 5 x 20 GB x (1 + 0.05 x 6 days) = 130 GB of backups, under the free 5 x 100 GB
    "RDS backup storage beyond free": (0, 0.095, 0.00),
    "DocumentDB db.t3.medium": (3 * 730, 0.0858, 187.90),
    "DocumentDB storage": (20, 0.11, 2.20),
    "DocumentDB I/O": (30, 0.22, 6.60),
    "ElastiCache Redis cache.t3.micro": (2 * 730, 0.018, 26.28),
    # 1 GB per task x 10 tasks
    "CloudWatch Logs ingestion (services)": (1.0 * 10, 0.57, 5.70),
    "CloudWatch Logs ingestion (VPC flow logs)": (15, 0.57, 8.55),
    # services kept 90 days, flow logs 30: 10 GB x 90/30 + 15 GB x 30/30
    "CloudWatch Logs storage": (10 * 90 / 30 + 15 * 30 / 30, 0.03, 1.35),
    # per service 2 x 5, per ALB 2, per database 3 x 5, per Redis node 3 x 2
    "CloudWatch alarms": (2 * 5 + 2 + 3 * 5 + 3 * 2, 0.10, 3.30),
    "CloudWatch dashboard": (1, 3.00, 3.00),
    "S3 assets storage": (2, 0.023, 0.05),
    "S3 requests (PUT)": (2, 0.005, 0.01),
    "S3 requests (GET)": (200, 0.0004, 0.08),
    "CloudFront data to viewers": (100, 0.085, 8.50),
    # 5 million requests = 500 x 10,000
    "CloudFront HTTPS requests": (5 * 100, 0.012, 6.00),
    "Route 53 hosted zone": (1, 0.50, 0.50),
    "Route 53 queries": (2, 0.40, 0.80),
    "Cloud Map private DNS zone": (1, 0.50, 0.50),
    "Cloud Map registered tasks": (5 * 2, 0.10, 1.00),
    "ECR image storage": (5 * 0.5, 0.10, 0.25),
    "SQS long polling": (6 * 2 * 730 * 3600 / 20 / 1e6, 0.40, 0.63),
    "SQS messages": (2 * 3, 0.40, 2.40),
    "SNS publishes": (1, 0.50, 0.50),
    "SES emails": (50, 0.10, 5.00),
    "Secrets Manager secrets": (11, 0.40, 4.40),
    "Secrets Manager API calls": (3, 0.05, 0.15),
    "KMS customer managed keys": (1, 1.00, 1.00),
    "KMS requests": (30, 0.03, 0.90),
}


@pytest.mark.parametrize(
    ("env", "by_hand", "total"),
    [("dev", DEV_BY_HAND, 577.45), ("prod", PROD_BY_HAND, 1253.83)],
)
def test_every_line_against_the_hand_computed_figures(  # type: ignore[no-untyped-def]
    platform, prices, env: str, by_hand: dict[str, tuple[float, float, float]], total: float
) -> None:
    lines = {item.component: item for item in estimate(platform, prices, env).lines}
    assert set(lines) == set(by_hand), "a line was added or removed: work it out by hand here"
    for component, (quantity, unit_price, monthly) in by_hand.items():
        item = lines[component]
        assert item.quantity == pytest.approx(quantity), component
        assert item.unit_price == pytest.approx(unit_price), component
        assert item.monthly == pytest.approx(monthly, abs=0.005), component
    assert sum(monthly for _, _, monthly in by_hand.values()) == pytest.approx(total, abs=0.05)
    assert estimate(platform, prices, env).total == pytest.approx(total, abs=0.005)


def test_customer_managed_keys_are_priced(prices) -> None:  # type: ignore[no-untyped-def]
    keys = line(estimate(build_platform(), prices, "prod"), "KMS customer managed keys")
    assert keys.quantity == 1
    assert keys.monthly == pytest.approx(1.0)
