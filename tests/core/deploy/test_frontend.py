"""`deploy frontend` against moto's S3 and CloudFront: headers per file, upload order, stale
files removed after, the invalidation of what changed waited on, --dry-run changing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from eventctl.adapters.aws.cloudfront import CloudFront
from eventctl.adapters.aws.s3 import S3Objects
from eventctl.core.deploy.frontend import apply_frontend, plan_frontend
from eventctl.errors import EventctlError
from platform_model import Platform, build_platform
from tests.helpers.frontend_env import BUILT, build_app, create_frontend

ENV = "dev"
PREFIX = "event-planner/browser"
BUCKET = "event-planner-dev-assets"


class RecordingStore(S3Objects):
    """moto's S3, remembering the order of the writes and deletes."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.calls: list[str] = []

    def put(self, bucket: str, key: str, body: bytes, **headers: str) -> None:  # type: ignore[override]
        super().put(bucket, key, body, **headers)
        self.calls.append(f"put {key}")

    def delete(self, bucket: str, keys: list[str]) -> None:
        super().delete(bucket, keys)
        self.calls += [f"delete {key}" for key in keys]


class SlowInvalidations:
    """moto's CloudFront client, except that invalidations read as InProgress twice, then as
    AWS spells completion ('Completed'; moto says 'COMPLETED')."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.looks = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def get_invalidation(self, **kwargs: Any) -> dict[str, Any]:
        response: dict[str, Any] = self.real.get_invalidation(**kwargs)
        self.looks += 1
        response["Invalidation"]["Status"] = "InProgress" if self.looks <= 2 else "Completed"
        return response


@pytest.fixture
def platform() -> Platform:
    return build_platform()


def keys(moto_server: Any) -> list[str]:
    listed = moto_server.client("s3").list_objects_v2(Bucket=BUCKET)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_a_deploy_uploads_in_order_removes_stale_files_and_waits(
    moto_server: Any, platform: Platform, tmp_path: Path
) -> None:
    distribution = create_frontend(moto_server, platform)
    s3 = moto_server.client("s3")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/main-OLD12345.js", Body=b"old")
    s3.put_object(
        Bucket=BUCKET, Key=f"{PREFIX}/favicon.ico", Body=BUILT["favicon.ico"],
        ContentType="image/x-icon", CacheControl="public, max-age=300",
    )  # fmt: skip
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/index.html", Body=b"<old>")
    s3.put_object(Bucket=BUCKET, Key="uploads/auth/avatar.png", Body=b"png")
    source = build_app(tmp_path, PREFIX)
    store = RecordingStore(s3)
    cloudfront = SlowInvalidations(moto_server.client("cloudfront", region="us-east-1"))
    cdn = CloudFront(cloudfront)
    sleeps: list[float] = []

    plan = plan_frontend(platform, ENV, source, store=store, cdn=cdn)
    done = apply_frontend(plan, store=store, cdn=cdn, timeout=600, sleep=sleeps.append)

    assert store.calls == [
        f"put {PREFIX}/main-ABCD1234.js",
        f"put {PREFIX}/media/font-0A1B2C3D.woff2",
        f"put {PREFIX}/styles-QWERTY12.css",
        f"put {PREFIX}/index.html",
        f"delete {PREFIX}/main-OLD12345.js",
    ]  # favicon.ico: same bytes and headers, not sent again
    assert plan.unchanged == 1
    assert keys(moto_server) == sorted(
        [f"{PREFIX}/{name}" for name in BUILT] + ["uploads/auth/avatar.png"]
    )
    expected = {
        "index.html": ("text/html; charset=utf-8", "no-cache"),
        "main-ABCD1234.js": (
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        "styles-QWERTY12.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
        "media/font-0A1B2C3D.woff2": ("font/woff2", "public, max-age=31536000, immutable"),
        "favicon.ico": ("image/x-icon", "public, max-age=300"),
    }
    for name, (content_type, cache_control) in expected.items():
        head = s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{name}")
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache_control), name
    # what changed or went away, as viewers ask for it behind the origin path
    assert plan.invalidation_paths == ["/", "/index.html", "/main-OLD12345.js"]
    listed = cloudfront.real.list_invalidations(DistributionId=distribution)
    assert listed["InvalidationList"]["Quantity"] == 1
    assert done.invalidation_id == listed["InvalidationList"]["Items"][0]["Id"]
    assert cloudfront.looks == 3 and len(sleeps) == 2  # waited until it completed
    assert done.done[-1] == f"invalidation {done.invalidation_id} completed"


def test_a_second_deploy_of_the_same_build_changes_nothing(
    moto_server: Any, platform: Platform, tmp_path: Path
) -> None:
    create_frontend(moto_server, platform)
    source = build_app(tmp_path, PREFIX)
    store = S3Objects(moto_server.client("s3"))
    cdn = CloudFront(moto_server.client("cloudfront", region="us-east-1"))
    apply_frontend(plan_frontend(platform, ENV, source, store=store, cdn=cdn), store=store,
                   cdn=cdn, timeout=60)  # fmt: skip

    again = plan_frontend(platform, ENV, source, store=store, cdn=cdn)

    assert again.uploads == [] and again.deletions == [] and again.invalidation_paths == []
    assert again.unchanged == len(BUILT)


def test_a_dry_run_plans_and_changes_nothing(
    moto_server: Any, platform: Platform, tmp_path: Path
) -> None:
    distribution = create_frontend(moto_server, platform)
    moto_server.client("s3").put_object(Bucket=BUCKET, Key=f"{PREFIX}/stale.js", Body=b"x")
    before = keys(moto_server)
    store = S3Objects(moto_server.client("s3"))
    cdn = CloudFront(moto_server.client("cloudfront", region="us-east-1"))

    plan = plan_frontend(platform, ENV, build_app(tmp_path, PREFIX), store=store, cdn=cdn)

    assert [u.key for u in plan.uploads][-1] == f"{PREFIX}/index.html"
    assert plan.deletions == [f"{PREFIX}/stale.js"]
    assert keys(moto_server) == before
    invalidations = moto_server.client("cloudfront", region="us-east-1").list_invalidations(
        DistributionId=distribution
    )
    assert invalidations["InvalidationList"]["Quantity"] == 0


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (None, "does not exist: there is no built web app to deploy"),
        ({}, "is empty: there is no built web app to deploy"),
        ({"main-ABCD1234.js": b"x"}, "has no index.html: the build is incomplete"),
    ],
)
def test_a_missing_or_empty_build_is_refused(
    moto_server: Any, platform: Platform, tmp_path: Path, files: Any, message: str
) -> None:
    create_frontend(moto_server, platform)
    if files is not None:
        (tmp_path / PREFIX).mkdir(parents=True)
        build_app(tmp_path, PREFIX, files)
    store = S3Objects(moto_server.client("s3"))
    cdn = CloudFront(moto_server.client("cloudfront", region="us-east-1"))

    with pytest.raises(EventctlError, match=message) as caught:
        plan_frontend(platform, ENV, tmp_path, store=store, cdn=cdn)

    assert "build the web app first" in str(caught.value.hint)
    assert keys(moto_server) == []


def test_a_distribution_that_does_not_exist_is_refused(
    moto_server: Any, platform: Platform, tmp_path: Path
) -> None:
    create_frontend(moto_server, platform)
    store = S3Objects(moto_server.client("s3"))
    cdn = CloudFront(moto_server.client("cloudfront", region="us-east-1"))
    source = build_app(tmp_path, PREFIX)

    with pytest.raises(EventctlError) as caught:
        plan_frontend(platform, ENV, source, store=store, cdn=cdn, distribution_id="E0NOPE")

    assert caught.value.message == "CloudFront distribution E0NOPE does not exist"
    assert keys(moto_server) == []


def test_no_distribution_in_front_of_the_bucket_is_refused(
    moto_server: Any, platform: Platform, tmp_path: Path
) -> None:
    moto_server.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    store = S3Objects(moto_server.client("s3"))
    cdn = CloudFront(moto_server.client("cloudfront", region="us-east-1"))

    with pytest.raises(EventctlError) as caught:
        plan_frontend(platform, ENV, build_app(tmp_path, PREFIX), store=store, cdn=cdn)

    assert caught.value.message == (
        "no CloudFront distribution serves the assets bucket event-planner-dev-assets"
    )
    assert "--distribution-id" in str(caught.value.hint)


def test_a_missing_bucket_and_the_local_environment_are_refused(
    moto_server: Any, platform: Platform, tmp_path: Path
) -> None:
    store = S3Objects(moto_server.client("s3"))
    cdn = CloudFront(moto_server.client("cloudfront", region="us-east-1"))
    source = build_app(tmp_path, PREFIX)

    with pytest.raises(EventctlError, match="the assets bucket event-planner-dev-assets does"):
        plan_frontend(platform, ENV, source, store=store, cdn=cdn)
    with pytest.raises(EventctlError, match="the local environment serves frontend_dist/"):
        plan_frontend(platform, "local", source, store=store, cdn=cdn)
