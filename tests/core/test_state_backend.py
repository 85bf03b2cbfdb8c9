"""`eventctl env bootstrap`: the state backend, created and checked against a moto server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from eventctl.adapters.aws.clients import AwsTarget, CredentialsError
from eventctl.adapters.aws.dynamodb import DynamoDb
from eventctl.adapters.aws.s3 import S3
from eventctl.adapters.aws.sts import Sts
from eventctl.core.state_backend import (
    LIFECYCLE_RULE_ID,
    TLS_STATEMENT_ID,
    StateBackend,
    backend_settings,
)
from eventctl.errors import EventctlError
from platform_model import build_platform
from tests.helpers.lifecycle import ACCOUNT, BUCKET, REGION, TABLE, aws_environ


def _bucket_settings(s3: Any) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    except ClientError:
        policy = {"Statement": []}
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    encryption = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
    return {
        "versioning": s3.get_bucket_versioning(Bucket=BUCKET).get("Status"),
        "encryption": encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "public_access": s3.get_public_access_block(Bucket=BUCKET)[
            "PublicAccessBlockConfiguration"
        ],
        "statements": {st.get("Sid"): st for st in policy["Statement"]},
        "rules": {rule["ID"]: rule for rule in rules},
        "region": s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"],
    }


def test_bootstrap_creates_a_correct_bucket_and_table(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("env", "bootstrap", "dev", "--yes", env=aws_environ(moto_server))
    assert result.exit_code == 0, result
    assert f"created S3 bucket {BUCKET}" in result.stderr
    assert f"created DynamoDB table {TABLE} (LockID, on-demand)" in result.stderr
    assert "DIFFERS" not in result.stdout
    assert f"state: s3://{BUCKET}/dev/terraform.tfstate" in result.stdout

    found = _bucket_settings(moto_server.client("s3"))
    assert found["region"] == REGION
    assert found["versioning"] == "Enabled"
    assert found["encryption"] == "AES256"
    assert found["public_access"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rule = found["rules"][LIFECYCLE_RULE_ID]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    # moto is reached over plain http: no request could satisfy a TLS-only policy there
    # (see test_tls_only_policy for the policy itself, written to moto and read back).
    assert found["statements"] == {}
    assert "skipped: plain-http endpoint" in result.stdout

    table = moto_server.client("dynamodb").describe_table(TableName=TABLE)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "LockID", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TableStatus"] == "ACTIVE"


def _backend(moto: Any, endpoint_url: str | None = None) -> StateBackend:
    """The backend with moto's clients; `endpoint_url` is what the settings believe."""
    platform = build_platform()
    settings = backend_settings(platform, "dev", ACCOUNT, endpoint_url=endpoint_url)
    return StateBackend(settings, S3(moto.client("s3"), REGION), DynamoDb(moto.client("dynamodb")))


def test_tls_only_policy(moto_server: Any) -> None:
    # As against AWS (https): the settings carry no plain-http endpoint.
    backend = _backend(moto_server)
    assert backend.settings.tls_only
    backend.create_missing(backend.inspect())
    s3 = moto_server.client("s3")
    tls = _bucket_settings(s3)["statements"][TLS_STATEMENT_ID]
    assert tls["Effect"] == "Deny"
    assert tls["Principal"] == "*"
    assert tls["Action"] == "s3:*"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(tls["Resource"]) == [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
    assert backend.inspect().healthy

    other = {
        "Sid": "AuditRead",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]})
    )
    report = backend.inspect()
    assert [(c.setting, c.actual) for c in report.drift] == [
        ("TLS-only policy", "missing statement")
    ]
    assert backend.fix(report) == [f"added the {TLS_STATEMENT_ID} statement to the bucket policy"]
    assert set(_bucket_settings(s3)["statements"]) == {"AuditRead", TLS_STATEMENT_ID}
    assert backend.inspect().healthy


def test_bootstrap_is_idempotent(run_cli: Any, moto_server: Any) -> None:
    environ = aws_environ(moto_server)
    assert run_cli("env", "bootstrap", "dev", "--yes", env=environ).exit_code == 0
    before = _bucket_settings(moto_server.client("s3"))
    again = run_cli("env", "bootstrap", "dev", env=environ)  # no --yes: nothing to ask
    assert again.exit_code == 0, again
    assert "created" not in again.stderr
    oks = [line for line in again.stdout.splitlines() if line.startswith("  ok ")]
    assert len(oks) == 11  # 8 bucket checks + 3 table checks
    assert _bucket_settings(moto_server.client("s3")) == before


