"""Strict verification of Snowflake key-pair JWTs (reference section 1).

Checks, in order: header algorithm, ``iss``/``sub`` shape, uppercase account and user, account
match, user and key lookup by the ``SHA256:`` fingerprint in ``iss``, signature, then times
(``iat``/``exp`` in seconds or milliseconds; lifetime at most one hour; not expired). Each failure
carries the Snowflake error code the Python connector recognises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from airflow_provider_spcs.testing.wire.key_pairs import load_public_key

# Server-side JWT error codes listed in the connector (reference 1.7).
JWT_TOKEN_INVALID = "390144"
JWT_EXPIRED = "394301"
JWT_NOT_YET_VALID = "394302"
JWT_INVALID_EXPIRATION = "394303"
JWT_FINGERPRINT_MISMATCH = "394304"
JWT_INVALID_ALGORITHM = "394305"
JWT_INVALID_FORMAT = "394306"

MAX_LIFETIME_SECONDS = 3600.0
# Tolerated clock difference for "issued in the future" only; expiry is checked without leeway.
IAT_LEEWAY_SECONDS = 60.0
_ALGORITHMS = ("RS256", "RS384", "RS512")
# Numeric dates above this are milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 1e11


class JwtRejected(Exception):
    """The JWT is not acceptable; ``code`` is the Snowflake error code, ``message`` says why."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class VerifiedJwt:
    """What a valid key-pair JWT proves: who signed it, with which key, and until when."""

    account: str
    user: str
    fingerprint: str
    issued_at: float
    expires_at: float


def normalize_account_for_jwt(account: str) -> str:
    """The account part Snowflake clients put into ``iss``/``sub`` (reference 1.2).

    ``.global`` accounts keep what is before the first ``-``; others keep the first dot-label.
    """
    head = account.partition("-")[0] if ".global" in account else account.partition(".")[0]
    return head.upper()


def split_issuer(iss: str) -> tuple[str, str]:
    """Split ``iss`` into (``ACCOUNT.USER``, ``SHA256:<b64>``) at the last ``.SHA256:``."""
    head, sep, digest = iss.rpartition(".SHA256:")
    if not sep or not head or not digest:
        raise JwtRejected(JWT_INVALID_FORMAT, "JWT 'iss' is not <ACCOUNT>.<USER>.SHA256:<fingerprint>.")
    return head, "SHA256:" + digest


def split_subject(sub: str) -> tuple[str, str]:
    """Split ``sub`` into (account, user) at the first ``.`` (user names may contain dots)."""
    account, sep, user = sub.partition(".")
    if not sep or not account or not user:
        raise JwtRejected(JWT_INVALID_FORMAT, "JWT 'sub' is not <ACCOUNT>.<USER>.")
    return account, user


def _numeric_date(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise JwtRejected(JWT_INVALID_FORMAT, f"JWT claim '{name}' is missing or not a number.")
    return float(value) / 1000.0 if value > _MS_THRESHOLD else float(value)


def verify_keypair_jwt(
    token: str,
    *,
    account: str,
    public_keys: Callable[[str], dict[str, str]],
    now: float,
) -> VerifiedJwt:
    """Verify ``token`` strictly and return who it proves; raise :class:`JwtRejected` otherwise.

    :param account: the emulator's account identifier (normalised here as clients do).
    :param public_keys: user name (uppercase) -> {fingerprint: public key PEM}; empty if unknown.
    :param now: the server clock, in seconds (already skewed if a clock skew is injected).
    """
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise JwtRejected(JWT_INVALID_FORMAT, "The token is not a well-formed JWT.") from None
    alg = header.get("alg")
    if alg not in _ALGORITHMS:
        raise JwtRejected(JWT_INVALID_ALGORITHM, f"JWT algorithm {alg!r} is not supported; use RS256.")
    iss, sub = claims.get("iss"), claims.get("sub")
    if not isinstance(iss, str) or not isinstance(sub, str):
        raise JwtRejected(JWT_INVALID_FORMAT, "JWT must carry string 'iss' and 'sub' claims.")
    issuer_subject, fingerprint = split_issuer(iss)
    if issuer_subject != sub:
        raise JwtRejected(JWT_INVALID_FORMAT, "JWT 'iss' must be 'sub' followed by .SHA256:<fingerprint>.")
    jwt_account, user = split_subject(sub)
    if jwt_account != jwt_account.upper() or user != user.upper():
        raise JwtRejected(JWT_TOKEN_INVALID, "Account and user in the JWT must be uppercase.")
    if jwt_account != normalize_account_for_jwt(account):
        raise JwtRejected(JWT_TOKEN_INVALID, "JWT account does not match this account.")
    keys = public_keys(user)
    if not keys:
        raise JwtRejected(JWT_TOKEN_INVALID, "JWT user does not exist or has no public key.")
    public_pem = keys.get(fingerprint)
    if public_pem is None:
        raise JwtRejected(JWT_FINGERPRINT_MISMATCH, "JWT public key fingerprint does not match the user's keys.")
    try:
        jwt.decode(
            token,
            load_public_key(public_pem),  # type: ignore[arg-type]
            algorithms=[alg],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
        )
    except jwt.PyJWTError:
        raise JwtRejected(JWT_TOKEN_INVALID, "JWT signature is invalid.") from None
    issued_at = _numeric_date(claims, "iat")
    expires_at = _numeric_date(claims, "exp")
    if expires_at <= issued_at or expires_at - issued_at > MAX_LIFETIME_SECONDS:
        raise JwtRejected(JWT_INVALID_EXPIRATION, "JWT lifetime (exp - iat) must be positive and at most 3600 s.")
    if issued_at > now + IAT_LEEWAY_SECONDS:
        raise JwtRejected(JWT_NOT_YET_VALID, "JWT was issued in the future.")
    if expires_at <= now:
        raise JwtRejected(JWT_EXPIRED, "JWT has expired.")
    return VerifiedJwt(jwt_account, user, fingerprint, issued_at, expires_at)
