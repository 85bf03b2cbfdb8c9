"""The auth service's signing keys: sign access tokens, publish the public half as a JWKS.

The `kid` is the RFC 7638 thumbprint of the public key, so it changes exactly when the key does.
Outside the `local` environment a private key must be configured; locally an ephemeral key is
generated at start (tokens then die with the process).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.kit.tokens import ALGORITHM


class KeyConfigError(Exception):
    """The configured signing key is missing or unusable."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    kid = _b64(hashlib.sha256(canonical.encode()).digest())
    return {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class SigningKeys:
    def __init__(self, private_key: rsa.RSAPrivateKey, previous: list[rsa.RSAPublicKey]) -> None:
        self._private = private_key
        current = public_jwk(private_key.public_key())
        self.kid: str = current["kid"]
        self.jwks_keys = [current, *(public_jwk(key) for key in previous)]
        self.public_keys = {
            jwk["kid"]: key
            for jwk, key in zip(self.jwks_keys, [private_key.public_key(), *previous], strict=True)
        }

    @classmethod
    def load(
        cls, private_pem: str | None, previous_pems: list[str], *, allow_ephemeral: bool
    ) -> SigningKeys:
        """Keys from PEM text; an ephemeral key when none is given and that is allowed."""
        if private_pem is None:
            if not allow_ephemeral:
                raise KeyConfigError(
                    "JWT_PRIVATE_KEY is not set: outside the local environment the auth "
                    "service needs its signing key (from Secrets Manager)"
                )
            return cls(generate_private_key(), [])
        try:
            private = serialization.load_pem_private_key(private_pem.encode(), password=None)
            previous = [serialization.load_pem_public_key(p.encode()) for p in previous_pems]
        except (ValueError, TypeError):
            raise KeyConfigError(
                "JWT_PRIVATE_KEY or a previous public key is not valid PEM"
            ) from None
        if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < 2048:
            raise KeyConfigError("JWT_PRIVATE_KEY must be an RSA key of at least 2048 bits")
        if not all(isinstance(p, rsa.RSAPublicKey) for p in previous):
            raise KeyConfigError("JWT_PREVIOUS_PUBLIC_KEYS must be RSA public keys")
        return cls(private, previous)  # type: ignore[arg-type]

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        return {"keys": self.jwks_keys}
