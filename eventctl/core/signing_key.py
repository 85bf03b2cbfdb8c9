"""The token issuer's signing key in AWS: an RSA private key kept in Secrets Manager.

The auth service signs RS256 access tokens with it (`JWT_PRIVATE_KEY`, injected by ECS). The
Terraform creates the secret without a value: the AWS provider cannot make an RSA key, and one
made by the tls provider would be written into the state. `eventctl env up` fills it once with
a key made here; the key never passes through the state, a rendered file, an output or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from eventctl.errors import EventctlError
from platform_model import Platform
from platform_model.catalog import JWT_SIGNING_KEY_SECRET

KEY_BITS = 2048
# The same token from every writer: a second `env up` racing the first cannot store a second key.
FIRST_KEY_REQUEST = "eventctl-signing-key-initial-value-0001"


class SecretStore(Protocol):
    def has_current_value(self, secret_id: str) -> bool: ...

    def put_first_value(self, secret_id: str, value: str, request_token: str) -> bool: ...


@dataclass(frozen=True)
class SigningKeyResult:
    secret: str
    created: bool
    """True when this call stored the key; False when the secret already held one."""


def new_private_key_pem() -> str:
    """A fresh RSA private key (PKCS#8 PEM), the form the auth service loads."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        raise EventctlError(
            "making the token signing key needs the 'cryptography' package",
            hint="install eventctl with the services extra: pip install 'eventctl[services]'",
        ) from None
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def signing_key_secret(platform: Platform, env: str) -> str:
    """Name of the secret that holds the signing key of `env`."""
    return platform.names(env).secret(JWT_SIGNING_KEY_SECRET)


def ensure_signing_key(store: SecretStore, platform: Platform, env: str) -> SigningKeyResult:
    """Store a new signing key in `env`'s secret unless it already holds one."""
    from eventctl.adapters.aws._calls import AwsError

    secret = signing_key_secret(platform, env)
    try:
        if store.has_current_value(secret):
            return SigningKeyResult(secret, created=False)
    except AwsError as exc:
        if exc.code != "ResourceNotFoundException":
            raise
        raise EventctlError(
            f"the token signing key's secret {secret} does not exist in {env}",
            hint="the Terraform creates it (module security): run `eventctl env up "
            f"{env}` again once the apply has succeeded",
        ) from None
    created = store.put_first_value(secret, new_private_key_pem(), FIRST_KEY_REQUEST)
    return SigningKeyResult(secret, created=created)
