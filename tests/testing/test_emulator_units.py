"""In-process checks of the emulator's building blocks (tokens, faults, keys, helpers)."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from cryptography.hazmat.primitives import serialization

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.faults import FaultInjector, Stats
from airflow_provider_spcs.testing.keys import fingerprint_of_public_key
from airflow_provider_spcs.testing.oauth import parse_scope
from airflow_provider_spcs.testing.tokens import TokenError, TokenIssuer


def test_fingerprint_is_base64_sha256_of_spki_der(spcs_emulator: SpcsEmulator) -> None:
    public_pem = spcs_emulator.key_pair.public_key_pem
    der = serialization.load_pem_public_key(public_pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    assert fingerprint_of_public_key(public_pem) == expected == spcs_emulator.public_key_fingerprint


def test_fingerprint_agrees_with_the_provider_client(spcs_emulator: SpcsEmulator) -> None:
    from airflow_provider_spcs.core.keys import public_key_fingerprint

    key = serialization.load_pem_private_key(spcs_emulator.private_key_pem.encode(), password=None)
    assert public_key_fingerprint(key) == spcs_emulator.public_key_fingerprint  # type: ignore[arg-type]


def test_token_issuer_checks_kind_expiry_and_signature() -> None:
    now = [1000.0]
    issuer = TokenIssuer(lambda: now[0])
    token = issuer.mint("ingress", user="U", role="R", host="127.0.0.1:1", lifetime=10)
    claims = issuer.verify(token, ("ingress",))
    assert (claims.user, claims.role, claims.host, claims.expires_at) == ("U", "R", "127.0.0.1:1", 1010.0)
    with pytest.raises(TokenError, match="cannot be used here"):
        issuer.verify(token, ("session",))
    now[0] = 1010.0
    with pytest.raises(TokenError) as expired:
        issuer.verify(token, ("ingress",))
    assert expired.value.expired
    assert TokenIssuer(lambda: 0.0).peek(token) is None  # another emulator's secret


def test_fault_injector_consumes_in_order() -> None:
    faults = FaultInjector()
    faults.inject("ingress", status=429, count=2)
    faults.inject("ingress", status=503)
    taken = [faults.take("ingress") for _ in range(4)]
    assert [f.status if f else None for f in taken] == [429, 429, 503, None]
    with pytest.raises(ValueError, match="count"):
        faults.inject("ingress", count=0)


def test_stats_snapshot_is_a_copy() -> None:
    stats = Stats()
    stats.count_request("sql_api")
    stats.incr("exchanges", 2)
    snapshot = stats.snapshot()
    stats.count_request("sql_api")
    assert snapshot["requests"] == {"sql_api": 1}
    assert snapshot["exchanges"] == 2


@pytest.mark.parametrize(
    ("scope", "role", "rest"),
    [
        ("session:role:ANALYST host:1", "ANALYST", ["host:1"]),
        ("host:1", None, ["host:1"]),
        ("  host:1   session:role:R  ", "R", ["host:1"]),
    ],
)
def test_parse_scope(scope: str, role: str | None, rest: list[str]) -> None:
    assert parse_scope(scope) == (role, rest)


def test_mint_helpers(spcs_emulator: SpcsEmulator) -> None:
    claims = spcs_emulator.state.issuer.verify(spcs_emulator.mint_session_token(), ("spcs",))
    assert claims.user == "SPCS_USER"
    assert claims.role == "SPCS_ROLE"
    assert claims.expires_at > time.time() + 3000
    with pytest.raises(KeyError):
        spcs_emulator.mint_session_token("NO_SUCH_USER")
