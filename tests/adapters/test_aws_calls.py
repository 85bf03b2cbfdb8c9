"""How adapters call AWS: backoff on throttling and dropped connections, errors with hints."""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from eventctl.adapters.aws._calls import AwsError, Backoff, ThrottledError, call


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
