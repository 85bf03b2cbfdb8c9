"""boto3 clients for one region/endpoint, and AWS errors turned into EventctlError.

Every AWS call eventctl makes goes through a client made by `AwsTarget.client`, so an
endpoint URL (LocalStack, moto) set once reaches all of them. boto3 is imported inside the
functions: the CLI's `--help` must not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eventctl.errors import EventctlError

CREDENTIALS_HINT = (
    "set AWS_PROFILE (after `aws sso login` or `aws configure`), or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY"
)
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_REJECTED = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "InvalidToken",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "AuthorizationError", "Forbidden"}


class CredentialsError(EventctlError):
    """No AWS credentials, expired ones, or ones AWS does not accept."""


class AwsError(EventctlError):
    """An AWS API call failed; `code` is AWS's error code when there is one."""

    def __init__(self, message: str, hint: str | None = None, code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


@dataclass(frozen=True)
class AwsTarget:
    """Where AWS calls go: a region and, for emulators, an endpoint URL.

    `static_credentials` are used only when given (the local environment's emulator takes any
    key); otherwise botocore's usual chain (profile, variables, SSO, instance role) applies.
    """

    region: str
    endpoint_url: str | None = None
    static_credentials: tuple[str, str] | None = None

    def client(
        self,
        service: str,
        *,
        max_attempts: int = 8,
        connect_timeout: float = 10,
        read_timeout: float = 60,
    ) -> Any:
        """A client for `service`; botocore's standard retries back off on throttling.

        Built with botocore directly: the same client boto3 would make, without importing
        boto3's resource layer and s3transfer (a tenth of a second at every start).
        """
        import botocore.session  # type: ignore[import-untyped,unused-ignore]
        from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]

        config = Config(
            region_name=self.region,
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            user_agent_extra="eventctl",
        )
        kwargs: dict[str, Any] = {"config": config, "region_name": self.region}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        if self.static_credentials:
            kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"] = self.static_credentials
        with _aws_configuration():
            return botocore.session.get_session().create_client(service, **kwargs)

    def has_credentials(self) -> bool:
        """Whether a call would be signed: static credentials, or the usual chain finds some."""
        if self.static_credentials:
            return True
        import botocore.session  # type: ignore[import-untyped,unused-ignore]

        with _aws_configuration():
            return botocore.session.get_session().get_credentials() is not None


@contextmanager
def _aws_configuration() -> Iterator[None]:
    """A profile that does not exist or an unreadable ~/.aws/config: one line, not a traceback."""
    from botocore import exceptions  # type: ignore[import-untyped,unused-ignore]

    try:
        yield
    except exceptions.ProfileNotFound as exc:
        profile = exc.kwargs.get("profile", "")
        raise CredentialsError(
            f"the AWS profile {profile!r} is not configured on this machine",
            hint="list the profiles with `aws configure list-profiles`, or unset AWS_PROFILE "
            "and set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ) from None
    except exceptions.ConfigParseError as exc:
        raise CredentialsError(
            f"cannot read the AWS configuration: {exc}",
            hint="fix the file (or point AWS_CONFIG_FILE at another one)",
        ) from None


def make_client(service: str, target: AwsTarget) -> Any:
    """A client whose adapter retries throttling and dropped connections itself.

    botocore's retries are off so a call is not retried twice over, with a backoff the
    adapters' tests can drive; timeouts are short because those adapters poll.
    """
    return target.client(service, max_attempts=1, connect_timeout=5, read_timeout=30)


def client_error() -> type[Exception]:
    """botocore's ClientError class (imported on first use)."""
    from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

    return ClientError  # type: ignore[no-any-return,unused-ignore]


def error_code(exc: BaseException) -> str:
    """AWS's error code of a botocore ClientError ('' for anything else)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, Mapping):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def translate(exc: Exception, action: str, hints: Mapping[str, str] | None = None) -> Exception:
    """The EventctlError for a boto3/botocore exception raised while doing `action`.

    Anything that is not an AWS error is returned unchanged.
    """
    from botocore import exceptions as bx  # type: ignore[import-untyped,unused-ignore]

    if isinstance(exc, bx.NoCredentialsError):
        return CredentialsError("no AWS credentials found", hint=CREDENTIALS_HINT)
    if isinstance(exc, bx.PartialCredentialsError):
        return CredentialsError(f"incomplete AWS credentials: {exc}", hint=CREDENTIALS_HINT)
    if isinstance(
        exc, bx.TokenRetrievalError | bx.UnauthorizedSSOTokenError | bx.SSOTokenLoadError
    ):
        return CredentialsError(
            "the AWS SSO session has expired", hint="run `aws sso login` and try again"
        )
    if isinstance(exc, bx.CredentialRetrievalError):
        return CredentialsError(f"cannot load AWS credentials: {exc}", hint=CREDENTIALS_HINT)
    if isinstance(exc, bx.EndpointConnectionError):
        return AwsError(
            f"cannot reach AWS while trying to {action}: {exc}",
            hint="check the region, the network, and --endpoint-url / AWS_ENDPOINT_URL",
        )
    if not isinstance(exc, bx.ClientError):
        return exc
    code = error_code(exc)
    message = str(exc.response.get("Error", {}).get("Message", "") or exc)
    if code in _EXPIRED:
        return CredentialsError(
            "the AWS credentials have expired",
            hint="refresh them (`aws sso login`, or a new session token) and try again",
        )
    if code in _REJECTED:
        return CredentialsError(
            f"AWS rejected the credentials ({code}): {message}", hint=CREDENTIALS_HINT
        )
    hint = (hints or {}).get(code)
    if hint is None and code in _DENIED:
        hint = f"the AWS identity in use needs permission to {action}"
    return AwsError(f"cannot {action}: {code or 'error'}: {message}", hint=hint, code=code)


@contextmanager
def aws_call(action: str, hints: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run AWS calls; their errors leave as EventctlError naming `action`."""
    try:
        yield
    except EventctlError:
        raise
    except Exception as exc:
        translated = translate(exc, action, hints)
        if translated is exc:
            raise
        raise translated from None
