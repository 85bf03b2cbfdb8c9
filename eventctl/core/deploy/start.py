"""Starting rollouts: check everything first, then register a revision and update each service.

`plan_rollouts` reads only: the environment, the services, the cluster, each service's live
task definition and the container to change. `start_rollouts` then registers, per service, a
task definition identical to the live one except for the service container's image (pinned by
digest), and points the service at it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws.ecs import ClusterNotFound, Ecs
from eventctl.core.deploy.images import ReleaseImage
from eventctl.core.deploy.state import DeployResult, ServiceRollout
from eventctl.errors import EventctlError
from platform_model import Platform, Service

READ_ONLY_FIELDS = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    }
)
"""What DescribeTaskDefinition returns but RegisterTaskDefinition does not accept."""


@dataclass
class RolloutPlan:
    """What one service runs now and the revision it is to get (nothing changed yet)."""

    service: Service
    ecs_service: str
    image: str
    digest: str
    git_sha: str | None
    current_arn: str
    current_image: str | None
    definition: dict[str, Any]
    tags: list[dict[str, str]]
    event_ids: set[str]
    primary_id: str | None
    existing_task_definition: str | None = None
    """go back to this registered revision instead of registering one (a rollback)"""


def aws_environment(platform: Platform, env: str, *, frontend: bool = False) -> str:
    """`env`, when it is an AWS environment; the local one is refused saying what to run."""
    if platform.environment(env).kind != "aws" and frontend:
        raise EventctlError(
            f"deploy frontend ships the web app to S3 and CloudFront; the {env} environment "
            "serves frontend_dist/ from its gateway",
            hint="use --env dev or --env prod; locally the gateway serves this checkout's "
            "frontend_dist/ as it is (`eventctl env ps` shows its URL)",
        )
    if platform.environment(env).kind != "aws":
        raise EventctlError(
            f"the {env} environment runs the services on this machine: it has no ECS "
            "services, releases or deploy history",
            hint="use --env dev or --env prod. To run this checkout's code locally: "
            f"`eventctl env down {env}` then `eventctl env up {env}` (a running environment "
            f"is not restarted); `eventctl env ps` shows what runs",
        )
    return env


def plan_rollouts(
    platform: Platform, env: str, images: Sequence[ReleaseImage], *, ecs: Ecs
) -> list[RolloutPlan]:
    """Check every service and read its live task definition; change nothing."""
    names = platform.names(aws_environment(platform, env))
    if not images:
        raise EventctlError(
            "no service named",
            hint=f"name one or more of: {', '.join(s.name for s in platform.services)}",
        )
    chosen = {platform.service(image.service).name: image for image in images}
    services = [platform.service(name) for name in chosen]
    described = _describe(ecs, names.cluster, [names.ecs_service(s) for s in services], env)
    return [
        _plan(ecs, s, names.ecs_service(s), described[names.ecs_service(s)], chosen[s.name])
        for s in services
    ]


def start_rollouts(ecs: Ecs, cluster: str, plans: Sequence[RolloutPlan]) -> list[ServiceRollout]:
    """Register each plan's revision and update its service, in order."""
    return [_roll(ecs, cluster, plan) for plan in plans]


def start_deploy(
    platform: Platform,
    env: str,
    images: Sequence[ReleaseImage],
    *,
    ecs: Ecs,
    label: str,
) -> DeployResult:
    """Check, then start a rollout of each image (`label` says where they came from).

    Nothing is changed until every service has been found.
    """
    plans = plan_rollouts(platform, env, images, ecs=ecs)
    cluster = platform.names(env).cluster
    result = DeployResult(env=env, cluster=cluster, image_tag=label, rollouts=[])
    for plan in plans:
        try:
            result.rollouts.append(_roll(ecs, cluster, plan))
        except EventctlError as exc:
            if not result.rollouts:
                raise
            started = ", ".join(r.service for r in result.rollouts)
            raise EventctlError(
                f"{exc.message} (the deployment of {started} had already started)",
                hint=f"watch them with `eventctl status --env {env}`; then deploy the others again",
            ) from None
    return result


def with_image(definition: dict[str, Any], service: Service, image: str) -> dict[str, Any]:
    """A registrable copy of `definition` whose service container runs `image`."""
    fresh = {k: copy.deepcopy(v) for k, v in definition.items() if k not in READ_ONLY_FIELDS}
    service_container(fresh, service)["image"] = image
    return fresh


