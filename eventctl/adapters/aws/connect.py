"""boto3 clients for one environment: region, optional endpoint (an emulator), retry policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AwsTarget:
    """Where AWS requests go. `endpoint_url` set means an emulator (moto) or a proxy.

    `static_credentials` are used only when given (the local environment's emulator takes
    any key); otherwise boto3's usual chain (profile, variables, SSO, instance role) applies.
    """

    region: str
    endpoint_url: str | None = None
    static_credentials: tuple[str, str] | None = None


def make_client(service: str, target: AwsTarget) -> Any:
    """A boto3 client for `service`.

    botocore's own retries are off: the adapters retry throttling and dropped connections
    themselves (`_calls.call`), with a backoff that tests can drive, instead of twice over.
    """
    # botocore directly: the same client boto3 would make, without importing boto3's
    # resource layer and s3transfer (a tenth of a second at every start).
    import botocore.session
    from botocore.config import Config

    config = Config(
        region_name=target.region,
        retries={"mode": "standard", "max_attempts": 1},
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra="eventctl",
    )
    kwargs: dict[str, Any] = {"config": config, "region_name": target.region}
    if target.endpoint_url:
        kwargs["endpoint_url"] = target.endpoint_url
    if target.static_credentials:
        kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"] = target.static_credentials
    return botocore.session.get_session().create_client(service, **kwargs)
