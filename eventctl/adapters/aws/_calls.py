"""Calling AWS: back off on throttling, turn botocore failures into EventctlError.

Every adapter in this package sends its requests through `call()`, so throttling is handled
the same way everywhere (exponential backoff with full jitter, capped at 32 s, like the AWS
SDK guidance) and a failure reaches the user as one message with a hint, never a traceback.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eventctl.errors import EventctlError

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})

CREDENTIALS_HINT = (
    "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or log in with "
    "`aws sso login`; for the local environment point --endpoint-url at the emulator"
)


class AwsError(EventctlError):
    """An AWS request failed; `code` is the AWS error code when there was one."""

    def __init__(self, message: str, hint: str | None = None, code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class ThrottledError(AwsError):
    """AWS kept throttling a request after every retry."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits up to min(cap, base * 2**n).

    `sleep` and `rng` are injectable so tests run instantly and deterministically.
    """

    base: float = 0.25
    cap: float = 32.0
    attempts: int = 8
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delays(self) -> Iterator[float]:
        """The waits between attempts (one fewer than `attempts`)."""
        for attempt in range(self.attempts - 1):
            ceiling = min(self.cap, self.base * 2**attempt)
            yield ceiling / 2 + self.rng.uniform(0, ceiling / 2)


#: The longest wait between polls while AWS throttles them (`logs tail -f`, deploy watch).
MAX_POLL_INTERVAL = 32.0


def next_poll_interval(current: float, base: float, throttled: bool) -> float:
    """A polling loop's next wait: doubled (up to MAX_POLL_INTERVAL) while AWS throttles
    its polls, back to `base` as soon as one gets through."""
    return min(MAX_POLL_INTERVAL, current * 2) if throttled else base


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, or ''."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def call(action: str, fn: Callable[..., T], backoff: Backoff, /, **kwargs: Any) -> T:
    """`fn(**kwargs)`, retried while AWS throttles; failures become AwsError.

    `action` names the request for messages ("FilterLogEvents on /ecs/...").
    """
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    transient = (ConnectionClosedError, EndpointConnectionError, ReadTimeoutError)
    delays = backoff.delays()
    while True:
        try:
            return fn(**kwargs)
        except ClientError as exc:
            if not is_throttling(exc):
                raise translate(action, exc) from None
            delay = next(delays, None)
            if delay is None:
                raise ThrottledError(
                    f"{action}: AWS is still throttling after {backoff.attempts} attempts",
                    hint="wait a minute and retry, or ask for fewer log groups at once",
                    code=error_code(exc),
                ) from None
            backoff.sleep(delay)
        except transient as exc:
            delay = next(delays, None)
            if delay is None:
                raise translate(action, exc) from None
            backoff.sleep(delay)
        except BotoCoreError as exc:
            raise translate(action, exc) from None


def translate(action: str, exc: BaseException) -> AwsError:
    """An AwsError with a hint for a botocore ClientError or BotoCoreError."""
    from botocore.exceptions import (
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    code = error_code(exc)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError) or code in CREDENTIAL_CODES:
        return AwsError(f"{action}: AWS credentials missing or invalid", CREDENTIALS_HINT, code)
    if isinstance(exc, EndpointConnectionError):
        return AwsError(
            f"{action}: cannot reach {exc.kwargs.get('endpoint_url', 'the AWS endpoint')}",
            hint="check the network, --endpoint-url / AWS_ENDPOINT_URL and --region",
        )
    if isinstance(exc, NoRegionError):
        return AwsError(f"{action}: no AWS region", hint="pass --region or set it in settings")
    if code in DENIED_CODES:
        return AwsError(
            f"{action}: access denied",
            hint="the caller's IAM policy must allow this request (see docs/observability.md)",
            code=code,
        )
    message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", "")) or str(exc)
    return AwsError(f"{action}: {code or type(exc).__name__}: {message}", code=code)
