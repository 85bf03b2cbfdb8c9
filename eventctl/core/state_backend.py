"""The Terraform state backend: an S3 bucket and (by default) a DynamoDB lock table.

Names come from the model (`Names.state_bucket`, `.state_key`, `.lock_table`). `inspect`
changes nothing and reports every setting that differs; creating and fixing are separate
steps the caller runs only after the operator agreed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from eventctl.adapters.aws.clients import AwsTarget, make_client
from eventctl.adapters.aws.dynamodb import DynamoDb, TableInfo
from eventctl.adapters.aws.s3 import PUBLIC_ACCESS_FLAGS, S3
from eventctl.adapters.aws.sts import CallerIdentity, Sts
from eventctl.adapters.terraform import LockInfo
from eventctl.errors import EventctlError
from platform_model import Platform

Locking = Literal["dynamodb", "lockfile"]
LOCKINGS: tuple[Locking, ...] = ("dynamodb", "lockfile")

TLS_STATEMENT_ID = "EnforcedTLS"
LIFECYCLE_RULE_ID = "expire-noncurrent-state-versions"
NONCURRENT_DAYS = 90
ENCRYPTIONS = ("AES256", "aws:kms", "aws:kms:dsse")
LOCK_KEY = "LockID"


@dataclass(frozen=True)
class BackendSettings:
    """Where one environment's state lives and how it is locked."""

    bucket: str
    key: str
    region: str
    locking: Locking
    lock_table: str
    endpoint_url: str | None = None

    @property
    def lock_path(self) -> str:
        """The lock's id in Terraform's own terms (the DynamoDB `LockID`)."""
        return f"{self.bucket}/{self.key}"

    @property
    def tls_only(self) -> bool:
        """Whether the bucket gets the TLS-only policy.

        Not behind a plain-http endpoint (an emulator): no request there ever comes over TLS,
        so the policy would deny every one of them wherever it is enforced.
        """
        return not (self.endpoint_url or "").lower().startswith("http://")

    @property
    def lockfile_key(self) -> str:
        return f"{self.key}.tflock"

    def tfbackend(self) -> str:
        """The `-backend-config` file for the root module's `backend "s3" {}` block."""
        values: dict[str, Any] = {
            "bucket": self.bucket,
            "key": self.key,
            "region": self.region,
            "encrypt": True,
        }
        if self.locking == "dynamodb":
            values["dynamodb_table"] = self.lock_table
        else:
            values["use_lockfile"] = True
        lines = [f"{name} = {_hcl(value)}" for name, value in values.items()]
        if self.endpoint_url:
            # An emulator (LocalStack, moto): every service the backend calls goes there, and
            # the checks that only make sense against real AWS are skipped.
            url = _hcl(self.endpoint_url)
            lines += [
                "endpoints = {",
                f"  s3       = {url}",
                f"  dynamodb = {url}",
                f"  sts      = {url}",
                "}",
                "use_path_style              = true",
                "skip_credentials_validation = true",
                "skip_requesting_account_id  = true",
                "skip_metadata_api_check     = true",
                "skip_region_validation      = true",
            ]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "region": self.region,
            "locking": self.locking,
            "lock_table": self.lock_table if self.locking == "dynamodb" else None,
            "endpoint_url": self.endpoint_url,
        }


def _hcl(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # A JSON string is an HCL string once template sequences are escaped.
    return json.dumps(str(value)).replace("${", "$${").replace("%{", "%%{")


@dataclass(frozen=True)
class Check:
    """One setting of the backend: what it should be, what it is."""

    resource: str
    setting: str
    expected: str
    actual: str
    ok: bool
    fixable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "setting": self.setting,
            "expected": self.expected,
            "actual": self.actual,
            "ok": self.ok,
            "fixable": self.fixable,
        }


