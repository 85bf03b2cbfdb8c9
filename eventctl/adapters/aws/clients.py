"""The one factory of AWS clients: `AwsTarget` (a region and, for emulators, an endpoint).

Every AWS call eventctl makes goes through a client made here, so an endpoint URL
(LocalStack, moto) set once reaches all of them. Errors are turned into `AwsError` by
`_calls.call`, the one request path. boto3 is imported inside the functions: the CLI's
`--help` must not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws._calls import CredentialsError, no_credentials, translate

__all__ = ["AwsTarget", "CredentialsError", "make_client"]


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
        max_attempts: int = 1,
        connect_timeout: float = 10,
        read_timeout: float = 60,
    ) -> Any:
        """A client for `service`.

        botocore's own retries are off by default (`max_attempts=1`): the adapters send every
        request through `_calls.call`, whose one backoff handles throttling and dropped
        connections, so a request is never retried twice over.

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
        from botocore import exceptions as bx  # type: ignore[import-untyped,unused-ignore]

        with _aws_configuration():
            try:
                return botocore.session.get_session().get_credentials() is not None
            except (bx.ProfileNotFound, bx.ConfigParseError):
                raise
            except bx.BotoCoreError as exc:  # an expired SSO session, a failing process
                raise translate("load the AWS credentials", exc) from None

    def require_credentials(self, purpose: str = "") -> None:
        """Refuse, before any request, when no credentials are found (CredentialsError)."""
        if not self.has_credentials():
            raise no_credentials(purpose)


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
