"""Fixtures for the emulator's own tests: a world on a hand-driven clock, a key-pair JWT builder and
an HTTP client.

The running emulator comes from the plugin fixtures (``spcs_emulator`` session-wide, ``spcs``
reset per test), so RSA keys are generated once per session.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from emu_helpers import FakeClock, MakeJwt

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import World


@functools.cache
def _load_key(pem: str) -> Any:
    # Parsing an RSA key validates it, which costs ~0.1 s: do it once per session.
    return serialization.load_pem_private_key(pem.encode(), password=None)


@pytest.fixture
def make_jwt(spcs: SpcsEmulator) -> MakeJwt:
    """Build a key-pair JWT for the default user; keyword arguments override parts of it."""
    default_key = _load_key(spcs.private_key_pem)

    def build(
        *,
        account: str = "MYORG-MYACCT",
        user: str = "SPCS_USER",
        fingerprint: str | None = None,
        iat: float | None = None,
        lifetime: float = 3540,
        key: Any = None,
        algorithm: str = "RS256",
        extra: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        issued = int(time.time()) if iat is None else iat
        body: dict[str, Any] = {
            "iss": f"{account}.{user}.{fingerprint or spcs.public_key_fingerprint}",
            "sub": f"{account}.{user}",
            "iat": issued,
            "exp": issued + lifetime,
        }
        body.update(claims)
        return jwt.encode(body, key or default_key, algorithm=algorithm, headers=extra)

    return build


@pytest.fixture(scope="session")
def client() -> Iterator[httpx.Client]:
    """A plain httpx client (no redirects followed, short timeout), shared: building the SSL
    context of a client costs ~0.1 s."""
    with httpx.Client(timeout=10, follow_redirects=False) as c:
        yield c


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(clock: FakeClock) -> World:
    """An empty world on the hand-driven clock."""
    return World(clock=clock)
