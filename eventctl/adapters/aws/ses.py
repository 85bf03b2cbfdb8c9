"""SES: the sending identity of a domain."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws._calls import Backoff, call


class Ses:
    """The SES calls the local environment needs, on one boto3 `ses` client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def ensure_domain_identity(self, domain: str) -> None:
        """Register `domain` as a sending identity (an emulator verifies it at once)."""
        call(
            f"VerifyDomainIdentity {domain}",
            self.client.verify_domain_identity,
            self.backoff,
            Domain=domain,
        )

    def identities(self) -> list[str]:
        response = call("ListIdentities", self.client.list_identities, self.backoff)
        return [str(identity) for identity in response.get("Identities", [])]
