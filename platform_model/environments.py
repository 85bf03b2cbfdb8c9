"""The three environment profiles.

dev is the seed's dev column (single NAT, single-AZ databases, t3 sizes); prod is the seed's
"High Availability (Production)" section. Both get two availability zones of subnets, because
an ALB and a DB subnet group need two even when the seed draws one.
"""

from __future__ import annotations

from platform_model.model import (
    Autoscaling,
    AwsProfile,
    DocdbProfile,
    EnvironmentProfile,
    LocalProfile,
    LocalRuntime,
    Network,
    RdsProfile,
    RedisProfile,
)

LOCAL = LocalProfile(
    name="local",
    description="the whole platform on this machine: no cloud account, an AWS emulator",
    desired_count=1,
    local=LocalRuntime(),
)

DEV = AwsProfile(
    name="dev",
    description="seed dev sizing: 1 NAT gateway, single-AZ databases, t3 instances",
    desired_count=1,
    log_retention_days=30,
    dns_prefix="dev",
    network=Network(nat_gateways=1),
    rds=RdsProfile(),
    docdb=DocdbProfile(instances=1),
    redis=RedisProfile(nodes=1, automatic_failover=False),
)

PROD = AwsProfile(
    name="prod",
    description="seed HA: 2 AZs, 2 NAT gateways, Multi-AZ RDS, 3 DocumentDB, Redis failover",
    production=True,
    desired_count=2,
    autoscaling=Autoscaling(min_tasks=2, max_tasks=10),
    manual_approval=True,
    log_retention_days=90,
    assets_versioning=True,
    alb_deletion_protection=True,
    secret_recovery_days=30,
    network=Network(nat_gateways=2),
    rds=RdsProfile(
        allocated_storage_gb=100,
        max_allocated_storage_gb=1000,
        multi_az=True,
        backup_retention_days=7,
        deletion_protection=True,
        final_snapshot=True,
    ),
    docdb=DocdbProfile(
        instances=3, backup_retention_days=7, deletion_protection=True, final_snapshot=True
    ),
    redis=RedisProfile(nodes=2, automatic_failover=True, snapshot_retention_days=7),
)

PROFILES: tuple[EnvironmentProfile, ...] = (LOCAL, DEV, PROD)
