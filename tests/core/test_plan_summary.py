"""Plan summaries and destroy losses, from crafted `terraform show -json` documents."""

from __future__ import annotations

from typing import Any

import pytest

from eventctl.adapters.aws.ecr import Ecr
from eventctl.adapters.aws.s3 import S3
from eventctl.core.lifecycle import PlanResult, destroy_report, refuse_unsafe_destroy
from eventctl.core.plan_summary import action_of, destroy_losses, summarize_plan
from eventctl.errors import EventctlError
from tests.helpers.lifecycle import REGION


def _rc(
    address: str, actions: list[str], before: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    parts = address.split(".")
    kind, name = parts[-2], parts[-1]
    raw: dict[str, Any] = {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "change": {"actions": actions, "before": before, "after": None},
    }
    for key, value in extra.items():
        # `importing` lives inside the change; the rest beside it.
        (raw["change"] if key == "importing" else raw)[key] = value
    if address.startswith("module."):
        raw["module_address"] = ".".join(parts[:-2])
    return raw


PLAN = {
    "format_version": "1.2",
    "resource_changes": [
        _rc("module.network.aws_subnet.public[0]", ["create"]),
        _rc("module.network.aws_subnet.public[1]", ["create"]),
        _rc("module.network.aws_route_table.private", ["update"]),
        _rc(
            "module.ecs.aws_ecs_task_definition.this",
            ["delete", "create"],
            action_reason="replace_because_cannot_update",
        ),
        _rc("aws_sqs_queue.old", ["delete"]),
        _rc("aws_sqs_queue.same", ["no-op"]),
        {
            "address": "data.aws_caller_identity.this",
            "mode": "data",
            "type": "x",
            "name": "y",
            "change": {"actions": ["read"]},
        },
        _rc("aws_iam_role.imported", ["no-op"], importing={"id": "r"}),
    ],
    "resource_drift": [
        _rc("aws_security_group.alb", ["update"]),
        _rc("aws_sns_topic.gone", ["delete"]),
    ],
    "output_changes": {
        "cluster_name": {"actions": ["create"]},
        "unchanged": {"actions": ["no-op"]},
    },
}


def test_action_words() -> None:
    assert action_of(["create"]) == "create"
    assert action_of(["delete", "create"]) == "replace"
    assert action_of(["create", "delete"]) == "replace"
    assert action_of(["no-op"]) is None
    assert action_of(["read"]) is None
    assert action_of(["no-op"], importing=True) == "import"
    assert action_of(["forget"]) == "forget"


def test_summary_counts_groups_and_drift() -> None:
    summary = summarize_plan(PLAN)
    assert summary.counts == {"create": 2, "update": 1, "replace": 1, "delete": 1, "import": 1}
    assert summary.line() == "2 to create, 1 to change, 1 to replace, 1 to destroy"
    assert summary.operations == 6  # a replacement deletes and creates
    groups = {(g.module, g.type): g.counts for g in summary.groups}
    assert groups[("module.network", "aws_subnet")]["create"] == 2
    assert groups[("module.network", "aws_route_table")]["update"] == 1
    assert groups[("module.ecs", "aws_ecs_task_definition")]["replace"] == 1
    assert groups[("(root)", "aws_sqs_queue")] == {
        "create": 0,
        "update": 0,
        "replace": 0,
        "delete": 1,
    }
    replaced = next(c for c in summary.changes if c.action == "replace")
    assert replaced.reason == "replace_because_cannot_update"
    assert [(d.address, d.action) for d in summary.drift] == [
        ("aws_security_group.alb", "update"),
        ("aws_sns_topic.gone", "delete"),
    ]
    assert summary.outputs == {"cluster_name": "create"}
    data = summary.to_dict()
    assert data["changed_outside_terraform"][0]["address"] == "aws_security_group.alb"


def test_empty_plan() -> None:
    summary = summarize_plan({"resource_changes": [_rc("a.b", ["no-op"])]})
    assert summary.empty
    assert summary.line() == "0 to create, 0 to change, 0 to replace, 0 to destroy"


def test_warnings_in_a_document_do_not_matter() -> None:
    # Unknown keys (newer Terraform) and missing ones (older) are both fine.
    summary = summarize_plan({"future_key": 1, "resource_changes": None})
    assert summary.empty


DESTROY = {
    "resource_changes": [
        _rc(
            'module.data.aws_db_instance.this["auth-db"]',
            ["delete"],
            {
                "identifier": "event-planner-dev-auth-db",
                "skip_final_snapshot": True,
                "final_snapshot_identifier": None,
                "deletion_protection": False,
            },
        ),
        _rc(
            'module.data.aws_db_instance.this["event-db"]',
            ["delete"],
            {
                "identifier": "event-planner-prod-event-db",
                "skip_final_snapshot": False,
                "final_snapshot_identifier": "event-planner-prod-event-db-final",
                "deletion_protection": False,
            },
        ),
        _rc(
            "module.data.aws_docdb_cluster.this",
            ["delete"],
            {
                "cluster_identifier": "event-planner-dev-docdb",
                "skip_final_snapshot": False,
                "final_snapshot_identifier": None,
                "deletion_protection": True,
            },
        ),
        _rc(
            "module.data.aws_elasticache_replication_group.this",
            ["delete"],
            {
                "replication_group_id": "event-planner-dev-redis",
                "final_snapshot_identifier": "event-planner-dev-redis-final",
            },
        ),
        _rc("module.ecs.aws_ecs_cluster.this", ["delete"], {"name": "event-planner-dev-cluster"}),
        _rc(
            "module.frontend.aws_s3_bucket.assets",
            ["delete"],
            {
                "bucket": "event-planner-dev-assets",
                "force_destroy": False,
            },
        ),
        _rc(
            'module.ecr.aws_ecr_repository.this["auth"]',
            ["delete"],
            {
                "name": "event-planner-dev-auth-svc",
                "force_delete": True,
            },
        ),
        _rc(
            "module.secrets.aws_secretsmanager_secret.jwt",
            ["delete"],
            {
                "name": "event-planner/dev/jwt",
                "recovery_window_in_days": 7,
            },
        ),
        _rc("module.network.aws_vpc.this", ["delete"], {"id": "vpc-1"}),
        _rc("module.data.aws_db_instance.kept", ["no-op"], {"identifier": "kept"}),
    ]
}


def test_destroy_losses_from_the_plan() -> None:
    losses = {loss.name: loss for loss in destroy_losses(DESTROY)}
    assert set(losses) == {
        "event-planner-dev-auth-db",
        "event-planner-prod-event-db",
        "event-planner-dev-docdb",
        "event-planner-dev-redis",
        "event-planner-dev-cluster",
        "event-planner-dev-assets",
        "event-planner-dev-auth-svc",
        "event-planner/dev/jwt",
    }, "only things that hold data or names; the VPC and no-ops are not listed"
    auth = losses["event-planner-dev-auth-db"]
    assert (auth.kind, auth.snapshot, auth.blocker) == ("database", False, None)
    event = losses["event-planner-prod-event-db"]
    assert event.snapshot is True
    assert event.snapshot_name == "event-planner-prod-event-db-final"
    docdb = losses["event-planner-dev-docdb"]
    assert docdb.kind == "database cluster"
    assert docdb.blocker == "deletion protection is on"
    redis = losses["event-planner-dev-redis"]
    assert (redis.kind, redis.snapshot) == ("cache cluster", True)
    assert losses["event-planner-dev-cluster"].kind == "ECS cluster"
    assert losses["event-planner-dev-assets"].force is False
    assert losses["event-planner-dev-auth-svc"].force is True
    assert losses["event-planner/dev/jwt"].note == "recoverable for 7 days"


def test_unnamed_final_snapshot_blocks() -> None:
    doc = {
        "resource_changes": [
            _rc(
                "aws_db_instance.x",
                ["delete"],
                {
                    "identifier": "x",
                    "skip_final_snapshot": False,
                    "final_snapshot_identifier": None,
                },
            )
        ]
    }
    (loss,) = destroy_losses(doc)
    assert loss.blocker and "final_snapshot_identifier" in loss.blocker


def _planned(document: dict[str, Any]) -> PlanResult:
    from pathlib import Path

    return PlanResult(Path("p"), True, summarize_plan(document, destroy=True), document)


def test_live_contents_and_refusals(moto_server: Any) -> None:
    s3_client = moto_server.client("s3")
    s3_client.create_bucket(
        Bucket="event-planner-dev-assets",
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    for n in range(3):
        s3_client.put_object(Bucket="event-planner-dev-assets", Key=f"f{n}", Body=b"x")
    ecr_client = moto_server.client("ecr")
    ecr_client.create_repository(repositoryName="event-planner-dev-auth-svc")
    ecr_client.put_image(
        repositoryName="event-planner-dev-auth-svc",
        imageManifest='{"schemaVersion": 2, "config": {"digest": "sha256:1"}}',
        imageManifestMediaType="application/vnd.docker.distribution.manifest.v2+json",
        imageTag="v1",
    )
    doc = {
        "resource_changes": [
            r
            for r in DESTROY["resource_changes"]
            if r["type"] in ("aws_s3_bucket", "aws_ecr_repository")
        ]
    }
    losses = destroy_report(_planned(doc), S3(s3_client, REGION), Ecr(ecr_client))
    by_type = {loss.type: loss for loss in losses}
    bucket = by_type["aws_s3_bucket"]
    assert (bucket.empty, bucket.contents) == (False, "3 objects")
    assert bucket.blocker == "not empty (3 objects) and force-delete is off"
    repo = by_type["aws_ecr_repository"]
    assert (repo.empty, repo.contents, repo.blocker) == (False, "1 images", None)
    with pytest.raises(EventctlError, match="would stop halfway") as caught:
        refuse_unsafe_destroy("dev", False, losses)
    assert "aws_s3_bucket.assets" in caught.value.message


def test_prod_destroy_without_final_snapshot_is_refused() -> None:
    doc = {"resource_changes": [DESTROY["resource_changes"][0], DESTROY["resource_changes"][1]]}
    losses = destroy_losses(doc)
    refuse_unsafe_destroy("dev", False, losses)  # dev may lose data
    with pytest.raises(EventctlError, match="without a final snapshot") as caught:
        refuse_unsafe_destroy("prod", True, losses)
    assert 'aws_db_instance.this["auth-db"]' in caught.value.message
    assert "event-db" not in caught.value.message
