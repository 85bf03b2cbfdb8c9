"""`render_environment`: the Terraform of dev and prod, rendered offline from the model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from eventctl.core.render import MANIFEST_FILE, TFVARS_FILE, render_environment
from eventctl.core.tfvars import NAME_LIMITS, named_resources, terraform_variables
from eventctl.errors import EventctlError
from platform_model import Platform, build_platform
from tests.helpers.terraform import blocks, parse_tree, resources_by_module

AWS_ENVS = ("dev", "prod")
MODULES = (
    "network",
    "security",
    "ecr",
    "alb",
    "ecs",
    "data",
    "messaging",
    "observability",
    "frontend",
    "dns",
    "service_config",
    "cicd",
)
# Modules of pure expressions: no provider, no resources.
PURE_MODULES = ("service_config",)

# Every box of the architecture, as the resource types that must exist in each environment.
INVENTORY: dict[str, set[str]] = {
    "network": {
        "aws_vpc",
        "aws_subnet",
        "aws_internet_gateway",
        "aws_eip",
        "aws_nat_gateway",
        "aws_route_table",
        "aws_route",
        "aws_route_table_association",
        "aws_vpc_endpoint",
        "aws_flow_log",
        "aws_cloudwatch_log_group",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_security_group",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_default_security_group",
    },
    "security": {"aws_kms_key", "aws_kms_alias", "aws_secretsmanager_secret"},
    "cicd": {
        "aws_iam_openid_connect_provider",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
    },
    "ecr": {"aws_ecr_repository", "aws_ecr_lifecycle_policy"},
    "alb": {"aws_lb", "aws_lb_listener", "aws_lb_listener_rule", "aws_lb_target_group"},
    "ecs": {
        "aws_ecs_cluster",
        "aws_ecs_service",
        "aws_ecs_task_definition",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_cloudwatch_log_group",
        "aws_service_discovery_private_dns_namespace",
        "aws_service_discovery_service",
        "aws_appautoscaling_target",
        "aws_appautoscaling_policy",
    },
    "data": {
        "aws_db_instance",
        "aws_db_subnet_group",
        "aws_db_parameter_group",
        "aws_docdb_cluster",
        "aws_docdb_cluster_instance",
        "aws_elasticache_replication_group",
    },
    "messaging": {
        "aws_sqs_queue",
        "aws_sqs_queue_policy",
        "aws_sqs_queue_redrive_allow_policy",
        "aws_sns_topic",
        "aws_sns_topic_subscription",
    },
    "observability": {
        "aws_sns_topic",
        "aws_sns_topic_subscription",
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_dashboard",
    },
    "frontend": {
        "aws_s3_bucket",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_policy",
        "aws_cloudfront_distribution",
        "aws_cloudfront_origin_access_control",
        "aws_cloudfront_function",
        "aws_cloudfront_response_headers_policy",
        "aws_cloudfront_cache_policy",
    },
    "dns": {
        "aws_route53_zone",
        "aws_route53_record",
        "aws_acm_certificate",
        "aws_acm_certificate_validation",
        "aws_sesv2_email_identity",
    },
}


@pytest.fixture(scope="module")
def platform() -> Platform:
    return build_platform()


@pytest.fixture(scope="module")
def rendered(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """dev and prod rendered once for the module, without terraform fmt."""
    base = tmp_path_factory.mktemp("rendered")
    return {env: render_environment(platform, env, base / env).root for env in AWS_ENVS}


def _tfvars(root: Path) -> dict[str, Any]:
    return dict(json.loads((root / TFVARS_FILE).read_text()))


def _resource(tree: dict[str, Any], module: str, type_: str, name: str) -> dict[str, Any]:
    path = f"modules/{module}/main.tf" if module else "main.tf"
    for t, n, body in blocks(tree[path], "resource"):
        if (t, n) == (type_, name):
            return body
    raise AssertionError(f"{type_}.{name} not in {path}")


# -- layout and syntax ----------------------------------------------------------------------


@pytest.mark.parametrize("env", AWS_ENVS)
def test_every_module_has_the_five_file_layout(rendered: dict[str, Path], env: str) -> None:
    root = rendered[env]
    for name in ("versions.tf", "providers.tf", "variables.tf", "main.tf", "outputs.tf"):
        assert (root / name).is_file(), name
    for module in MODULES:
        present = {p.name for p in (root / "modules" / module).iterdir()}
        assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"} <= present


@pytest.mark.parametrize("env", AWS_ENVS)
def test_every_file_parses_and_every_variable_has_description_and_type(
    rendered: dict[str, Path], env: str
) -> None:
    tree = parse_tree(rendered[env])
    assert len(tree) == 5 + 4 * len(MODULES)
    variables = 0
    for relative, parsed in tree.items():
        for entry in parsed.get("variable", []):
            for name, body in entry.items():
                variables += 1
                assert body.get("description"), f"{relative}: variable {name} lacks a description"
                assert body.get("type"), f"{relative}: variable {name} lacks a type"
    assert variables > 50


@pytest.mark.parametrize("env", AWS_ENVS)
def test_provider_backend_and_versions(rendered: dict[str, Path], env: str) -> None:
    tree = parse_tree(rendered[env])
    terraform = tree["versions.tf"]["terraform"][0]
    assert terraform["required_version"] == ">= 1.11"
    assert terraform["required_providers"][0]["aws"]["source"] == "hashicorp/aws"
    assert terraform["required_providers"][0]["aws"]["version"] == "~> 6.0"
    # an empty backend block, filled at init
    assert terraform["backend"] == [{"s3": {}}]
    providers = tree["providers.tf"]["provider"]
    regions = sorted(str(p["aws"].get("region")) for p in providers)
    assert regions == ["${var.region}", "us-east-1"]
    aliased = [p["aws"] for p in providers if "alias" in p["aws"]]
    assert [p["alias"] for p in aliased] == ["us_east_1"]
    locals_ = tree["providers.tf"]["locals"][0]["default_tags"]
    assert set(locals_) == {"Project", "Environment", "ManagedBy"}
    for module in MODULES:
        module_tf = tree[f"modules/{module}/versions.tf"]["terraform"][0]
        assert module_tf["required_version"] == ">= 1.11"
        if module in PURE_MODULES:
            assert "required_providers" not in module_tf, module
            assert not list(blocks(tree[f"modules/{module}/main.tf"], "resource")), module
            continue
        assert module_tf["required_providers"][0]["aws"]["version"] == "~> 6.0"


def test_output_is_terraform_fmt_clean(rendered: dict[str, Path], terraform_bin: str) -> None:
    for env in AWS_ENVS:
        done = subprocess.run(
            [terraform_bin, "fmt", "-check", "-recursive", "-no-color", str(rendered[env])],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"not fmt-clean in {env}: {done.stdout}{done.stderr}"


def test_terraform_fmt_runs_when_a_binary_is_given(
    platform: Platform, tmp_path: Path, terraform_bin: str
) -> None:
    result = render_environment(platform, "dev", tmp_path / "out", terraform_bin=terraform_bin)
    assert result.formatted
    unformatted = render_environment(platform, "dev", tmp_path / "plain")
    assert not unformatted.formatted
    for path in unformatted.files:
        relative = path.relative_to(unformatted.root)
        assert path.read_bytes() == (result.root / relative).read_bytes(), relative


# -- inventory: every box of the seed in both environments -------------------------------------


@pytest.mark.parametrize("env", AWS_ENVS)
def test_every_seed_component_is_declared(rendered: dict[str, Path], env: str) -> None:
    found = resources_by_module(parse_tree(rendered[env]))
    for module, types in INVENTORY.items():
        missing = types - found.get(module, set())
        assert not missing, f"{env}: module {module} lacks {sorted(missing)}"
    root = parse_tree(rendered[env])["main.tf"]
    called = {name for entry in root["module"] for name in entry}
    assert called == set(MODULES)


@pytest.mark.parametrize("env", AWS_ENVS)
def test_every_model_name_reaches_the_variables(
    platform: Platform, rendered: dict[str, Path], env: str
) -> None:
    text = (rendered[env] / TFVARS_FILE).read_text()
    names = platform.names(env)
    for service in platform.services:
        for expected in (
            names.ecs_service(service),
            names.log_group(service),
            names.ecr_repository(service),
            names.target_group(service),
            names.cloud_map_host(service),
        ):
            assert f'"{expected}"' in text, expected
    for queue in platform.queues:
        assert f'"{names.queue(queue.name)}"' in text
        assert f'"{names.dead_letter_queue(queue.name)}"' in text
    for topic in platform.topics:
        assert f'"{names.topic(topic.name)}"' in text
    for expected in (
        names.cluster,
        names.assets_bucket,
        names.alerts_topic,
        names.dashboard,
        names.zone,
        names.web_host,
        names.api_host,
        names.load_balancer,
        platform.cloud_map_namespace,
    ):
        assert f'"{expected}"' in text, expected


def test_seed_names_in_dev(rendered: dict[str, Path]) -> None:
    tfvars = _tfvars(rendered["dev"])
    assert tfvars["cluster_name"] == "event-planner-dev-cluster"
    assert tfvars["frontend"]["bucket"] == "event-planner-dev-assets"
    assert tfvars["frontend"]["prefix"] == "event-planner/browser"
    assert tfvars["services"]["auth"]["log_group"] == "/ecs/event-planner/dev/auth-service"
    assert tfvars["ecr_repositories"]["notification"] == "event-planner-dev-notif-svc"
    assert tfvars["queues"]["user-login"]["dead_letter_name"] == "event-planner-dev-user-login-dlq"
    assert tfvars["observability"]["alerts_topic"] == "event-planner-dev-alerts"
    assert tfvars["observability"]["dashboard"] == "event-planner-dev-dashboard"
    assert tfvars["services"]["event"]["path_patterns"] == ["/api/events", "/api/events/*"]
    assert tfvars["services"]["notification"]["path_patterns"][1] == "/api/notifications/*"
    assert tfvars["network"]["public_subnets"] == ["10.0.1.0/24", "10.0.2.0/24"]
    assert tfvars["network"]["app_subnets"] == ["10.0.11.0/24", "10.0.12.0/24"]
    assert tfvars["network"]["data_subnets"] == ["10.0.21.0/24", "10.0.22.0/24"]
    assert tfvars["network"]["flow_log_retention_days"] == 30
    assert sorted(tfvars["network"]["interface_endpoints"]) == sorted(
        ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"]
    )
    assert tfvars["network"]["gateway_endpoints"] == ["s3"]


def test_dev_and_prod_differ_as_the_profiles_say(rendered: dict[str, Path]) -> None:
    dev, prod = _tfvars(rendered["dev"]), _tfvars(rendered["prod"])
    assert (dev["network"]["nat_gateways"], prod["network"]["nat_gateways"]) == (1, 2)
    assert (dev["rds"]["multi_az"], prod["rds"]["multi_az"]) == (False, True)
    assert (dev["rds"]["backup_retention_days"], prod["rds"]["backup_retention_days"]) == (1, 7)
    assert dev["rds"]["max_allocated_storage_gb"] is None
    assert (prod["rds"]["allocated_storage_gb"], prod["rds"]["max_allocated_storage_gb"]) == (
        100,
        1000,
    )
    assert (dev["rds"]["deletion_protection"], prod["rds"]["deletion_protection"]) == (False, True)
    assert (dev["rds"]["final_snapshot"], prod["rds"]["final_snapshot"]) == (False, True)
    assert (dev["document_store"]["instances"], prod["document_store"]["instances"]) == (1, 3)
    assert prod["document_store"]["backup_retention_days"] == 7
    assert (dev["cache"]["automatic_failover"], prod["cache"]["automatic_failover"]) == (
        False,
        True,
    )
    assert (len(dev["cache"]["node_ids"]), len(prod["cache"]["node_ids"])) == (1, 2)
    assert dev["autoscaling"] is None
    assert prod["autoscaling"]["min_tasks"] == 2 and prod["autoscaling"]["max_tasks"] == 10
    assert (dev["frontend"]["versioning"], prod["frontend"]["versioning"]) == (False, True)
    assert (dev["dns"]["zone"], prod["dns"]["zone"]) == ("dev.sankofagrid.com", "sankofagrid.com")
    assert dev["load_balancer"]["deletion_protection"] is False
    assert prod["load_balancer"]["deletion_protection"] is True
    # alarms: one per service/database/cache node, so prod's second Redis node adds three
    assert len(prod["observability"]["alarms"]) == len(dev["observability"]["alarms"]) + 3


def test_autoscaling_owns_the_task_count_only_where_configured(rendered: dict[str, Path]) -> None:
    for env, ignored in (
        ("dev", ["task_definition"]),
        ("prod", ["task_definition", "desired_count"]),
    ):
        tree = parse_tree(rendered[env])
        service = _resource(tree, "ecs", "aws_ecs_service", "this")
        assert service["lifecycle"][0]["ignore_changes"] == ignored
        assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
        target = _resource(tree, "ecs", "aws_appautoscaling_target", "this")
        assert target["for_each"] == "${var.autoscaling == null ? {} : var.services}"


def test_the_model_data_lives_in_tfvars_not_in_templates(rendered: dict[str, Path]) -> None:
    """No service, queue or environment-specific value is written into the .tf files."""
    for env in AWS_ENVS:
        for path in rendered[env].rglob("*.tf"):
            text = path.read_text()
            for literal in ("event-planner", "8081", "sankofagrid", "user-registration", "t3."):
                assert literal not in text, f"{path.relative_to(rendered[env])}: {literal}"


# -- names within AWS limits ------------------------------------------------------------------


@pytest.mark.parametrize("env", AWS_ENVS)
def test_every_name_is_within_its_aws_limit(platform: Platform, env: str) -> None:
    resources = named_resources(terraform_variables(platform, env))
    assert len(resources) > 80
    for resource in resources:
        assert len(resource.name) <= NAME_LIMITS[resource.kind], resource
    kinds = {r.kind for r in resources}
    assert {"load balancer", "target group", "ElastiCache replication group"} <= kinds


def test_a_project_name_too_long_for_a_target_group_is_refused_before_writing(
    tmp_path: Path,
) -> None:
    long = build_platform(project="event-planner-platform")
    out = tmp_path / "out"
    with pytest.raises(EventctlError) as error:
        render_environment(long, "prod", out)
    assert "target group name 'event-planner-platform-prod-event' is 33 characters" in (
        error.value.message
    )
    assert "AWS allows 32" in error.value.message
    assert "project" in (error.value.hint or "")
    assert not out.exists()


# -- behaviour of the renderer --------------------------------------------------------------------


def test_rendering_is_deterministic(platform: Platform, tmp_path: Path) -> None:
    first = render_environment(platform, "prod", tmp_path / "a")
    second = render_environment(build_platform(), "prod", tmp_path / "b")
    assert [p.relative_to(first.root) for p in first.files] == [
        p.relative_to(second.root) for p in second.files
    ]
    for a, b in zip(first.files, second.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a


def test_result_lists_every_file_written_sorted(platform: Platform, tmp_path: Path) -> None:
    result = render_environment(platform, "dev", tmp_path / "out")
    on_disk = sorted(p for p in result.root.rglob("*") if p.is_file())
    assert result.files == on_disk
    assert result.files == sorted(result.files)
    assert result.root == tmp_path / "out"
    assert result.env == "dev"
    manifest = json.loads((result.root / MANIFEST_FILE).read_text())
    assert manifest["files"] == [p.relative_to(result.root).as_posix() for p in result.files]


def test_local_is_refused_with_a_hint(platform: Platform, tmp_path: Path) -> None:
    with pytest.raises(EventctlError) as error:
        render_environment(platform, "local", tmp_path / "out")
    assert "without Terraform" in error.value.message
    assert "eventctl env up local" in (error.value.hint or "")
    assert not (tmp_path / "out").exists()


def test_unknown_environment_is_refused(platform: Platform, tmp_path: Path) -> None:
    with pytest.raises(EventctlError) as error:
        render_environment(platform, "staging", tmp_path / "out")
    assert "staging" in error.value.message
    assert not (tmp_path / "out").exists()


def test_rerender_keeps_terraform_state_and_drops_stale_files(
    platform: Platform, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    render_environment(platform, "dev", out)
    kept = [out / ".terraform" / "providers.txt", out / ".terraform.lock.hcl", out / "plan.bin"]
    for path in kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("operator data")
    stale = out / "modules" / "retired" / "main.tf"
    stale.parent.mkdir(parents=True)
    stale.write_text("# from an older eventctl\n")
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    manifest["files"].append("modules/retired/main.tf")
    manifest["files"].append("../outside.txt")  # a tampered entry must not reach outside
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")

    render_environment(platform, "dev", out)

    assert all(path.read_text() == "operator data" for path in kept)
    assert not stale.exists() and not stale.parent.exists()
    assert outside.read_text() == "keep me"


def test_out_dir_that_is_a_file_is_refused(platform: Platform, tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a directory")
    with pytest.raises(EventctlError) as error:
        render_environment(platform, "dev", target)
    assert "not a directory" in error.value.message
    assert target.read_text() == "not a directory"


def test_user_overrides_reach_the_variables(tmp_path: Path) -> None:
    custom = build_platform(
        domain="example.org",
        region="eu-central-1",
        alert_email="ops@example.org",
        overrides={
            "prod": {"rds": {"instance_class": "db.r6g.large"}, "services": {"auth": {"cpu": 512}}},
            "dev": {"desired_count": 2, "network": {"nat_gateways": 2}},
        },
    )
    prod = _tfvars(render_environment(custom, "prod", tmp_path / "prod").root)
    dev = _tfvars(render_environment(custom, "dev", tmp_path / "dev").root)
    assert prod["rds"]["instance_class"] == "db.r6g.large"
    assert prod["services"]["auth"]["cpu"] == 512
    assert prod["services"]["event"]["cpu"] == 256
    assert prod["region"] == "eu-central-1"
    assert prod["dns"]["api_host"] == "api.example.org"
    assert prod["observability"]["alert_email"] == "ops@example.org"
    assert dev["desired_count"] == 2
    assert dev["network"]["nat_gateways"] == 2


def test_credentials_reach_containers_as_secrets_only(rendered: dict[str, Path]) -> None:
    """The task definitions take their environment and secrets from module service_config
    (whose values tests/core/test_service_contract.py checks against the services' settings)."""
    text = (rendered["prod"] / "modules/ecs/main.tf").read_text()
    assert "value = var.container_environment[each.key][key]" in text
    assert "valueFrom = var.container_secrets[each.key][key]" in text
    root = parse_tree(rendered["prod"])["main.tf"]
    ecs = next(entry["ecs"] for entry in root["module"] if "ecs" in entry)
    assert ecs["container_environment"] == "${module.service_config.environment}"
    assert ecs["container_secrets"] == "${module.service_config.secrets}"
    assert ecs["task_secret_arns"] == "${module.service_config.secret_arns}"
    # the databases keep their own master passwords in Secrets Manager
    data = parse_tree(rendered["prod"])["modules/data/main.tf"]
    for type_, name in (("aws_db_instance", "this"), ("aws_docdb_cluster", "this")):
        body = _resource({"modules/data/main.tf": data}, "data", type_, name)
        assert body["manage_master_user_password"] is True
        assert "password" not in body and "master_password" not in body


def test_only_ecr_login_uses_a_wildcard_in_the_execution_role(rendered: dict[str, Path]) -> None:
    parsed = parse_tree(rendered["dev"])["modules/ecs/main.tf"]
    statements = next(
        body["statement"]
        for type_, name, body in blocks(parsed, "data")
        if (type_, name) == ("aws_iam_policy_document", "execution")
    )
    wildcard = [s["sid"] for s in statements if s["resources"] == ["*"]]
    assert wildcard == ["EcrLogin"]
    assert next(s for s in statements if s["sid"] == "EcrLogin")["actions"] == [
        "ecr:GetAuthorizationToken"
    ]


@pytest.mark.parametrize("env", AWS_ENVS)
def test_the_cost_model_counts_the_kms_keys_the_terraform_creates(
    rendered: dict[str, Path], env: str
) -> None:
    from platform_model.model import KMS_KEYS_PER_ENVIRONMENT

    keys = [
        body
        for parsed in parse_tree(rendered[env]).values()
        for kind, _, body in blocks(parsed, "resource")
        if kind == "aws_kms_key"
    ]
    assert all("count" not in body and "for_each" not in body for body in keys)
    assert len(keys) == KMS_KEYS_PER_ENVIRONMENT


def test_the_web_app_cache_honours_no_cache_and_keeps_unmarked_files_briefly(
    rendered: dict[str, Path],
) -> None:
    tree = parse_tree(rendered["dev"])
    policy = _resource(tree, "frontend", "aws_cloudfront_cache_policy", "web_app")
    assert (policy["min_ttl"], policy["default_ttl"]) == (0, 300)
    distribution = _resource(tree, "frontend", "aws_cloudfront_distribution", "this")
    behaviour = distribution["default_cache_behavior"]
    behaviour = behaviour[0] if isinstance(behaviour, list) else behaviour
    assert "aws_cloudfront_cache_policy.web_app.id" in behaviour["cache_policy_id"]


@pytest.mark.parametrize("env", AWS_ENVS)
def test_the_cost_model_counts_the_alarms_the_terraform_creates(
    rendered: dict[str, Path], platform: Platform, env: str
) -> None:
    from eventctl.core.costs.estimate import estimate_environment
    from eventctl.core.costs.prices import load_prices
    from eventctl.core.costs.usage import no_overrides

    alarms = _tfvars(rendered[env])["observability"]["alarms"]
    usage = no_overrides().resolve(env)
    report = estimate_environment(platform, env, load_prices("eu-west-1"), usage)
    line = next(li for li in report.lines if li.component == "CloudWatch alarms")
    assert line.quantity == len(alarms)


# -- the CI roles ---------------------------------------------------------------------------


def _policy_statements(tree: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, parsed in tree.items():
        for type_, name, body in blocks(parsed, "data"):
            if type_ == "aws_iam_policy_document":
                statements = body.get("statement", [])
                statements = statements if isinstance(statements, list) else [statements]
                found += [(f"{path}:{name}", statement) for statement in statements]
    return found


@pytest.mark.parametrize("env", AWS_ENVS)
def test_no_policy_allows_every_action_on_every_resource(
    rendered: dict[str, Path], env: str
) -> None:
    statements = _policy_statements(parse_tree(rendered[env]))
    assert len(statements) > 20, "the scan sees the policy documents"
    offenders = [
        where
        for where, statement in statements
        if statement.get("effect", "Allow") == "Allow"
        and "*" in statement.get("actions", [])
        and "*" in statement.get("resources", ["*"])
    ]
    assert offenders == []
    everything = [where for where, statement in statements if "*" in statement.get("actions", [])]
    assert everything == [], "no statement names the bare '*' action at all"


def test_the_ci_roles_trust_only_github_tokens_for_sts_of_one_subject(
    rendered: dict[str, Path],
) -> None:
    parsed = parse_tree(rendered["prod"])["modules/cicd/main.tf"]
    trust = next(
        body
        for type_, name, body in blocks(parsed, "data")
        if (type_, name) == ("aws_iam_policy_document", "trust")
    )
    statement = trust["statement"]
    statement = statement[0] if isinstance(statement, list) else statement
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    principals = statement["principals"]
    principals = principals[0] if isinstance(principals, list) else principals
    assert principals == {"type": "Federated", "identifiers": ["${local.provider_arn}"]}
    conditions = {c["variable"]: c for c in statement["condition"]}
    assert conditions["${local.issuer}:aud"]["test"] == "StringEquals"
    assert conditions["${local.issuer}:aud"]["values"] == ["sts.amazonaws.com"]
    assert conditions["${local.issuer}:sub"]["test"] == "StringEquals", "no wildcards"
    assert conditions["${local.issuer}:sub"]["values"] == "${local.subjects[each.key]}"


def test_the_ci_settings_reach_the_terraform(platform: Platform) -> None:
    variables = terraform_variables(platform, "prod")["cicd"]
    assert variables["github_repository"] is None, "no repository, no CI roles"
    configured = build_platform(github_repository="example-org/event-planner")
    dev, prod = (terraform_variables(configured, env)["cicd"] for env in AWS_ENVS)
    assert (dev["create_oidc_provider"], prod["create_oidc_provider"]) == (True, False)
    names = configured.names("prod")
    assert prod["role_names"] == {
        "plan": "event-planner-prod-github-plan",
        "apply": "event-planner-prod-github-apply",
        "deploy": "event-planner-prod-github-deploy",
    }
    assert prod["state"]["release_prefix"] == names.release_prefix == "releases/prod/"
    assert prod["state"]["deploy_lock_ids"] == [
        names.deploy_lock_id(s) for s in configured.services
    ]
    assert prod["state"]["bucket"] == names.state_bucket("{account_id}")
