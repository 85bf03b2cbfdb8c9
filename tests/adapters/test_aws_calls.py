"""How adapters call AWS: backoff on throttling and dropped connections, errors with hints."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from eventctl.adapters.aws._calls import AwsError, Backoff, CredentialsError, ThrottledError, call
from eventctl.adapters.aws.clients import AwsTarget


def client_error(code: str, message: str = "nope") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DescribeServices")


class Flaky:
    """Fails with the given exceptions, in order, then returns 'done'."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self, **_: Any) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    delays = list(Backoff(base=1, cap=8, attempts=7, rng=random.Random(1)).delays())
    assert len(delays) == 6
    ceilings = [1, 2, 4, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))


def test_throttling_is_retried_until_it_passes() -> None:
    slept: list[float] = []
    fn = Flaky(client_error("ThrottlingException"), client_error("TooManyRequestsException"))
    assert call("x", fn, Backoff(sleep=slept.append)) == "done"
    assert fn.calls == 3 and len(slept) == 2


def test_persistent_throttling_becomes_a_throttled_error() -> None:
    fn = Flaky(*(client_error("Throttling") for _ in range(5)))
    with pytest.raises(ThrottledError, match="still throttling after 3 attempts"):
        call("DescribeServices", fn, Backoff(attempts=3, sleep=lambda _: None))
    assert fn.calls == 3


def test_a_dropped_connection_is_retried_then_explained() -> None:
    dropped = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    assert call("x", Flaky(dropped), Backoff(sleep=lambda _: None)) == "done"
    with pytest.raises(AwsError, match=r"cannot reach http://127\.0\.0\.1:9") as caught:
        call("x", Flaky(dropped, dropped), Backoff(attempts=2, sleep=lambda _: None))
    assert caught.value.hint and "--endpoint-url" in caught.value.hint


@pytest.mark.parametrize(
    ("failure", "message", "hint"),
    [
        (NoCredentialsError(), "credentials missing or invalid", "AWS_PROFILE"),
        (client_error("ExpiredTokenException"), "credentials missing or invalid", "sso"),
        (client_error("AccessDeniedException"), "access denied", "IAM policy"),
    ],
)
def test_failures_become_errors_with_a_hint(
    failure: BaseException, message: str, hint: str
) -> None:
    with pytest.raises(AwsError) as caught:
        call("DescribeServices", Flaky(failure), Backoff())
    assert message in caught.value.message
    assert caught.value.hint and hint in caught.value.hint


def test_other_errors_keep_the_aws_code_and_message() -> None:
    with pytest.raises(AwsError) as caught:
        call("DescribeServices", Flaky(client_error("InvalidParameterException", "bad")), Backoff())
    assert caught.value.code == "InvalidParameterException"
    assert caught.value.message == "DescribeServices: InvalidParameterException: bad"


def test_a_request_s_hints_say_what_a_code_means_for_it() -> None:
    hints = {"AccessDeniedException": "needs pricing:GetProducts", "BucketAlreadyExists": "taken"}
    with pytest.raises(AwsError) as denied:
        call("GetProducts", Flaky(client_error("AccessDeniedException")), Backoff(), hints=hints)
    assert denied.value.message == "GetProducts: access denied (AccessDeniedException): nope"
    assert denied.value.hint == "needs pricing:GetProducts"
    with pytest.raises(AwsError) as taken:
        call("CreateBucket b", Flaky(client_error("BucketAlreadyExists")), Backoff(), hints=hints)
    assert (taken.value.code, taken.value.hint) == ("BucketAlreadyExists", "taken")
    throttled = Flaky(*(client_error("ThrottlingException") for _ in range(2)))
    hints = {"ThrottlingException": "run it again later"}
    with pytest.raises(ThrottledError) as slow:
        call("x", throttled, Backoff(attempts=2, sleep=lambda _: None), hints=hints)
    assert slow.value.hint == "run it again later"


def test_hints_reach_fn_only_as_hints() -> None:
    seen: dict[str, Any] = {}

    def fn(**kwargs: Any) -> str:
        seen.update(kwargs)
        return "done"

    assert call("x", fn, Backoff(), hints={"A": "b"}, Bucket="b") == "done"
    assert seen == {"Bucket": "b"}


@pytest.mark.parametrize(
    ("code", "why"),
    [("ExpiredToken", "have expired"), ("InvalidClientTokenId", "AWS rejected them")],
)
def test_credential_failures_are_credentials_errors(code: str, why: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        call("GetCallerIdentity", Flaky(client_error(code)), Backoff())
    assert "AWS credentials missing or invalid" in caught.value.message
    assert why in caught.value.message and caught.value.code == code


def test_an_error_keeps_the_status_and_response_for_the_adapter() -> None:
    failure = ClientError(
        {
            "Error": {"Code": "301", "Message": "Moved"},
            "ResponseMetadata": {"HTTPStatusCode": 301, "HTTPHeaders": {"x": "y"}},
        },
        "HeadBucket",
    )
    with pytest.raises(AwsError) as caught:
        call("HeadBucket b", Flaky(failure), Backoff())
    assert caught.value.status == 301
    assert caught.value.response["ResponseMetadata"]["HTTPHeaders"] == {"x": "y"}


def test_a_target_without_credentials_refuses_before_any_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    target = AwsTarget(region="eu-west-1", endpoint_url="http://127.0.0.1:9")
    with pytest.raises(CredentialsError) as caught:
        target.require_credentials("ce")
    assert caught.value.message == "no AWS credentials found for ce"
    assert caught.value.hint and caught.value.hint.startswith("set AWS_PROFILE")
    AwsTarget(region="eu-west-1", static_credentials=("local", "local")).require_credentials()
