"""The rendered Terraform checked by the real tools: terraform validate and plan (AWS provider
from the local mirror, AWS APIs from a moto server) and checkov.

The AWS provider cannot be downloaded here; /opt/tf-plugins holds hashicorp/aws 5.100.0. The
templates pin "~> 6.0", so these tests render, rewrite only that constraint in a scratch copy,
and run the provider against it. docs/decisions.md lists what differs between 5.100 and 6.x for
the arguments the templates use.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from eventctl.core.render import TFVARS_FILE, render_environment
from platform_model import Platform, build_platform
from tests.helpers.terraform import (
    CHECKOV,
    PROVIDER_MIRROR,
    mirror_copy,
    plan_json,
    run_terraform,
)

AWS_ENVS = ("dev", "prod")


@pytest.fixture(scope="module")
def platform() -> Platform:
    return build_platform(
        alert_email="ops@example.org", github_repository="example-org/event-planner"
    )


@pytest.fixture(scope="module")
def rendered(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("rendered")
    return {env: render_environment(platform, env, base / env).root for env in AWS_ENVS}


@pytest.fixture
def mirror() -> Path:
    if not (PROVIDER_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider mirror at {PROVIDER_MIRROR}")
    return PROVIDER_MIRROR


@pytest.mark.parametrize("env", AWS_ENVS)
def test_terraform_validate_accepts_every_argument(
    rendered: dict[str, Path], env: str, terraform_bin: str, mirror: Path, tmp_path: Path
) -> None:
    work = tmp_path / env
    config = mirror_copy(rendered[env], work)
    environ = {"TF_CLI_CONFIG_FILE": str(config)}
    init = run_terraform(terraform_bin, ["init", "-backend=false", "-input=false"], work, environ)
    assert init.returncode == 0, init.stdout + init.stderr
    done = run_terraform(terraform_bin, ["validate", "-json", "-no-color"], work, environ)
    result = json.loads(done.stdout)
    assert result["valid"], json.dumps(result["diagnostics"], indent=2)
    # deprecated arguments come back as warnings: there must be none
    assert result["warning_count"] == 0, json.dumps(result["diagnostics"], indent=2)


def _plan(rendered: Path, terraform_bin: str, work: Path, moto_environ: dict[str, str]) -> Any:
    config = mirror_copy(rendered, work)
    return plan_json(terraform_bin, work, {**moto_environ, "TF_CLI_CONFIG_FILE": str(config)})


def _counts(plan: dict[str, Any]) -> Counter[str]:
    return Counter(change["type"] for change in plan["resource_changes"])


def _after(plan: dict[str, Any], address: str) -> dict[str, Any]:
    for change in plan["resource_changes"]:
        if change["address"] == address:
            return dict(change["change"]["after"])
    raise AssertionError(f"{address} is not in the plan")


@pytest.mark.parametrize("env", AWS_ENVS)
def test_plan_creates_the_whole_inventory(
    platform: Platform,
    rendered: dict[str, Path],
    env: str,
    terraform_bin: str,
    mirror: Path,
    moto_server: Any,
    tmp_path: Path,
) -> None:
    """A real plan (tfvars loaded, every expression evaluated) creates every box, sized by
    the environment's profile."""
    plan = _plan(rendered[env], terraform_bin, tmp_path / env, moto_server.environ)
    assert {c["change"]["actions"][0] for c in plan["resource_changes"]} <= {"create", "read"}
    counts = _counts(plan)
    profile = platform.environment(env)
    assert profile.network and profile.rds and profile.docdb and profile.redis
    services, queues, topics = platform.services, platform.queues, platform.topics
    zones = profile.network.availability_zones
    scaled = len(services) if profile.autoscaling else 0
    subscriptions = sum(len(t.subscribed_queues) for t in topics)
    tfvars = json.loads((rendered[env] / TFVARS_FILE).read_text())
    expected = {
        "aws_vpc": 1,
        "aws_subnet": 3 * zones,
        "aws_internet_gateway": 1,
        "aws_nat_gateway": profile.network.nat_gateways,
        "aws_eip": profile.network.nat_gateways,
        "aws_vpc_endpoint": len(profile.network.interface_endpoints)
        + len(profile.network.gateway_endpoints),
        "aws_flow_log": 1,
        "aws_lb": 1,
        "aws_lb_listener": 2,
        "aws_lb_target_group": len(services),
        "aws_lb_listener_rule": len(services),
        "aws_ecs_cluster": 1,
        "aws_ecs_service": len(services),
        "aws_ecs_task_definition": len(services),
        "aws_service_discovery_service": len(services),
        "aws_service_discovery_private_dns_namespace": 1,
        # task roles, execution role, flow logs role; the CI roles: plan, apply, deploy
        "aws_iam_role": len(services) + 2 + 3,
        "aws_iam_openid_connect_provider": 1 if env == "dev" else 0,  # one per account
        "aws_appautoscaling_target": scaled,
        "aws_appautoscaling_policy": 2 * scaled,
        "aws_ecr_repository": len(services),
        "aws_ecr_lifecycle_policy": len(services),
        "aws_db_instance": len(platform.databases),
        "aws_docdb_cluster": 1,
        "aws_docdb_cluster_instance": profile.docdb.instances,
        "aws_elasticache_replication_group": 1,
        "aws_sqs_queue": 2 * len(queues),
        "aws_sns_topic": len(topics) + 1,  # + alerts
        "aws_sns_topic_subscription": subscriptions + 1,  # + the alert e-mail
        "aws_sqs_queue_policy": len({q for t in topics for q in t.subscribed_queues}),
        # JWT signing key, Redis AUTH token, internal-API credentials per calling/called service
        "aws_secretsmanager_secret": 2 + len(tfvars["secrets"]["service_credentials"]),
        "aws_secretsmanager_secret_version": 1 + len(tfvars["secrets"]["service_credentials"]),
        "aws_kms_key": 1,
        "aws_cloudwatch_metric_alarm": len(tfvars["observability"]["alarms"]),
        "aws_cloudwatch_dashboard": 1,
        "aws_s3_bucket": 1,
        "aws_s3_bucket_versioning": 1 if profile.assets_versioning else 0,
        "aws_s3_bucket_public_access_block": 1,
        "aws_cloudfront_distribution": 1,
        "aws_cloudfront_origin_access_control": 1,
        "aws_cloudfront_function": 1,
        "aws_cloudfront_response_headers_policy": 1,
        "aws_cloudfront_cache_policy": 1,
        "aws_route53_zone": 1,
        "aws_acm_certificate": 2,
        "aws_acm_certificate_validation": 2,
        "aws_sesv2_email_identity": 1,
        # api + www A/AAAA + 3 DKIM + 2 certificate validations
        "aws_route53_record": 1 + 2 + 3 + 2,
    }
    actual = {kind: counts.get(kind, 0) for kind in expected}
    assert actual == expected

    names = platform.names(env)
    cluster = _after(plan, "module.ecs.aws_ecs_cluster.this")
    assert cluster["name"] == names.cluster
    assert cluster["setting"] == [{"name": "containerInsights", "value": "enabled"}]
    for service in services:
        ecs = _after(plan, f'module.ecs.aws_ecs_service.this["{service.name}"]')
        assert ecs["name"] == names.ecs_service(service)
        assert ecs["launch_type"] == "FARGATE"
        assert ecs["desired_count"] == profile.desired_count
        assert ecs["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
        assert ecs["network_configuration"][0]["assign_public_ip"] is False
        group = _after(plan, f'module.ecs.aws_cloudwatch_log_group.service["{service.name}"]')
        assert group["name"] == names.log_group(service)
        assert group["retention_in_days"] == profile.log_retention_days
        tg = _after(plan, f'module.alb.aws_lb_target_group.this["{service.name}"]')
        assert (tg["name"], tg["port"], tg["target_type"]) == (
            names.target_group(service),
            service.port,
            "ip",
        )
        assert tg["health_check"][0]["path"] == service.health_path
        repo = _after(plan, f'module.ecr.aws_ecr_repository.this["{service.name}"]')
        assert repo["name"] == names.ecr_repository(service)
        assert repo["image_scanning_configuration"] == [{"scan_on_push": True}]
    for queue in queues:
        sqs = _after(plan, f'module.messaging.aws_sqs_queue.this["{queue.name}"]')
        assert sqs["name"] == names.queue(queue.name)
        dlq = _after(plan, f'module.messaging.aws_sqs_queue.dead_letter["{queue.name}"]')
        assert dlq["name"] == names.dead_letter_queue(queue.name)
    for topic in topics:
        sns = _after(plan, f'module.messaging.aws_sns_topic.this["{topic.name}"]')
        assert sns["name"] == names.topic(topic.name)
    for database in platform.databases:
        rds = _after(plan, f'module.data.aws_db_instance.this["{database.name}"]')
        assert rds["identifier"] == names.rds_instance(database)
        assert rds["instance_class"] == profile.rds.instance_class
        assert rds["multi_az"] is profile.rds.multi_az
        assert rds["storage_encrypted"] is True
        assert rds["publicly_accessible"] is False
        assert rds["manage_master_user_password"] is True
        assert rds["backup_retention_period"] == profile.rds.backup_retention_days
        assert rds["deletion_protection"] is profile.rds.deletion_protection
        assert rds["skip_final_snapshot"] is (not profile.rds.final_snapshot)
    redis = _after(plan, "module.data.aws_elasticache_replication_group.this")
    assert redis["num_cache_clusters"] == profile.redis.nodes
    assert redis["automatic_failover_enabled"] is profile.redis.automatic_failover
    assert redis["transit_encryption_enabled"] is True
    assert str(redis["at_rest_encryption_enabled"]).lower() == "true"
    docdb = _after(plan, "module.data.aws_docdb_cluster.this")
    assert docdb["backup_retention_period"] == profile.docdb.backup_retention_days
    assert _after(plan, "module.frontend.aws_s3_bucket.assets")["bucket"] == names.assets_bucket
    alb = _after(plan, "module.alb.aws_lb.this")
    assert (alb["name"], alb["internal"]) == (names.load_balancer, False)
    zone = _after(plan, "module.dns.aws_route53_zone.this")
    assert zone["name"] == names.zone
    dashboard = _after(plan, "module.observability.aws_cloudwatch_dashboard.this")
    assert dashboard["dashboard_name"] == names.dashboard
    alerts = _after(plan, "module.observability.aws_sns_topic.alerts")
    assert alerts["name"] == names.alerts_topic
    outputs = plan["planned_values"]["outputs"]
    assert outputs["cluster_name"]["value"] == names.cluster
    assert outputs["web_url"]["value"] == f"https://{names.web_host}"
    assert set(outputs) >= {
        "service_names",
        "alb_dns_name",
        "cloudfront_distribution_id",
        "cloudfront_domain_name",
        "assets_bucket",
        "ecr_repository_urls",
        "log_group_names",
        "alerts_topic_arn",
    }


def test_task_roles_grant_only_the_model_s_resources(
    platform: Platform,
    rendered: dict[str, Path],
    terraform_bin: str,
    mirror: Path,
    moto_server: Any,
    tmp_path: Path,
) -> None:
    """Apply the task roles (and what they reference) to the moto server and read them back:
    each grant names this platform's queues, topics, bucket prefix and SES identity."""
    work = tmp_path / "prod"
    config = mirror_copy(rendered["prod"], work)
    environ = {**moto_server.environ, "TF_CLI_CONFIG_FILE": str(config)}
    assert run_terraform(terraform_bin, ["init", "-input=false"], work, environ).returncode == 0
    applied = run_terraform(
        terraform_bin,
        [
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-target=module.ecs.aws_iam_role_policy.task",
        ],
        work,
        environ,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    iam = moto_server.client("iam")
    names = platform.names("prod")
    account = "123456789012"
    for service in platform.services:
        role = names.task_role(service)
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        document = iam.get_role_policy(RoleName=role, PolicyName="service-permissions")[
            "PolicyDocument"
        ]
        grants: dict[str, set[str]] = {}
        for statement in document["Statement"]:
            resources = statement["Resource"]
            resources = [resources] if isinstance(resources, str) else resources
            assert "*" not in resources, (role, statement)
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            for action in actions:
                grants.setdefault(action, set()).update(resources)

        def arns(kind: str, items: tuple[str, ...]) -> set[str]:
            region = platform.region
            return {f"arn:aws:{kind}:{region}:{account}:{names.prefix}-{item}" for item in items}

        assert grants.get("sqs:SendMessage", set()) == arns("sqs", service.publishes_queues)
        assert grants.get("sqs:ReceiveMessage", set()) == arns("sqs", service.consumes)
        assert grants.get("sns:Publish", set()) == arns("sns", service.publishes_topics)
        bucket = f"arn:aws:s3:::{names.assets_bucket}"
        if "s3" in service.permissions:
            assert grants["s3:PutObject"] == {f"{bucket}/{names.uploads_prefix(service)}*"}
            assert grants["s3:ListBucket"] == {bucket}
        else:
            assert not any(action.startswith("s3:") for action in grants)
        if "ses" in service.permissions:
            assert grants["ses:SendEmail"] == {
                f"arn:aws:ses:{platform.region}:{account}:identity/{names.zone}"
            }
        else:
            assert not any(action.startswith("ses:") for action in grants)
        kms = grants.get("kms:Decrypt", set())
        assert len(kms) <= 1 and all(":key/" in arn for arn in kms)


@pytest.mark.parametrize("env", AWS_ENVS)
def test_checkov_finds_nothing_unexplained(rendered: dict[str, Path], env: str) -> None:
    if not CHECKOV.is_file():
        pytest.skip(f"checkov is not installed at {CHECKOV} (.ci/system-deps.sh installs it)")
    done = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(rendered[env]),
            "--framework",
            "terraform",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 300
    for skipped in report["results"]["skipped_checks"]:
        reason = (skipped["check_result"].get("suppress_comment") or "").strip()
        assert len(reason) > 20, f"{skipped['check_id']} on {skipped['resource']} has no reason"


def test_prod_from_nothing_ci_roles_and_a_summary_that_fits_a_comment(
    platform: Platform,
    rendered: dict[str, Path],
    terraform_bin: str,
    mirror: Path,
    moto_server: Any,
    tmp_path: Path,
) -> None:
    """The largest plan there is (prod, nothing applied yet), really planned: its markdown
    summary fits GitHub's comment limit, and the CI roles trust exactly one subject each."""
    from eventctl.core.plan_summary import GITHUB_COMMENT_LIMIT, summarize_plan, to_markdown

    plan = _plan(rendered["prod"], terraform_bin, tmp_path / "prod", moto_server.environ)
    summary = summarize_plan(plan)
    assert summary.counts["create"] > 250
    text = to_markdown(summary, "prod", full_plan="the artifact plan-prod")
    assert len(text) <= GITHUB_COMMENT_LIMIT
    # Each of the two summaries of one pull-request comment fits half of it.
    half = to_markdown(summary, "prod", limit=GITHUB_COMMENT_LIMIT // 2 - 200)
    assert len(half) <= GITHUB_COMMENT_LIMIT // 2 - 200
    assert f"{summary.counts['create']} to create" in half.splitlines()[0]

    repository = platform.github_repository
    expected = {
        "event-planner-prod-github-plan": f"repo:{repository}:pull_request",
        "event-planner-prod-github-apply": f"repo:{repository}:environment:prod",
        "event-planner-prod-github-deploy": f"repo:{repository}:environment:prod",
    }
    roles = {
        change["change"]["after"]["name"]: json.loads(
            change["change"]["after"]["assume_role_policy"]
        )
        for change in plan["resource_changes"]
        if change["address"].startswith("module.cicd.aws_iam_role.this")
    }
    assert set(roles) == set(expected)
    for name, trust in roles.items():
        (statement,) = trust["Statement"]
        provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
        assert statement["Principal"] == {"Federated": provider}
        assert statement["Condition"] == {
            "StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": expected[name],
            }
        }
    # No statement of any inline policy the plan knows allows '*' on '*'.
    for change in plan["resource_changes"]:
        if change["type"] != "aws_iam_role_policy" or not change["change"]["after"].get("policy"):
            continue
        for statement in json.loads(change["change"]["after"]["policy"])["Statement"]:
            actions = statement.get("Action", [])
            resources = statement.get("Resource", [])
            actions = [actions] if isinstance(actions, str) else actions
            resources = [resources] if isinstance(resources, str) else resources
            assert not ("*" in actions and "*" in resources), (change["address"], statement)
