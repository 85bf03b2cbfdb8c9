"""Calling AWS: back off on throttling, turn botocore failures into one error family.

Every adapter in this package sends its requests through `call()`, so throttling is handled
the same way everywhere (exponential backoff with full jitter, capped at 32 s, like the AWS
SDK guidance) and a failure reaches the user as one message with a hint, never a traceback.
`translate()` is the only place a botocore exception becomes an `AwsError`; a caller that
knows what an AWS error code means for its request passes `hints={code: hint}`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
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
EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
REJECTED_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "InvalidToken",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "Forbidden",
    }
)

CREDENTIALS_HINT = (
    "set AWS_PROFILE (after `aws sso login` or `aws configure`), or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY"
)
EXPIRED_HINT = "refresh them (`aws sso login`, or a new session token) and try again"
DENIED_HINT = "the caller's IAM policy must allow this request"
THROTTLED_HINT = "wait a minute and retry"

Hints = Mapping[str, str]
"""What an AWS error code means for one request: {code: hint}."""


class AwsError(EventctlError):
    """An AWS request failed; `code` is the AWS error code, `status` the HTTP status and
    `response` botocore's error response, when there were any."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        code: str = "",
        status: int | None = None,
        response: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.code = code
        self.status = status
        self.response: Mapping[str, Any] = response or {}


class CredentialsError(AwsError):
    """No AWS credentials, expired ones, ones AWS does not accept, or an unreadable profile."""


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
    if not isinstance(response, Mapping):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a botocore ClientError, or None."""
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def call(
    action: str,
    fn: Callable[..., T],
    backoff: Backoff,
    /,
    *,
    hints: Hints | None = None,
    **kwargs: Any,
) -> T:
    """`fn(**kwargs)`, retried while AWS throttles or a connection drops; failures become
    AwsError (CredentialsError for credential failures, ThrottledError when retries run out).

    `action` names the request for messages ("FilterLogEvents on /ecs/..."); `hints` gives
    the hint for an AWS error code this request can meet. AWS parameters are CamelCase, so
    `hints` never clashes with them.
    """
    from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
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
                raise translate(action, exc, hints) from None
            delay = next(delays, None)
            if delay is None:
                code = error_code(exc)
                raise ThrottledError(
                    f"{action}: AWS is still throttling after {backoff.attempts} attempts",
                    hint=(hints or {}).get(code, THROTTLED_HINT),
                    code=code,
                ) from None
            backoff.sleep(delay)
        except transient as exc:
            delay = next(delays, None)
            if delay is None:
                raise translate(action, exc, hints) from None
            backoff.sleep(delay)
        except BotoCoreError as exc:
            raise translate(action, exc, hints) from None


def translate(action: str, exc: BaseException, hints: Hints | None = None) -> AwsError:
    """The AwsError, with a hint, for a botocore ClientError or BotoCoreError."""
    from botocore import exceptions as bx  # type: ignore[import-untyped,unused-ignore]

    credentials = _credentials_error(action, exc)
    if credentials is not None:
        return credentials
    if isinstance(exc, bx.EndpointConnectionError):
        return AwsError(
            f"{action}: cannot reach {exc.kwargs.get('endpoint_url', 'the AWS endpoint')}",
            hint="check the network, --endpoint-url / AWS_ENDPOINT_URL and --region",
        )
    if isinstance(exc, bx.NoRegionError):
        return AwsError(f"{action}: no AWS region", hint="pass --region or set it in settings")
    code, status = error_code(exc), http_status(exc)
    response = getattr(exc, "response", None)
    response = response if isinstance(response, Mapping) else {}
    message = str(response.get("Error", {}).get("Message", "")) or str(exc)
    hint = (hints or {}).get(code)
    if code in DENIED_CODES:
        message, hint = f"access denied ({code}): {message}", hint or DENIED_HINT
    else:
        message = f"{code or type(exc).__name__}: {message}"
    return AwsError(f"{action}: {message}", hint, code, status, response)


def _credentials_error(action: str, exc: BaseException) -> CredentialsError | None:
    """A CredentialsError when `exc` is about the credentials rather than the request."""
    from botocore import exceptions as bx  # type: ignore[import-untyped,unused-ignore]

    invalid = f"{action}: AWS credentials missing or invalid"
    code = error_code(exc)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return CredentialsError(invalid, CREDENTIALS_HINT)
    if isinstance(
        exc, bx.TokenRetrievalError | bx.UnauthorizedSSOTokenError | bx.SSOTokenLoadError
    ):
        return CredentialsError(
            f"{invalid} (the AWS SSO session has expired)", "run `aws sso login` and try again"
        )
    if isinstance(exc, bx.CredentialRetrievalError):
        return CredentialsError(f"{invalid} (cannot load them: {exc})", CREDENTIALS_HINT)
    if code in EXPIRED_CODES:
        return CredentialsError(f"{invalid} (the AWS credentials have expired)", EXPIRED_HINT, code)
    if code in REJECTED_CODES:
        return CredentialsError(f"{invalid} (AWS rejected them: {code})", CREDENTIALS_HINT, code)
    return None


def no_credentials(purpose: str = "") -> CredentialsError:
    """The error for a command that found no credentials before making any request."""
    suffix = f" for {purpose}" if purpose else ""
    return CredentialsError(f"no AWS credentials found{suffix}", CREDENTIALS_HINT)
