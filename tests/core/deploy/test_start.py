"""Starting rollouts against moto (task definitions, services, ECR images are real there):
checks first, then a revision that differs only by the image, pinned by digest."""

from __future__ import annotations

from typing import Any

import pytest

from eventctl.adapters.aws.ecr import Ecr
from eventctl.adapters.aws.ecs import Ecs
from eventctl.core.deploy.images import TaggedImage, resolve_tag
from eventctl.core.deploy.start import READ_ONLY_FIELDS, start_deploy, with_image
from eventctl.core.deploy.state import STARTED, DeployResult
from eventctl.errors import EventctlError, UnknownNameError
from platform_model import Platform, build_platform
from tests.helpers.deploy_env import (
    ACCOUNT,
    ENV,
    create_environment,
    push_image,
    registered_revisions,
)


@pytest.fixture
def platform() -> Platform:
    return build_platform()


# -- starting a deploy (moto) ------------------------------------------------------------------


def deploy(moto_server: Any, platform: Platform, services: list[str], tag: str) -> DeployResult:
    """Resolve `tag` in ECR, then start the rollouts, as `deploy service --tag` does."""
    images = resolve_tag(platform, ENV, services, tag, ecr=Ecr(moto_server.client("ecr")))
    return start_deploy(
        platform, ENV, images, ecs=Ecs(moto_server.client("ecs")), label=f"tag {tag}"
    )


def test_the_new_revision_differs_from_the_live_one_only_by_image(
    moto_server: Any, platform: Platform
) -> None:
    before = create_environment(moto_server, platform)
    ecs = moto_server.client("ecs")
    digest = moto_server.client("ecr").describe_images(
        repositoryName="event-planner-dev-auth-svc", imageIds=[{"imageTag": "v2"}]
    )["imageDetails"][0]["imageDigest"]

    result = deploy(moto_server, platform, ["auth"], "v2")

    (rollout,) = result.rollouts
    assert rollout.outcome == STARTED
    assert rollout.previous_task_definition == before["auth"]
    assert rollout.task_definition.endswith("task-definition/event-planner-dev-auth-service:2")
    old = ecs.describe_task_definition(taskDefinition=before["auth"], include=["TAGS"])
    new = ecs.describe_task_definition(taskDefinition=rollout.task_definition, include=["TAGS"])
    uri = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/event-planner-dev-auth-svc"
    pinned = f"{uri}@{digest}"
    assert new["taskDefinition"]["containerDefinitions"][0]["image"] == pinned
    assert old["taskDefinition"]["containerDefinitions"][0]["image"] == f"{uri}:bootstrap"
    assert comparable(new["taskDefinition"]) == comparable(old["taskDefinition"])
    assert new["tags"] == old["tags"]
    assert rollout.image == pinned and rollout.image_digest == digest
    assert rollout.previous_image == f"{uri}:bootstrap"
    assert str(rollout.replaced_deployment).startswith("ecs-svc/")


