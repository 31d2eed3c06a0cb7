"""Private keys for key-pair auth: load PEM text, base64 of PEM, or a file; fingerprint the public half.

Parsing an RSA key is slow-ish and the key rarely changes, so each distinct key (by content hash,
or by path + mtime + size + content hash) is parsed once and kept in a :class:`KeyCache` (the
process state's, see :mod:`.process`): a rotated key file has a new mtime or content, so it is
parsed again on the next credential set-up.

A key is checked by :func:`check_rsa_numbers` rather than by OpenSSL's own check at load time: that
one tests both primes thoroughly and holds the GIL the whole time (about 0.1 s for a 2048-bit key
on a small machine), so even in a worker thread it would stall the triggerer's event loop. The
arithmetic checks here find a damaged key as surely, and the loop gets the interpreter back
between each big-number step.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.files import read_small_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPrivateNumbers

MIN_RSA_BITS = 2048
MAX_KEY_FILE_BYTES = 64 * 1024
"""Largest ``private_key_file`` read: a 16384-bit RSA key in PEM is under 13 KB."""
KEY_FILE_WHAT = "a PEM private key file"


@dataclass(frozen=True)
class LoadedKey:
    """A parsed RSA private key and its Snowflake fingerprint (``SHA256:<base64>``)."""

    private_key: RSAPrivateKey = field(repr=False)
    fingerprint: str
    bits: int


def public_key_fingerprint(private_key: RSAPrivateKey) -> str:
    """``SHA256:`` + standard base64 of SHA-256 over the DER SubjectPublicKeyInfo of the public key."""
    from cryptography.hazmat.primitives import serialization

    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def check_rsa_numbers(numbers: RSAPrivateNumbers) -> bool:
    """Whether an RSA private key's numbers belong together (RFC 8017, section 3.2).

    ``n = p*q``; ``e`` odd, between 3 and ``n``; ``d*e = 1`` modulo ``lcm(p-1, q-1)``; the CRT
    values ``d mod (p-1)``, ``d mod (q-1)`` and ``q^-1 mod p``; and ``p``, ``q`` pass a Fermat
    test. A key damaged anywhere fails one of them; signing with such a key would give wrong
    signatures, or worse.
    """
    p, q, d = numbers.p, numbers.q, numbers.d
    e, n = numbers.public_numbers.e, numbers.public_numbers.n
    if p < 3 or q < 3 or p * q != n or e % 2 == 0 or not 3 <= e < n or not 0 < d < n:
        return False
    if (d * e) % math.lcm(p - 1, q - 1) != 1:
        return False
    if numbers.dmp1 != d % (p - 1) or numbers.dmq1 != d % (q - 1) or (numbers.iqmp * q) % p != 1:
        return False
    return pow(2, p - 1, p) == 1 and pow(2, q - 1, q) == 1


def _pem_bytes(content: str, field_name: str) -> bytes:
    text = content.strip()
    if len(text) > 2 * MAX_KEY_FILE_BYTES:  # base64 of the largest PEM is 4/3 of it
        raise SpcsConfigError(field_name, "is far larger than any PEM private key; paste the key itself")
    if text.startswith("-----BEGIN"):
        # Connection forms sometimes flatten newlines into literal "\n".
        return text.replace("\\n", "\n").encode()
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SpcsConfigError(field_name, "is neither PEM text nor base64 of a PEM") from None
    if not decoded.lstrip().startswith(b"-----BEGIN"):
        raise SpcsConfigError(field_name, "base64 content does not decode to a PEM key") from None
    return decoded.strip()


def _parse(pem: bytes, passphrase: str | None, field_name: str) -> LoadedKey:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    header = pem.split(b"\n", 1)[0]
    encrypted = b"ENCRYPTED PRIVATE KEY" in header
    if b"BEGIN PRIVATE KEY" not in header and not encrypted:
        raise SpcsConfigError(
            field_name,
            "is not a PKCS#8 PEM key (expected '-----BEGIN PRIVATE KEY-----' or '-----BEGIN ENCRYPTED PRIVATE KEY-----'); "
            "convert it with: openssl pkcs8 -topk8 -in key.pem -out key.p8",
        )
    if encrypted and not passphrase:
        raise SpcsConfigError(
            "extra.private_key_passphrase",
            "the private key is encrypted: put its passphrase in private_key_passphrase or in the Password field",
        )
    password = passphrase.encode() if (encrypted and passphrase) else None
    try:
        # Checked below, by check_rsa_numbers (see the module docstring).
        key = load_pem_private_key(pem, password=password, unsafe_skip_rsa_key_validation=True)
    except TypeError:
        raise SpcsConfigError(
            "extra.private_key_passphrase", "a passphrase is set but the private key is not encrypted; clear it"
        ) from None
    except ValueError:
        if encrypted:
            raise SpcsConfigError(
                "extra.private_key_passphrase",
                "wrong passphrase: the private key could not be decrypted "
                "(the passphrase is private_key_passphrase, or the Password field)",
            ) from None
        raise SpcsConfigError(field_name, "the PEM key could not be parsed (damaged or not a private key)") from None
    if not isinstance(key, RSAPrivateKey):
        raise SpcsConfigError(field_name, "must be an RSA private key (Snowflake key-pair auth uses RS256)")
    if key.key_size < MIN_RSA_BITS:
        raise SpcsConfigError(
            field_name, f"RSA key has {key.key_size} bits; Snowflake requires at least {MIN_RSA_BITS}"
        )
    if not check_rsa_numbers(key.private_numbers()):
        raise SpcsConfigError(
            field_name, "the RSA key is damaged (its numbers do not belong together); export it again"
        )
    return LoadedKey(private_key=key, fingerprint=public_key_fingerprint(key), bits=key.key_size)


def _digest(*parts: str | bytes | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else (part or b"")
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


@dataclass(frozen=True)
class KeyId:
    """Which key: a digest of the PEM and passphrase, and for a file its path, mtime and size."""

    digest: str
    path: str | None = None
    mtime_ns: int = 0
    size: int = 0


class KeyCache:
    """Parsed private keys by :class:`KeyId`; parsing happens outside the lock (it is CPU only)."""

    def __init__(self) -> None:
        self._keys: dict[KeyId, LoadedKey] = {}
        self._lock = threading.Lock()
        self.parses = 0
        """How many keys were parsed (tests and benchmarks read it)."""

    def get(self, key_id: KeyId, parse: Callable[[], LoadedKey]) -> LoadedKey:
        """The key under ``key_id``, parsing it with ``parse`` if it is not known yet."""
        with self._lock:
            cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        loaded = parse()
        with self._lock:
            self.parses += 1
            return self._keys.setdefault(key_id, loaded)

    def clear(self) -> None:
        """Forget every parsed key."""
        with self._lock:
            self._keys.clear()


def load_private_key(
    *, content: str | None, path: str | None, passphrase: str | None, cache: KeyCache | None = None
) -> LoadedKey:
    """Load the key from ``content`` (PEM or base64 of PEM) or from the file ``path``; parsed once per ``cache``.

    :param content: PEM text or base64 of the PEM.
    :param path: path to a PEM file (used when ``content`` is empty).
    :param passphrase: passphrase for an encrypted key.
    :param cache: where parsed keys are kept (``None``: parse every time).
    :raises SpcsConfigError: unreadable, non-regular or over-64-KB file, not PKCS#8 PEM, missing or wrong
        passphrase, not RSA >= 2048.
    """
    if content:
        field_name = "extra.private_key_content"
        pem = _pem_bytes(content, field_name)
        key_id = KeyId(_digest(pem, passphrase))
    elif path:
        field_name = "extra.private_key_file"
        data, stat = read_small_file(path, field_name, what=KEY_FILE_WHAT, limit=MAX_KEY_FILE_BYTES)
        pem = data.strip()
        key_id = KeyId(_digest(pem, passphrase), path, stat.st_mtime_ns, stat.st_size)
    else:
        raise SpcsConfigError("extra.private_key_content", "no private key given")
    if cache is None:
        return _parse(pem, passphrase, field_name)
    return cache.get(key_id, lambda: _parse(pem, passphrase, field_name))