def test_nothing_is_created_without_confirmation(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("env", "bootstrap", "dev", env=aws_environ(moto_server), input="n\n")
    assert result.exit_code == 1
    assert "not confirmed: nothing was changed" in result.stderr
    assert "--yes" in result.stderr
    assert moto_server.client("s3").list_buckets()["Buckets"] == []
    assert moto_server.client("dynamodb").list_tables()["TableNames"] == []


def test_typed_yes_creates(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("env", "bootstrap", "dev", env=aws_environ(moto_server), input="y\n")
    assert result.exit_code == 0, result
    assert f"Create S3 bucket {BUCKET} and DynamoDB table {TABLE}?" in result.stderr


def test_check_never_creates(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("env", "bootstrap", "dev", "--check", "--yes", env=aws_environ(moto_server))
    assert result.exit_code == 1
    assert f"missing S3 bucket {BUCKET}, DynamoDB table {TABLE}" in result.stderr
    assert moto_server.client("s3").list_buckets()["Buckets"] == []


def test_bucket_created_concurrently_by_someone_else_is_fine(moto_server: Any) -> None:
    backend = _backend(moto_server, moto_server.endpoint_url)
    report = backend.inspect()
    assert f"S3 bucket {BUCKET}" in report.missing
    # Between the check and the create, another operator makes the bucket (bare).
    moto_server.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    done = backend.create_missing(report)
    assert f"S3 bucket {BUCKET} was just created by someone else; using it" in done
    assert backend.inspect().healthy


def _break_backend(moto: Any) -> None:
    s3 = moto.client("s3")
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    s3.delete_public_access_block(Bucket=BUCKET)
    s3.delete_bucket_encryption(Bucket=BUCKET)
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "someone-elses",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                }
            ]
        },
    )


