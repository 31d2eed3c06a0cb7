"""RSA key helpers for the emulator: generate key pairs, compute Snowflake fingerprints.

Generating an RSA-2048 key takes tens of milliseconds, so the default user's key is generated once
per process and shared by every emulator instance (tests start many emulators).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair as PEM text plus its Snowflake fingerprint (``SHA256:<base64>``)."""

    private_key_pem: str
    public_key_pem: str
    fingerprint: str

    def encrypted_private_key_pem(self, passphrase: str) -> str:
        """The same private key as an encrypted PKCS#8 PEM (``BEGIN ENCRYPTED PRIVATE KEY``)."""
        key = serialization.load_pem_private_key(self.private_key_pem.encode(), password=None)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        ).decode()


def generate_key_pair(key_size: int = 2048) -> KeyPair:
    """Generate a fresh RSA key pair (PKCS#8 unencrypted private key, SPKI public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, public_pem, fingerprint_of_public_key(public_pem))


@functools.cache
def shared_key_pair() -> KeyPair:
    """A key pair generated once per process (key generation is the slow part)."""
    return generate_key_pair()


def load_public_key(public_key_pem: str) -> PublicKeyTypes:
    """Parse a PEM public key (SubjectPublicKeyInfo)."""
    return serialization.load_pem_public_key(public_key_pem.encode())


def fingerprint_of_public_key(public_key_pem: str) -> str:
    """Snowflake's key fingerprint: ``SHA256:`` + standard base64 of SHA-256 over the SPKI DER bytes."""
    der = load_public_key(public_key_pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