def service_container(definition: dict[str, Any], service: Service) -> dict[str, Any]:
    """The container named after the service ('auth-service' or 'auth'), else the only one."""
    containers: list[dict[str, Any]] = definition.get("containerDefinitions", [])
    named = [c for c in containers if c.get("name") in (service.full_name, service.name)]
    if named:
        return named[0]
    if len(containers) == 1:
        return containers[0]
    family = definition.get("family", "?")
    raise EventctlError(
        f"task definition {family} has no container named {service.full_name}",
        hint="the Terraform names the container after the service; "
        f"containers found: {', '.join(str(c.get('name')) for c in containers) or 'none'}",
    )


def _describe(ecs: Ecs, cluster: str, ecs_names: list[str], env: str) -> dict[str, dict[str, Any]]:
    try:
        found, missing = ecs.describe_services(cluster, ecs_names)
    except ClusterNotFound:
        raise EventctlError(
            f"ECS cluster {cluster} does not exist: the {env} environment is not deployed",
            hint=f"create it with `eventctl env up {env}` (or check --region / --endpoint-url)",
        ) from None
    if missing:
        raise EventctlError(
            f"ECS service {', '.join(missing)} does not exist in cluster {cluster}",
            hint=f"create the services with `eventctl env up {env}`",
        )
    return found


def _plan(
    ecs: Ecs, service: Service, ecs_name: str, described: dict[str, Any], image: ReleaseImage
) -> RolloutPlan:
    current_arn = str(described.get("taskDefinition", ""))
    definition, tags = ecs.task_definition_with_tags(current_arn)
    current_image = service_container(definition, service).get("image")
    return RolloutPlan(
        service=service,
        ecs_service=ecs_name,
        image=image.reference,
        digest=image.digest,
        git_sha=image.git_sha,
        current_arn=current_arn,
        current_image=current_image,
        definition=with_image(definition, service, image.reference),
        tags=tags,
        event_ids={str(e.get("id", "")) for e in described.get("events", [])},
        primary_id=primary_deployment_id(described),
    )


def primary_deployment_id(described: dict[str, Any]) -> str | None:
    """The id of a DescribeServices entry's PRIMARY deployment."""
    return next(
        (d.get("id") for d in described.get("deployments", []) if d.get("status") == "PRIMARY"),
        None,
    )


def plan_return(
    platform: Platform, env: str, service: str, task_definition: str, *, ecs: Ecs
) -> RolloutPlan:
    """A plan that points `service` at `task_definition`, an earlier registered revision."""
    names = platform.names(aws_environment(platform, env))
    chosen = platform.service(service)
    ecs_name = names.ecs_service(chosen)
    described = _describe(ecs, names.cluster, [ecs_name], env)[ecs_name]
    current_arn = str(described.get("taskDefinition", ""))
    current, _ = ecs.task_definition_with_tags(current_arn)
    target = ecs.task_definition(task_definition)
    image = str(service_container(target, chosen).get("image", ""))
    return RolloutPlan(
        service=chosen,
        ecs_service=ecs_name,
        image=image,
        digest=image.split("@", 1)[1] if "@" in image else "",
        git_sha=None,
        current_arn=current_arn,
        current_image=service_container(current, chosen).get("image"),
        definition={},
        tags=[],
        event_ids={str(e.get("id", "")) for e in described.get("events", [])},
        primary_id=primary_deployment_id(described),
        existing_task_definition=task_definition,
    )


def _roll(ecs: Ecs, cluster: str, plan: RolloutPlan) -> ServiceRollout:
    if plan.existing_task_definition:
        new_arn = plan.existing_task_definition
    else:
        registered = ecs.register_task_definition(plan.definition, plan.tags)
        new_arn = str(registered["taskDefinitionArn"])
    ecs.update_service(cluster, plan.ecs_service, new_arn)
    return ServiceRollout(
        service=plan.service.name,
        ecs_service=plan.ecs_service,
        image=plan.image,
        image_digest=plan.digest,
        previous_task_definition=plan.current_arn,
        previous_image=plan.current_image,
        task_definition=new_arn,
        replaced_deployment=plan.primary_id,
        seen_event_ids=set(plan.event_ids),
    )