def test_drift_is_reported_and_fixed_only_with_fix(run_cli: Any, moto_server: Any) -> None:
    environ = aws_environ(moto_server)
    assert run_cli("env", "bootstrap", "dev", "--yes", env=environ).exit_code == 0
    _break_backend(moto_server)

    report = run_cli("env", "bootstrap", "dev", "--yes", env=environ)
    assert report.exit_code == 1
    assert "7 setting(s) differ" in report.stderr
    assert "run again with --fix" in report.stderr
    differs = [line for line in report.stdout.splitlines() if line.startswith("  DIFFERS")]
    assert len(differs) == 7
    assert any("versioning" in line and "Suspended" in line for line in differs)
    assert any("old versions expire" in line and "after 30 days" in line for line in differs)
    s3 = moto_server.client("s3")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Suspended", "changed nothing"

    fixed = run_cli("env", "bootstrap", "dev", "--fix", env=environ)
    assert fixed.exit_code == 0, fixed
    assert "DIFFERS" not in fixed.stdout
    assert "enabled versioning" in fixed.stderr
    found = _bucket_settings(s3)
    assert found["versioning"] == "Enabled"
    assert found["encryption"] == "AES256"
    assert all(found["public_access"].values())
    assert found["rules"]["someone-elses"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    assert found["rules"][LIFECYCLE_RULE_ID]["Status"] == "Enabled"


def test_lock_table_drift(run_cli: Any, moto_server: Any) -> None:
    environ = aws_environ(moto_server)
    ddb = moto_server.client("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    result = run_cli("env", "bootstrap", "dev", "--yes", "--fix", env=environ)
    assert result.exit_code == 0, result
    assert "switched the lock table to on-demand billing" in result.stderr
    table = ddb.describe_table(TableName=TABLE)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_wrong_lock_table_key_cannot_be_fixed(run_cli: Any, moto_server: Any) -> None:
    moto_server.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    result = run_cli("env", "bootstrap", "dev", "--yes", "--fix", env=aws_environ(moto_server))
    assert result.exit_code == 1
    assert "hash key" in result.stderr
    assert f"eventctl cannot fix table {TABLE} hash key" in result.stderr


def test_json_report(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("env", "bootstrap", "dev", "--yes", "--json", env=aws_environ(moto_server))
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["account"] == ACCOUNT
    assert data["backend"]["bucket"] == BUCKET
    assert data["backend"]["lock_table"] == TABLE
    assert data["missing"] == [] and data["drift"] == []
    assert len(data["created"]) == 3
    assert all(check["ok"] for check in data["checks"])


def test_lockfile_locking_needs_no_table(run_cli: Any, moto_server: Any) -> None:
    environ = aws_environ(moto_server, EVENTCTL_STATE_LOCKING="lockfile")
    result = run_cli("env", "bootstrap", "dev", "--yes", env=environ)
    assert result.exit_code == 0, result
    assert "locking: S3 lock files" in result.stdout
    assert moto_server.client("dynamodb").list_tables()["TableNames"] == []


def test_endpoint_url_flag_reaches_every_call(run_cli: Any, moto_server: Any) -> None:
    environ = {k: v for k, v in moto_server.environ.items() if k != "AWS_ENDPOINT_URL"}
    environ["AWS_ENDPOINT_URL"] = ""  # nothing from the environment: the flag alone
    result = run_cli(
        "env",
        "bootstrap",
        "dev",
        "--yes",
        "--endpoint-url",
        moto_server.endpoint_url,
        env=environ,
    )
    assert result.exit_code == 0, result
    assert moto_server.client("s3").head_bucket(Bucket=BUCKET)


def test_local_has_no_state_backend(run_cli: Any, moto_server: Any) -> None:
    result = run_cli("env", "bootstrap", "local", env=aws_environ(moto_server))
    assert result.exit_code == 1
    assert "local is not an AWS environment" in result.stderr


def test_account_mismatch_is_refused(run_cli: Any, moto_server: Any) -> None:
    environ = aws_environ(moto_server, EVENTCTL_ACCOUNT_ID="210987654321")
    result = run_cli("env", "bootstrap", "dev", "--yes", env=environ)
    assert result.exit_code == 1
    assert "credentials are for account 123456789012" in result.stderr
    assert moto_server.client("s3").list_buckets()["Buckets"] == []


def test_no_credentials_is_one_line_with_the_fix(run_cli: Any, tmp_path: Any) -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
        "AWS_WEB_IDENTITY_TOKEN_FILE": None,
        # An unreachable endpoint: the error must come from the missing credentials first.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    result = run_cli("env", "bootstrap", "dev", "--yes", env=environ)  # type: ignore[arg-type]
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "error: no AWS credentials found"
    assert lines[1].startswith("hint: set AWS_PROFILE")


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException"])
def test_expired_credentials(code: str) -> None:
    # moto never expires credentials: the STS answer is stubbed.
    client = AwsTarget(region=REGION, endpoint_url="http://127.0.0.1:9").client("sts")
    with Stubber(client) as stub:
        stub.add_client_error("get_caller_identity", service_error_code=code, http_status_code=403)
        with pytest.raises(CredentialsError, match="have expired") as caught:
            Sts(client).caller_identity()
    assert caught.value.hint and "aws sso login" in caught.value.hint


def test_tfbackend_for_an_emulator_and_for_aws() -> None:
    platform = build_platform()
    real = backend_settings(platform, "prod", ACCOUNT).tfbackend()
    assert f'bucket = "{BUCKET}"' in real
    assert 'key = "prod/terraform.tfstate"' in real
    assert f'dynamodb_table = "{TABLE}"' in real
    assert "encrypt = true" in real
    assert "endpoints" not in real and "skip_" not in real
    emulated = backend_settings(
        platform, "dev", ACCOUNT, locking="lockfile", endpoint_url="http://127.0.0.1:4566"
    ).tfbackend()
    assert "use_lockfile = true" in emulated and "dynamodb_table" not in emulated
    assert '  s3       = "http://127.0.0.1:4566"' in emulated
    assert "use_path_style              = true" in emulated


def test_bucket_in_another_region_is_named(moto_server: Any) -> None:
    moto_server.client("s3", region="us-east-1").create_bucket(Bucket=BUCKET)
    with pytest.raises(EventctlError, match=f"{BUCKET} is in region us-east-1, not {REGION}") as e:
        S3(moto_server.client("s3"), REGION).bucket_state(BUCKET)
    assert e.value.hint and "region" in e.value.hint


def test_unknown_locking_mode_is_a_config_error(run_cli: Any) -> None:
    result = run_cli("env", "bootstrap", "dev", env={"EVENTCTL_STATE_LOCKING": "sqlite"})
    assert result.exit_code == 1
    assert "EVENTCTL_STATE_LOCKING" in result.stderr
    assert "dynamodb" in result.stderr and "lockfile" in result.stderr
