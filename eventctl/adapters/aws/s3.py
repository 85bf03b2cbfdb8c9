"""S3: the bucket-level settings of a state bucket, and small object reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from eventctl.adapters.aws._calls import AwsError, Backoff, call

PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
)

BucketState = Literal["owned", "missing", "foreign"]


@dataclass(frozen=True)
class ObjectCount:
    """Objects (and old versions) in a bucket, counted up to a limit."""

    objects: int
    versions: int
    truncated: bool

    @property
    def empty(self) -> bool:
        return self.objects == 0 and self.versions == 0


class S3:
    """Wraps an S3 boto3 client."""

    def __init__(self, client: Any, region: str, backoff: Backoff | None = None) -> None:
        self.client = client
        self.region = region
        self.backoff = backoff or Backoff()

    def _call(self, action: str, method: str, /, **kwargs: Any) -> Any:
        """`call()` of one client method (`method` is its snake_case name)."""
        return call(action, getattr(self.client, method), self.backoff, **kwargs)

    # -- the bucket -----------------------------------------------------------------------

    def bucket_state(self, bucket: str) -> BucketState:
        """'owned' (exists, ours to use), 'missing', or 'foreign' (exists, not accessible)."""
        try:
            response = self._call(f"HeadBucket {bucket}", "head_bucket", Bucket=bucket)
        except AwsError as exc:
            if exc.status == 404 or exc.code in ("404", "NoSuchBucket", "NotFound"):
                return "missing"
            if exc.status == 403:
                return "foreign"
            if exc.status == 301:
                found = _bucket_region(exc.response)
                raise AwsError(
                    f"S3 bucket {bucket} is in region {found or 'another region'}, "
                    f"not {self.region}",
                    hint="set `region` in eventctl.toml (or --region) to the bucket's region",
                ) from None
            raise
        found = _bucket_region(response)
        if found and found != self.region:
            raise AwsError(
                f"S3 bucket {bucket} is in region {found}, not {self.region}",
                hint="set `region` in eventctl.toml (or --region) to the bucket's region",
            )
        return "owned"

    def create_bucket(self, bucket: str) -> bool:
        """Create `bucket` in this region; False when it already existed and is ours."""
        arguments: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        hints = {
            "BucketAlreadyExists": "S3 bucket names are global and another account owns this "
            "one: set `account_id`/`project` so the name differs",
        }
        try:
            call(
                f"CreateBucket {bucket}",
                self.client.create_bucket,
                self.backoff,
                hints=hints,
                **arguments,
            )
        except AwsError as exc:
            if exc.code == "BucketAlreadyOwnedByYou":
                return False
            raise
        call(
            f"wait for S3 bucket {bucket}",
            self.client.get_waiter("bucket_exists").wait,
            self.backoff,
            Bucket=bucket,
            WaiterConfig={"Delay": 2, "MaxAttempts": 30},
        )
        return True

    def put_tags(self, bucket: str, tags: Mapping[str, str]) -> None:
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        self._call(
            f"PutBucketTagging {bucket}",
            "put_bucket_tagging",
            Bucket=bucket,
            Tagging={"TagSet": tag_set},
        )

    # -- versioning -----------------------------------------------------------------------

    def versioning(self, bucket: str) -> str:
        """'Enabled', 'Suspended' or 'Disabled' (never enabled)."""
        response = self._call(
            f"GetBucketVersioning {bucket}", "get_bucket_versioning", Bucket=bucket
        )
        return str(response.get("Status") or "Disabled")

    def enable_versioning(self, bucket: str) -> None:
        self._call(
            f"PutBucketVersioning {bucket}",
            "put_bucket_versioning",
            Bucket=bucket,
            VersioningConfiguration={"Status": "Enabled"},
        )

    # -- default encryption ---------------------------------------------------------------

    def encryption(self, bucket: str) -> str | None:
        """The default encryption algorithm ('AES256', 'aws:kms', ...), or None."""
        try:
            response = self._call(
                f"GetBucketEncryption {bucket}", "get_bucket_encryption", Bucket=bucket
            )
        except AwsError as exc:
            if exc.code == "ServerSideEncryptionConfigurationNotFoundError":
                return None
            raise
        rules = response.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        for rule in rules:
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            if default.get("SSEAlgorithm"):
                return str(default["SSEAlgorithm"])
        return None

    def encrypt_by_default(self, bucket: str, algorithm: str = "AES256") -> None:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}
        self._call(
            f"PutBucketEncryption {bucket}",
            "put_bucket_encryption",
            Bucket=bucket,
            ServerSideEncryptionConfiguration={"Rules": [rule]},
        )

    # -- public access --------------------------------------------------------------------

    def public_access_block(self, bucket: str) -> dict[str, bool]:
        """The four public-access-block flags (all False when none is configured)."""
        try:
            response = self._call(
                f"GetPublicAccessBlock {bucket}", "get_public_access_block", Bucket=bucket
            )
        except AwsError as exc:
            if exc.code == "NoSuchPublicAccessBlockConfiguration":
                return dict.fromkeys(PUBLIC_ACCESS_FLAGS, False)
            raise
        config = response.get("PublicAccessBlockConfiguration", {})
        return {flag: bool(config.get(flag, False)) for flag in PUBLIC_ACCESS_FLAGS}

    def block_public_access(self, bucket: str) -> None:
        self._call(
            f"PutPublicAccessBlock {bucket}",
            "put_public_access_block",
            Bucket=bucket,
            PublicAccessBlockConfiguration=dict.fromkeys(PUBLIC_ACCESS_FLAGS, True),
        )

    # -- bucket policy --------------------------------------------------------------------

    def policy(self, bucket: str) -> dict[str, Any] | None:
        """The bucket policy document, or None."""
        try:
            response = self._call(f"GetBucketPolicy {bucket}", "get_bucket_policy", Bucket=bucket)
        except AwsError as exc:
            if exc.code == "NoSuchBucketPolicy":
                return None
            raise
        document = json.loads(response["Policy"])
        return document if isinstance(document, dict) else None

    def put_policy(self, bucket: str, document: Mapping[str, Any]) -> None:
        self._call(
            f"PutBucketPolicy {bucket}",
            "put_bucket_policy",
            Bucket=bucket,
            Policy=json.dumps(document),
        )

    # -- lifecycle ------------------------------------------------------------------------

    def lifecycle_rules(self, bucket: str) -> list[dict[str, Any]]:
        try:
            response = self._call(
                f"GetBucketLifecycleConfiguration {bucket}",
                "get_bucket_lifecycle_configuration",
                Bucket=bucket,
            )
        except AwsError as exc:
            if exc.code == "NoSuchLifecycleConfiguration":
                return []
            raise
        return list(response.get("Rules", []))

    def put_lifecycle_rules(self, bucket: str, rules: list[dict[str, Any]]) -> None:
        self._call(
            f"PutBucketLifecycleConfiguration {bucket}",
            "put_bucket_lifecycle_configuration",
            Bucket=bucket,
            LifecycleConfiguration={"Rules": rules},
        )

    # -- objects --------------------------------------------------------------------------

    def read_json(self, bucket: str, key: str) -> Any | None:
        """The JSON object at `key`, or None when there is none."""

        def read() -> bytes:
            return bytes(self.client.get_object(Bucket=bucket, Key=key)["Body"].read())

        try:
            body = call(f"GetObject s3://{bucket}/{key}", read, self.backoff)
        except AwsError as exc:
            if exc.code in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise
        try:
            return json.loads(body)
        except ValueError:
            raise AwsError(f"s3://{bucket}/{key} is not JSON") from None

    def count_objects(self, bucket: str, *, limit: int = 1000) -> ObjectCount:
        """Current objects and old versions in `bucket`, each counted up to `limit`."""
        listed = self._call(
            f"ListObjectsV2 {bucket}", "list_objects_v2", Bucket=bucket, MaxKeys=limit
        )
        versions = self._call(
            f"ListObjectVersions {bucket}", "list_object_versions", Bucket=bucket, MaxKeys=limit
        )
        old = [v for v in versions.get("Versions", []) if not v.get("IsLatest")]
        markers = versions.get("DeleteMarkers", [])
        return ObjectCount(
            objects=int(listed.get("KeyCount", 0)),
            versions=len(old) + len(markers),
            truncated=bool(listed.get("IsTruncated") or versions.get("IsTruncated")),
        )


def _bucket_region(response: Mapping[str, Any]) -> str | None:
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = headers.get("x-amz-bucket-region") or response.get("BucketRegion")
    return str(region) if region else None


# -- objects written and listed on the one call seam (release ledger, web app upload) --------


@dataclass(frozen=True)
class StoredObject:
    """One object of a listing: its key, ETag (quotes removed) and size."""

    key: str
    etag: str
    size: int


class S3Objects:
    """Object writes, listings and deletes on one boto3 `s3` client, throttling retried."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def bucket_exists(self, bucket: str) -> bool:
        """Whether `bucket` exists and is ours to use."""
        try:
            call(f"HeadBucket {bucket}", self.client.head_bucket, self.backoff, Bucket=bucket)
        except AwsError as exc:
            if exc.code in ("404", "NoSuchBucket", "NotFound", "403", "Forbidden"):
                return False
            raise
        return True

    def put_if_absent(
        self, bucket: str, key: str, body: bytes, content_type: str = "application/json"
    ) -> bool:
        """Write `key` only if no object has it (S3 conditional write); False if one had."""
        try:
            call(
                f"PutObject s3://{bucket}/{key}",
                self.client.put_object,
                self.backoff,
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                IfNoneMatch="*",
            )
        except AwsError as exc:
            if exc.code in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def put(
        self, bucket: str, key: str, body: bytes, *, content_type: str, cache_control: str
    ) -> None:
        """Write `key` with the headers S3 (and CloudFront behind it) serves it with."""
        call(
            f"PutObject s3://{bucket}/{key}",
            self.client.put_object,
            self.backoff,
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            CacheControl=cache_control,
        )

    def get_bytes(self, bucket: str, key: str) -> bytes:
        response = call(
            f"GetObject s3://{bucket}/{key}",
            self.client.get_object,
            self.backoff,
            Bucket=bucket,
            Key=key,
        )
        return bytes(response["Body"].read())

    def list_objects(self, bucket: str, prefix: str) -> list[StoredObject]:
        """Every object under `prefix`, in key order, all pages."""
        request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        found: list[StoredObject] = []
        while True:
            response = call(
                f"ListObjectsV2 s3://{bucket}/{prefix}",
                self.client.list_objects_v2,
                self.backoff,
                **request,
            )
            found += [
                StoredObject(
                    key=str(item["Key"]),
                    etag=str(item.get("ETag", "")).strip('"'),
                    size=int(item.get("Size", 0)),
                )
                for item in response.get("Contents", [])
            ]
            token = response.get("NextContinuationToken")
            if not response.get("IsTruncated") or not token:
                return sorted(found, key=lambda o: o.key)
            request["ContinuationToken"] = token

    def head(self, bucket: str, key: str) -> dict[str, Any]:
        """HeadObject's answer (ContentType, CacheControl, ETag, ...)."""
        response: dict[str, Any] = call(
            f"HeadObject s3://{bucket}/{key}",
            self.client.head_object,
            self.backoff,
            Bucket=bucket,
            Key=key,
        )
        return response

    def delete(self, bucket: str, keys: list[str]) -> None:
        """Delete `keys`, a thousand per request; an error names the first key refused."""
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            response = call(
                f"DeleteObjects in s3://{bucket}",
                self.client.delete_objects,
                self.backoff,
                Bucket=bucket,
                Delete={"Objects": [{"Key": key} for key in chunk], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise AwsError(
                    f"DeleteObjects in s3://{bucket}: {first.get('Key')}: {first.get('Message')}",
                    code=str(first.get("Code", "")),
                )