def comparable(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition without what describe adds and without the container images."""
    kept = {k: v for k, v in definition.items() if k not in READ_ONLY_FIELDS}
    kept["containerDefinitions"] = [
        {k: v for k, v in c.items() if k != "image"} for c in kept["containerDefinitions"]
    ]
    return kept


def test_the_service_is_pointed_at_the_new_revision(moto_server: Any, platform: Platform) -> None:
    before = create_environment(moto_server, platform)
    names = platform.names(ENV)

    result = deploy(moto_server, platform, ["booking-service", "auth"], "v2")

    services = moto_server.client("ecs").describe_services(
        cluster=names.cluster,
        services=["event-planner-dev-auth-service", "event-planner-dev-booking-service"],
    )["services"]
    live = {s["serviceName"]: s["taskDefinition"] for s in services}
    assert [r.service for r in result.rollouts] == ["booking", "auth"]
    assert live == {r.ecs_service: r.task_definition for r in result.rollouts}
    assert set(live.values()).isdisjoint(before.values())


def test_only_the_service_container_gets_the_new_image(
    moto_server: Any, platform: Platform
) -> None:
    create_environment(moto_server, platform, services=("auth",), sidecar=True)

    result = deploy(moto_server, platform, ["auth"], "v2")

    new = moto_server.client("ecs").describe_task_definition(
        taskDefinition=result.rollouts[0].task_definition
    )["taskDefinition"]
    images = {c["name"]: c["image"] for c in new["containerDefinitions"]}
    assert "/event-planner-dev-auth-svc@sha256:" in images["auth-service"]
    assert images["log-router"] == "fluent-bit:2.2"


def test_a_tag_missing_from_any_repository_changes_nothing(
    moto_server: Any, platform: Platform
) -> None:
    create_environment(moto_server, platform)
    push_image(moto_server, "event-planner-dev-auth-svc", "v3")  # auth has v3, booking not
    before = registered_revisions(moto_server)

    with pytest.raises(EventctlError) as caught:
        deploy(moto_server, platform, ["auth", "booking"], "v3")

    assert caught.value.message == (
        "ECR repository event-planner-dev-booking-svc has no image tagged 'v3'"
    )
    assert "aws ecr list-images --repository-name event-planner-dev-booking-svc" in str(
        caught.value.hint
    )
    assert registered_revisions(moto_server) == before


def test_a_missing_repository_is_named(moto_server: Any, platform: Platform) -> None:
    create_environment(moto_server, platform)
    moto_server.client("ecr").delete_repository(
        repositoryName="event-planner-dev-booking-svc", force=True
    )

    with pytest.raises(EventctlError) as caught:
        deploy(moto_server, platform, ["auth", "booking"], "v2")

    assert caught.value.message == "ECR repository event-planner-dev-booking-svc does not exist"
    assert caught.value.hint == "create the dev environment with `eventctl env up dev`"
    assert len(registered_revisions(moto_server)) == 2


def test_an_environment_not_deployed_says_how_to_create_it(
    moto_server: Any, platform: Platform
) -> None:
    images = [TaggedImage("auth", "repo", "v2", "sha256:" + "a" * 64, None)]

    with pytest.raises(EventctlError) as caught:
        start_deploy(platform, ENV, images, ecs=Ecs(moto_server.client("ecs")), label="x")

    assert "ECS cluster event-planner-dev-cluster does not exist" in caught.value.message
    assert "eventctl env up dev" in str(caught.value.hint)


def test_a_missing_service_says_how_to_create_it(moto_server: Any, platform: Platform) -> None:
    create_environment(moto_server, platform, services=("auth",))
    images = [
        TaggedImage(name, "repo", "v2", "sha256:" + "a" * 64, None) for name in ("auth", "payment")
    ]

    with pytest.raises(EventctlError) as caught:
        start_deploy(platform, ENV, images, ecs=Ecs(moto_server.client("ecs")), label="x")

    assert caught.value.message == (
        "ECS service event-planner-dev-payment-service does not exist in cluster "
        "event-planner-dev-cluster"
    )
    assert caught.value.hint == "create the services with `eventctl env up dev`"
    assert len(registered_revisions(moto_server)) == 1


def test_an_unknown_service_lists_the_services(moto_server: Any, platform: Platform) -> None:
    with pytest.raises(UnknownNameError) as caught:
        deploy(moto_server, platform, ["auth", "billing"], "v2")

    assert caught.value.hint == "known services: auth, event, booking, payment, notification"


@pytest.mark.parametrize("tag", ["", "sha256:abc", "v1 2", "-v1"])
def test_what_is_not_a_tag_is_refused(moto_server: Any, platform: Platform, tag: str) -> None:
    with pytest.raises(EventctlError, match="is not an image tag"):
        deploy(moto_server, platform, ["auth"], tag)


def test_the_local_environment_is_refused(moto_server: Any, platform: Platform) -> None:
    with pytest.raises(EventctlError) as caught:
        start_deploy(platform, "local", [], ecs=Ecs(moto_server.client("ecs")), label="x")

    assert "the local environment runs the services on this machine" in caught.value.message
    hint = str(caught.value.hint)
    assert "--env dev" in hint
    assert "restarts" not in hint  # `env up local` does not restart running services
    assert "`eventctl env down local` then `eventctl env up local`" in hint
    assert "`eventctl env ps`" in hint


def test_with_image_drops_what_describe_adds(platform: Platform) -> None:
    described = {
        "taskDefinitionArn": "arn:x",
        "revision": 4,
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "ecs.capability.secrets"}],
        "compatibilities": ["EC2", "FARGATE"],
        "registeredAt": "2024-05-01",
        "registeredBy": "arn:aws:iam::1:user/x",
        "family": "event-planner-dev-auth-service",
        "containerDefinitions": [{"name": "auth-service", "image": "repo:old"}],
    }

    fresh = with_image(described, platform.service("auth"), "repo:new")

    assert fresh == {
        "family": "event-planner-dev-auth-service",
        "containerDefinitions": [{"name": "auth-service", "image": "repo:new"}],
    }
    assert described["containerDefinitions"][0]["image"] == "repo:old"


def test_a_definition_without_the_service_container_is_refused(platform: Platform) -> None:
    described = {
        "family": "f",
        "containerDefinitions": [{"name": "app", "image": "a"}, {"name": "proxy", "image": "b"}],
    }
    with pytest.raises(EventctlError, match="has no container named auth-service"):
        with_image(described, platform.service("auth"), "repo:new")
