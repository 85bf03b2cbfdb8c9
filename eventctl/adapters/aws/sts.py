"""STS: who the credentials belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws._calls import Backoff, call


@dataclass(frozen=True)
class CallerIdentity:
    account: str
    arn: str


class Sts:
    """Wraps an STS boto3 client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def caller_identity(self) -> CallerIdentity:
        """The account and ARN of the credentials in use (also proves they work)."""
        response = call("GetCallerIdentity", self.client.get_caller_identity, self.backoff)
        return CallerIdentity(account=str(response["Account"]), arn=str(response["Arn"]))
