"""An environment as `eventctl status` reads it: ECS services and target groups in moto, and
an ECS client stubbed with what moto cannot hold (tasks that run, finished rollouts)."""

from __future__ import annotations

from typing import Any

from platform_model import Platform
from tests.fakes.ecs import service_description, task_definition_arn, task_definition_response

ENV = "dev"


def create_target_groups(moto_server: Any, platform: Platform, targets: int = 1) -> dict[str, str]:
    """One target group per service with `targets` registered IPs: {service: arn}."""
    ec2, elbv2 = moto_server.client("ec2"), moto_server.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    arns = {}
    for service in platform.services:
        arn = elbv2.create_target_group(
            Name=f"ep-{ENV}-{service.name}",
            Protocol="HTTP",
            Port=service.port,
            VpcId=vpc,
            TargetType="ip",
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(
            TargetGroupArn=arn,
            Targets=[{"Id": f"10.0.11.{10 + i}", "Port": service.port} for i in range(targets)],
        )
        arns[service.name] = arn
    return arns


def deploy_to_moto(moto_server: Any, platform: Platform, skip: tuple[str, ...] = ()) -> None:
    """The ECS side of the environment as moto can hold it (tasks never start there)."""
    names = platform.names(ENV)
    ecs = moto_server.client("ecs")
    ecs.create_cluster(clusterName=names.cluster)
    groups = create_target_groups(moto_server, platform)
    for service in platform.services:
        if service.name in skip:
            continue
        family = names.ecs_service(service)
        image = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{names.ecr_repository(service)}:v7"
        arn = ecs.register_task_definition(
            family=family,
            containerDefinitions=[{"name": service.name, "image": image, "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=names.cluster,
            serviceName=names.ecs_service(service),
            taskDefinition=arn,
            desiredCount=1,
            loadBalancers=[
                {
                    "targetGroupArn": groups[service.name],
                    "containerName": service.name,
                    "containerPort": service.port,
                }
            ],
        )


def stubbed_ecs(platform: Platform, **overrides: dict[str, Any]) -> tuple[Any, Any]:
    """An ECS client answering DescribeServices for all five services (running, rolled out;
    `overrides[service]` changes one) and DescribeTaskDefinition for each."""
    import boto3
    from botocore.stub import Stubber

    names = platform.names(ENV)
    client = boto3.client(
        "ecs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    services, definitions = [], []
    for service in platform.services:
        arn = task_definition_arn(names.ecs_service(service), 12)
        settings: dict[str, Any] = {"task_definition": arn, **overrides.get(service.name, {})}
        services.append(service_description(names.ecs_service(service), names.cluster, **settings))
        definitions.append((arn, f"repo/{service.image_name}:release-12"))
    stubber.add_response("describe_services", {"services": services, "failures": []})
    for arn, image in definitions:
        stubber.add_response(
            "describe_task_definition",
            task_definition_response(arn, image),
            {"taskDefinition": arn},
        )
    return client, stubber
