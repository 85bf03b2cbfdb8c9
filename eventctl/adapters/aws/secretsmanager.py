"""Secrets Manager: create or update a secret's value. Values never reach messages."""

from __future__ import annotations

from typing import Any

from eventctl.adapters.aws._calls import AwsError, Backoff, call


class SecretsManager:
    """The Secrets Manager calls the local environment needs, on one boto3 client."""

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
