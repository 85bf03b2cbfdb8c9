"""STS: who the credentials belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventctl.adapters.aws.clients import aws_call


@dataclass(frozen=True)
class CallerIdentity:
    account: str
    arn: str


class Sts:
    """Wraps an STS boto3 client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def caller_identity(self) -> CallerIdentity:
        """The account and ARN of the credentials in use (also proves they work)."""
        with aws_call("check the AWS credentials (sts:GetCallerIdentity)"):
            response = self.client.get_caller_identity()
        return CallerIdentity(account=str(response["Account"]), arn=str(response["Arn"]))
