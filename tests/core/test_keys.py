"""Private keys: every accepted form, every rejection with its setting, fingerprint, parse-once cache."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from airflow_provider_spcs.core import keys
from airflow_provider_spcs.core.errors import SpcsConfigError

if TYPE_CHECKING:
    from tests.core.conftest import KeyMaterial


def test_fingerprint_is_sha256_of_spki_der(rsa_key: KeyMaterial) -> None:
    loaded = keys.load_private_key(content=rsa_key.pem, path=None, passphrase=None)
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(rsa_key.public_der).digest()).decode()
    assert loaded.fingerprint == expected
    assert loaded.bits == 2048
    assert rsa_key.pem not in repr(loaded)


def test_base64_of_pem_and_escaped_newlines(rsa_key: KeyMaterial, b64: str) -> None:
    a = keys.load_private_key(content=b64, path=None, passphrase=None)
    b = keys.load_private_key(content=rsa_key.pem.replace("\n", "\\n"), path=None, passphrase=None)
    assert a.fingerprint == b.fingerprint


def test_encrypted_key_with_passphrase(rsa_key: KeyMaterial) -> None:
    loaded = keys.load_private_key(content=rsa_key.encrypted_pem, path=None, passphrase=rsa_key.passphrase)
    assert loaded.fingerprint.startswith("SHA256:")


def test_file_is_parsed_once_until_it_changes(rsa_key: KeyMaterial, tmp_path: Path) -> None:
    path = tmp_path / "key.p8"
    path.write_text(rsa_key.pem)
    cache = keys.KeyCache()
    first = keys.load_private_key(content=None, path=str(path), passphrase=None, cache=cache)
    for _ in range(5):
        assert keys.load_private_key(content=None, path=str(path), passphrase=None, cache=cache) is first
    assert cache.parses == 1
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.utime(path, ns=(1, 1))
    rotated = keys.load_private_key(content=None, path=str(path), passphrase=None, cache=cache)
    assert rotated.fingerprint != first.fingerprint
    assert cache.parses == 2
    cache.clear()
    assert keys.load_private_key(content=None, path=str(path), passphrase=None, cache=cache) is not rotated


def _raises(field: str, words: str, **kwargs: object) -> SpcsConfigError:
    with pytest.raises(SpcsConfigError) as info:
        keys.load_private_key(**{"content": None, "path": None, "passphrase": None, **kwargs})  # type: ignore[arg-type]
    assert info.value.field == field, info.value
    assert words in str(info.value)
    return info.value


def test_pkcs1_is_refused_with_conversion_hint(rsa_key: KeyMaterial) -> None:
    pkcs1 = rsa_key.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    err = _raises("extra.private_key_content", "not a PKCS#8 PEM", content=pkcs1)
    assert "openssl pkcs8" in str(err)


def test_garbage_is_refused() -> None:
    _raises("extra.private_key_content", "neither PEM text nor base64", content="not a key at all!")
    _raises("extra.private_key_content", "does not decode to a PEM", content=base64.b64encode(b"hello").decode())


def test_encrypted_without_passphrase(rsa_key: KeyMaterial) -> None:
    _raises("extra.private_key_passphrase", "encrypted", content=rsa_key.encrypted_pem)


def test_wrong_passphrase(rsa_key: KeyMaterial) -> None:
    err = _raises(
        "extra.private_key_passphrase", "wrong passphrase", content=rsa_key.encrypted_pem, passphrase="nope-secret"
    )
    assert "nope-secret" not in str(err)


def test_passphrase_is_ignored_for_unencrypted_key(rsa_key: KeyMaterial) -> None:
    # the connection password doubles as passphrase fallback, so an unencrypted key must not trip on it
    assert keys.load_private_key(content=rsa_key.pem, path=None, passphrase="x").bits == 2048


def test_small_and_non_rsa_keys() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = small.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    _raises("extra.private_key_content", "at least 2048", content=pem)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    _raises("extra.private_key_content", "must be an RSA", content=pem)


def test_unreadable_file(tmp_path: Path) -> None:
    _raises("extra.private_key_file", "cannot read", path=str(tmp_path / "missing.p8"))
