"""Fixtures for core tests: RSA keys generated per session (no key material checked in), and runners
that send through an ``httpx.MockTransport`` with a process state of their own."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from airflow_provider_spcs.core.clients import ClientPool
from airflow_provider_spcs.core.credentials import Credential
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.secrets import add_secret_sink, remove_secret_sink
from airflow_provider_spcs.core.tokens import SYSTEM_CLOCK, Clock

Handler = Callable[[httpx.Request], httpx.Response]
MockRunner = Callable[..., Runner]


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


@pytest.fixture
def mock_runner() -> MockRunner:
    """``mock_runner(credential, handler, clock=...)``: a runner whose requests go to ``handler``
    (sync and async), with a fresh process state (its own token cache and clients)."""

    def build(credential: Credential, handler: Handler, *, clock: Clock = SYSTEM_CLOCK) -> Runner:
        transport = httpx.MockTransport(handler)
        clients = ClientPool(transport=transport, async_transport=transport)
        return Runner(credential, process=ProcessState(clock=clock, clients=clients))

    return build


@pytest.fixture
def heard() -> Iterator[list[str]]:
    """Every value reported to the masker during the test (a sink of its own)."""
    seen: list[str] = []
    add_secret_sink(seen.append)
    yield seen
    remove_secret_sink(seen.append)