@dataclass(frozen=True)
class BackendReport:
    """The backend as found: what is missing and every setting checked."""

    settings: BackendSettings
    missing: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def drift(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    @property
    def healthy(self) -> bool:
        return not self.missing and not self.drift

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.settings.to_dict(),
            "missing": self.missing,
            "drift": [c.to_dict() for c in self.drift],
            "checks": [c.to_dict() for c in self.checks],
        }


def backend_settings(
    platform: Platform,
    env: str,
    account_id: str,
    *,
    locking: Locking = "dynamodb",
    endpoint_url: str | None = None,
) -> BackendSettings:
    """The backend of `env`, named by the model."""
    names = platform.names(env)
    return BackendSettings(
        bucket=names.state_bucket(account_id),
        key=names.state_key,
        region=platform.region,
        locking=locking,
        lock_table=names.lock_table,
        endpoint_url=endpoint_url,
    )


def tls_only_statement(bucket: str, partition: str = "aws") -> dict[str, Any]:
    """Deny every S3 action on the bucket that does not come over TLS."""
    arn = f"arn:{partition}:s3:::{bucket}"
    return {
        "Sid": TLS_STATEMENT_ID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def lifecycle_rule() -> dict[str, Any]:
    """Old state versions expire after the seed's 90 days; the current one is kept."""
    return {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_DAYS},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class StateBackend:
    """One environment's state backend, reached through the S3 and DynamoDB adapters."""

    def __init__(
        self,
        settings: BackendSettings,
        s3: S3,
        dynamodb: DynamoDb,
        *,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.s3 = s3
        self.dynamodb = dynamodb
        self.tags = dict(tags or {})

    # -- inspecting -----------------------------------------------------------------------

    def inspect(self) -> BackendReport:
        """Every setting of the bucket (and lock table), changing nothing."""
        s = self.settings
        missing: list[str] = []
        checks: list[Check] = []
        state = self.s3.bucket_state(s.bucket)
        if state == "foreign":
            raise EventctlError(
                f"S3 bucket {s.bucket} exists but these credentials cannot use it",
                hint="S3 names are global: it belongs to another account, or this identity "
                "lacks s3:ListBucket on it; check the account id and the credentials",
            )
        if state == "missing":
            missing.append(f"S3 bucket {s.bucket}")
        else:
            checks += self._bucket_checks()
        if s.locking == "dynamodb":
            table = self.dynamodb.describe_table(s.lock_table)
            if table is None:
                missing.append(f"DynamoDB table {s.lock_table}")
            else:
                checks += _table_checks(table)
        return BackendReport(settings=s, missing=missing, checks=checks)

    def _bucket_checks(self) -> list[Check]:
        bucket = self.settings.bucket
        label = f"bucket {bucket}"
        checks: list[Check] = []
        versioning = self.s3.versioning(bucket)
        checks.append(Check(label, "versioning", "Enabled", versioning, versioning == "Enabled"))
        algorithm = self.s3.encryption(bucket)
        checks.append(
            Check(
                label,
                "default encryption",
                "AES256 or aws:kms",
                algorithm or "none",
                algorithm in ENCRYPTIONS,
            )
        )
        flags = self.s3.public_access_block(bucket)
        for flag in PUBLIC_ACCESS_FLAGS:
            on = flags.get(flag, False)
            checks.append(Check(label, flag, "true", str(on).lower(), on))
        if self.settings.tls_only:
            policy = self.s3.policy(bucket)
            tls = _has_tls_only(policy, bucket)
            actual = "present" if tls else ("no policy" if policy is None else "missing statement")
            checks.append(Check(label, "TLS-only policy", "deny requests without TLS", actual, tls))
        else:
            checks.append(
                Check(label, "TLS-only policy", "skipped", "skipped: plain-http endpoint", True)
            )
        days = _noncurrent_days(self.s3.lifecycle_rules(bucket))
        checks.append(
            Check(
                label,
                "old versions expire",
                f"after {NONCURRENT_DAYS} days",
                f"after {days} days" if days is not None else "never",
                days == NONCURRENT_DAYS,
            )
        )
        return checks

    # -- changing -------------------------------------------------------------------------

    def create_missing(self, report: BackendReport) -> list[str]:
        """Create what `report` found missing, fully configured; what was done, in order."""
        s = self.settings
        done: list[str] = []
        if f"S3 bucket {s.bucket}" in report.missing:
            created = self.s3.create_bucket(s.bucket)
            done.append(
                f"created S3 bucket {s.bucket}"
                if created
                else f"S3 bucket {s.bucket} was just created by someone else; using it"
            )
            # Public access is blocked before anything else, so there is never an open window.
            self.s3.block_public_access(s.bucket)
            self.s3.enable_versioning(s.bucket)
            self.s3.encrypt_by_default(s.bucket)
            if s.tls_only:
                self._put_tls_policy()
            self._put_lifecycle()
            if self.tags:
                self.s3.put_tags(s.bucket, self.tags)
            tls = "TLS-only policy" if s.tls_only else "no TLS-only policy (plain-http endpoint)"
            done.append(
                "configured it: public access blocked, versioning, AES256 encryption, "
                f"{tls}, old versions expire after {NONCURRENT_DAYS} days"
            )
        if f"DynamoDB table {s.lock_table}" in report.missing:
            created = self.dynamodb.create_lock_table(s.lock_table, self.tags)
            done.append(
                f"created DynamoDB table {s.lock_table} ({LOCK_KEY}, on-demand)"
                if created
                else f"DynamoDB table {s.lock_table} was just created by someone else; using it"
            )
        return done

    def fix(self, report: BackendReport) -> list[str]:
        """Bring each fixable drifted setting back; what was done."""
        bucket = self.settings.bucket
        done: list[str] = []
        settings = {c.setting for c in report.drift if c.fixable}
        if settings & set(PUBLIC_ACCESS_FLAGS):
            self.s3.block_public_access(bucket)
            done.append("blocked all public access")
        if "versioning" in settings:
            self.s3.enable_versioning(bucket)
            done.append("enabled versioning")
        if "default encryption" in settings:
            self.s3.encrypt_by_default(bucket)
            done.append("set AES256 default encryption")
        if "TLS-only policy" in settings:
            self._put_tls_policy()
            done.append(f"added the {TLS_STATEMENT_ID} statement to the bucket policy")
        if "old versions expire" in settings:
            self._put_lifecycle()
            done.append(f"old versions now expire after {NONCURRENT_DAYS} days")
        if "billing mode" in settings:
            self.dynamodb.use_on_demand_billing(self.settings.lock_table)
            self.dynamodb.wait_active(self.settings.lock_table)
            done.append("switched the lock table to on-demand billing")
        return done

    def _put_tls_policy(self) -> None:
        """Merge the TLS statement by its Sid; other statements are kept."""
        bucket = self.settings.bucket
        policy = self.s3.policy(bucket) or {"Version": "2012-10-17", "Statement": []}
        statements = policy.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        kept = [st for st in statements if st.get("Sid") != TLS_STATEMENT_ID]
        statement = tls_only_statement(bucket, partition_of(self.settings.region))
        self.s3.put_policy(bucket, {**policy, "Statement": [*kept, statement]})

    def _put_lifecycle(self) -> None:
        """Our rule replaces any of the same ID; other whole-bucket rules that expire old
        versions sooner or later are aligned, since the shortest one would win."""
        rules: list[dict[str, Any]] = []
        for rule in self.s3.lifecycle_rules(self.settings.bucket):
            if rule.get("ID") == LIFECYCLE_RULE_ID:
                continue
            if _whole_bucket(rule) and "NoncurrentVersionExpiration" in rule:
                rule = {**rule, "NoncurrentVersionExpiration": {"NoncurrentDays": NONCURRENT_DAYS}}
            rules.append(rule)
        self.s3.put_lifecycle_rules(self.settings.bucket, [*rules, lifecycle_rule()])

    # -- locks ----------------------------------------------------------------------------

    def lock_holder(self) -> LockInfo | None:
        """Who holds the state lock now (in either locking mode), or None."""
        s = self.settings
        holder: LockInfo | None = None
        if s.locking == "dynamodb" or self.dynamodb.describe_table(s.lock_table) is not None:
            item = self.dynamodb.get_string_item(s.lock_table, {LOCK_KEY: s.lock_path})
            if item and item.get("Info"):
                holder = LockInfo.from_json(_json_object(item["Info"]))
        if holder is None:
            record = self.s3.read_json(s.bucket, s.lockfile_key)
            if isinstance(record, dict):
                holder = LockInfo.from_json(record)
        return holder

    def state_exists(self) -> bool:
        return self.s3.read_json(self.settings.bucket, self.settings.key) is not None


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _table_checks(table: TableInfo) -> list[Check]:
    label = f"table {table.name}"
    key = f"{table.hash_key} ({table.hash_key_type})" if table.hash_key else "none"
    key_ok = table.hash_key == LOCK_KEY and table.hash_key_type == "S" and not table.range_key
    return [
        Check(label, "status", "ACTIVE", table.status, table.status == "ACTIVE", fixable=False),
        Check(label, "hash key", f"{LOCK_KEY} (S)", key, key_ok, fixable=False),
        Check(
            label,
            "billing mode",
            "PAY_PER_REQUEST",
            table.billing_mode,
            table.billing_mode == "PAY_PER_REQUEST",
        ),
    ]


def _has_tls_only(policy: Mapping[str, Any] | None, bucket: str) -> bool:
    """True when some statement denies all S3 actions on the bucket without TLS."""
    if not policy:
        return False
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = st.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        condition = st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
        if (
            st.get("Effect") == "Deny"
            and st.get("Principal") in ("*", {"AWS": "*"})
            and any(a in ("s3:*", "*") for a in actions)
            and any(r.endswith(f":::{bucket}/*") for r in resources)
            and str(condition).lower() == "false"
        ):
            return True
    return False


def _whole_bucket(rule: Mapping[str, Any]) -> bool:
    scope = rule.get("Filter", {"Prefix": rule.get("Prefix", "")})
    return scope in ({}, {"Prefix": ""})


def _noncurrent_days(rules: list[dict[str, Any]]) -> int | None:
    """When old versions of every object expire: the shortest enabled whole-bucket rule."""
    days = [
        int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        for rule in rules
        if rule.get("Status") == "Enabled"
        and _whole_bucket(rule)
        and "NoncurrentDays" in rule.get("NoncurrentVersionExpiration", {})
    ]
    return min(days) if days else None


# -- wiring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    """A backend reached with working credentials."""

    identity: CallerIdentity
    backend: StateBackend


def connect(
    platform: Platform,
    env: str,
    target: AwsTarget,
    *,
    locking: Locking = "dynamodb",
) -> Connection:
    """Check the credentials (STS), find the account, and reach the backend of `env`."""
    profile = platform.environment(env)
    if profile.kind != "aws":
        raise EventctlError(
            f"{env} is not an AWS environment: it has no Terraform state backend",
            hint="use dev or prod",
        )
    target.require_credentials()
    identity = Sts(make_client("sts", target)).caller_identity()
    if platform.account_id and platform.account_id != identity.account:
        raise EventctlError(
            f"the AWS credentials are for account {identity.account}, but the settings say "
            f"account_id = {platform.account_id}",
            hint="switch AWS_PROFILE to the right account, or fix account_id in eventctl.toml",
        )
    settings = backend_settings(
        platform, env, identity.account, locking=locking, endpoint_url=target.endpoint_url
    )
    backend = StateBackend(
        settings,
        S3(make_client("s3", target), target.region),
        DynamoDb(make_client("dynamodb", target)),
        tags={"Project": platform.project, "ManagedBy": "eventctl", "Purpose": "terraform-state"},
    )
    return Connection(identity=identity, backend=backend)
