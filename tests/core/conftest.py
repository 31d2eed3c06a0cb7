"""Fixtures for core tests: RSA keys generated per session (no key material checked in)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from airflow_provider_spcs.core import credentials
from airflow_provider_spcs.core.cache import TOKEN_CACHE


@dataclass(frozen=True)
class KeyMaterial:
    key: rsa.RSAPrivateKey
    pem: str
    encrypted_pem: str
    passphrase: str
    public_der: bytes


@pytest.fixture(scope="session")
def rsa_key() -> KeyMaterial:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    passphrase = "correct horse battery"
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    ).decode()
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return KeyMaterial(key, pem, encrypted, passphrase, der)


@pytest.fixture
def b64(rsa_key: KeyMaterial) -> str:
    return base64.b64encode(rsa_key.pem.encode()).decode()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    TOKEN_CACHE.clear()
    credentials.clear_jwt_cache()
    yield
    TOKEN_CACHE.clear()
    credentials.clear_jwt_cache()
