"""Secrets Manager: create or update a secret's value. Values never reach messages, and
nothing here reads one back."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call


class SecretsManager:
    """The Secrets Manager calls eventctl makes, on one boto3 client."""

    def __init__(self, client: Any, backoff: Backoff | None = None) -> None:
        self.client = client
        self.backoff = backoff or Backoff()

    def put(self, name: str, value: str, description: str = "") -> bool:
        """Store `value` under `name`; True when the secret was created, False when updated."""
        try:
            call(
                f"CreateSecret {name}",
                self.client.create_secret,
                self.backoff,
                Name=name,
                SecretString=value,
                Description=description,
            )
            return True
        except AwsError as exc:
            if exc.code != "ResourceExistsException":
                raise
        call(
            f"PutSecretValue {name}",
            self.client.put_secret_value,
            self.backoff,
            SecretId=name,
            SecretString=value,
        )
        return False

    def has_current_value(self, secret_id: str) -> bool:
        """Whether the existing secret `secret_id` has a current value (its value is not read)."""
        described = call(
            f"DescribeSecret {secret_id}",
            self.client.describe_secret,
            self.backoff,
            SecretId=secret_id,
        )
        stages = described.get("VersionIdsToStages") or {}
        return any("AWSCURRENT" in labels for labels in stages.values())

    def put_first_value(self, secret_id: str, value: str, request_token: str) -> bool:
        """Give the existing secret `secret_id` its value, once.

        `request_token` makes the write idempotent: when another writer already stored a
        different value under the same token, AWS refuses, and this returns False.
        """
        try:
            call(
                f"PutSecretValue {secret_id}",
                self.client.put_secret_value,
                self.backoff,
                SecretId=secret_id,
                SecretString=value,
                ClientRequestToken=request_token,
            )
        except AwsError as exc:
            if exc.code != "ResourceExistsException":
                raise
            return False
        return True
