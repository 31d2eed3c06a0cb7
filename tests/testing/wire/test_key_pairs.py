"""Snowflake key fingerprints as the emulator computes them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.wire.key_pairs import fingerprint_of_public_key


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
