"""The modules' variable validations refuse wrong values at `terraform validate`, with the
module's own message, and accept the rendered environments' values (real terraform, AWS
provider from the local mirror)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventctl.core.render import render_contents
from platform_model import build_platform
from tests.helpers.terraform import PROVIDER_MIRROR, mirror_copy, run_terraform

KMS_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0000"


def _network(**changes: Any) -> dict[str, Any]:
    tfvars = json.loads(render_contents(build_platform(), "dev")["terraform.tfvars.json"])
    network = dict(tfvars["network"])
    return {
        "source": "./modules/network",
        "name_prefix": "event-planner-dev",
        "region": "eu-west-1",
        "kms_key_arn": KMS_ARN,
        "service_ports": {"auth": 8081, "event": 8082},
        "postgres_ports": [5432],
        "docdb_port": 27017,
        "redis_port": 6379,
        **network,
        **changes,
    }


def _modules(bad: bool) -> dict[str, dict[str, Any]]:
    """One call per module; with `bad`, each has one value its validation must refuse."""
    return {
        "network": _network(nat_gateways=0) if bad else _network(),
        "security": {
            "source": "./modules/security",
            "name_prefix": "event-planner-dev",
            "region": "eu-west-1",
            "secrets": None,
            "services": {},
            "secret_recovery_days": 3 if bad else 7,
            "service_credentials_version": 1,
        },
        "ecr": {
            "source": "./modules/ecr",
            "repositories": {"auth": "event-planner/auth-service"},
            "keep_images": 0 if bad else 10,
        },
        "messaging": {
            "source": "./modules/messaging",
            "kms_key_arn": KMS_ARN,
            "topics": {},
            "queues": {
                "q": {
                    "name": "q",
                    "dead_letter_name": "q-dlq",
                    "max_receive_count": 5,
                    "visibility_timeout_seconds": 30,
                    "retention_seconds": 30 if bad else 345600,
                }
            },
        },
    }


REFUSALS = [
    "Use at least 1 NAT gateway: the private subnets reach SES, SNS and SQS through it.",
    "Secrets Manager accepts 0 (delete at once) or 7 to 30 days.",
    "Keep at least one image per repository.",
    "SQS keeps messages for 60 seconds to 14 days (1209600 seconds).",
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (PROVIDER_MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider mirror at {PROVIDER_MIRROR}")
    source = tmp_path_factory.mktemp("modules-source")
    for relative, text in render_contents(build_platform(), "dev").items():
        if relative.startswith("modules/"):
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            (source / relative).write_text(text, encoding="utf-8")
    root = tmp_path_factory.mktemp("modules-root") / "root"
    mirror_copy(source, root)
    return root


def _validate(terraform_bin: str, root: Path, bad: bool) -> str:
    (root / "main.tf.json").write_text(json.dumps({"module": _modules(bad)}), encoding="utf-8")
    environ = {"TF_CLI_CONFIG_FILE": str(root / ".terraformrc")}
    if not (root / ".terraform").is_dir():
        init = run_terraform(terraform_bin, ["init", "-input=false", "-no-color"], root, environ)
        assert init.returncode == 0, init.stdout + init.stderr
    done = run_terraform(terraform_bin, ["validate", "-no-color"], root, environ)
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def test_wrong_values_are_refused_with_the_module_s_message(
    workdir: Path, terraform_bin: str
) -> None:
    output = _validate(terraform_bin, workdir, bad=True)
    assert output.startswith("exit 1"), output
    missing = [message for message in REFUSALS if message not in " ".join(output.split())]
    assert not missing, output


def test_the_same_calls_with_good_values_validate(workdir: Path, terraform_bin: str) -> None:
    output = _validate(terraform_bin, workdir, bad=False)
    assert output.startswith("exit 0"), output
