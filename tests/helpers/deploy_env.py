"""An environment in moto shaped like the Terraform's: cluster, ECR repositories holding
images, target groups, services on a task definition that runs the `bootstrap` image."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from platform_model import Platform

ENV = "dev"
ACCOUNT = "123456789012"


def push_image(moto_server: Any, repository: str, tag: str) -> str:
    """Put an image manifest tagged `tag` into `repository`; its digest."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": len(tag),
            "digest": "sha256:" + (tag.encode().hex() * 64)[:64],
        },
        # moto derives the image digest from the layers' digests: one per tag
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": len(tag),
                "digest": "sha256:" + hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest(),
            }
        ],
    }
    response = moto_server.client("ecr").put_image(
        repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag
    )
    return str(response["image"]["imageId"]["imageDigest"])


def create_environment(
    moto_server: Any,
    platform: Platform,
    *,
    services: tuple[str, ...] = ("auth", "booking"),
    tags: tuple[str, ...] = ("bootstrap", "v2"),
    sidecar: bool = False,
) -> dict[str, str]:
    """Cluster, ECR repositories holding `tags`, and services on a task definition that runs
    the `bootstrap` image, as `env up` leaves them: {service: task definition ARN}."""
    names = platform.names(ENV)
    ecs, ecr, elbv2, ec2 = (moto_server.client(s) for s in ("ecs", "ecr", "elbv2", "ec2"))
    ecs.create_cluster(clusterName=names.cluster)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.11.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    arns = {}
    for name in services:
        service = platform.service(name)
        repository = names.ecr_repository(service)
        uri = ecr.create_repository(repositoryName=repository)["repository"]["repositoryUri"]
        for tag in tags:
            push_image(moto_server, repository, tag)
        target_group = elbv2.create_target_group(
            Name=names.target_group(service),
            Protocol="HTTP",
            Port=service.port,
            VpcId=vpc,
            TargetType="ip",
        )["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(
            TargetGroupArn=target_group, Targets=[{"Id": "10.0.11.10", "Port": service.port}]
        )
        containers = [terraform_container(service.full_name, f"{uri}:bootstrap", service.port)]
        if sidecar:
            containers.append({"name": "log-router", "image": "fluent-bit:2.2", "essential": True})
        arn = ecs.register_task_definition(
            family=names.ecs_service(service),
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu=str(service.cpu),
            memory=str(service.memory),
            executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/{names.execution_role}",
            taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/{names.task_role(service)}",
            runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
            volumes=[{"name": "tmp"}],
            containerDefinitions=containers,
            tags=[{"key": "Environment", "value": ENV}, {"key": "Service", "value": name}],
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(
            cluster=names.cluster,
            serviceName=names.ecs_service(service),
            taskDefinition=arn,
            desiredCount=2,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}
            },
            loadBalancers=[
                {
                    "targetGroupArn": target_group,
                    "containerName": service.full_name,
                    "containerPort": service.port,
                }
            ],
        )
        arns[name] = arn
    return arns


def terraform_container(name: str, image: str, port: int) -> dict[str, Any]:
    """The container definition templates/terraform/modules/ecs declares."""
    return {
        "name": name,
        "image": image,
        "essential": True,
        "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": port, "protocol": "tcp", "name": "http"}],
        "environment": [{"name": "APP_ENV", "value": ENV}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": f"arn:aws:secretsmanager:x:{name}"}],
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/ecs/event-planner/dev/{name}",
                "awslogs-region": "eu-west-1",
                "awslogs-stream-prefix": "ecs",
            },
        },
    }


def registered_revisions(moto_server: Any) -> list[str]:
    return list(moto_server.client("ecs").list_task_definitions()["taskDefinitionArns"])


def create_state_backend(moto_server: Any, platform: Platform) -> str:
    """The state bucket and the lock table `env bootstrap` makes; the bucket's name."""
    names = platform.names(ENV)
    bucket = names.state_bucket(ACCOUNT)
    moto_server.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    moto_server.client("dynamodb").create_table(
        TableName=names.lock_table,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return bucket
