"""Who is calling: turn a presented credential into a user and (maybe) a bound role.

Shared by the SQL API (``Authorization: Bearer``), the connector protocol and the ingress proxy
(``Authorization: Snowflake Token="..."``). Each rejection says why in words safe to show: never
the credential itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import jwt

from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.keypair_jwt import JwtRejected, verify_keypair_jwt
from airflow_provider_spcs.testing.wire.token_issuer import TokenClaims, TokenError, TokenKind

CredentialKind = Literal[
    "keypair_jwt", "pat", "ingress_token", "session_token", "spcs_token", "oauth_token", "password"
]

INVALID_OAUTH_TOKEN = "390303"
OAUTH_TOKEN_EXPIRED = "390318"
SESSION_EXPIRED = "390112"

_CREDENTIAL_OF_TOKEN: dict[TokenKind, CredentialKind] = {
    "session": "session_token",
    "spcs": "spcs_token",
    "oauth": "oauth_token",
    "ingress": "ingress_token",
}
_SNOWFLAKE_TOKEN = re.compile(r'^\s*Snowflake\s+Token\s*=\s*"([^"]*)"\s*$', re.IGNORECASE)
_BEARER = re.compile(r"^\s*Bearer\s+(\S+)\s*$", re.IGNORECASE)


class AuthFailure(Exception):
    """A credential was rejected; ``code`` is a Snowflake code, ``expired`` marks stale ones."""

    def __init__(self, code: str, message: str, *, expired: bool = False) -> None:
        self.code = code
        self.message = message
        self.expired = expired
        super().__init__(message)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller. ``role`` is set when the credential is bound to a role."""

    user: User
    role: str | None
    kind: CredentialKind
    claims: TokenClaims | None = None

    @property
    def effective_role(self) -> str:
        """The bound role, or the user's default role."""
        return self.role or self.user.default_role


def parse_snowflake_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Snowflake Token="<t>"`` header, or ``None``."""
    if not header:
        return None
    match = _SNOWFLAKE_TOKEN.match(header)
    return match.group(1) if match else None


def parse_bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <t>`` header, or ``None``."""
    if not header:
        return None
    match = _BEARER.match(header)
    return match.group(1) if match else None


def verify_jwt(state: EmulatorState, token: str) -> User:
    """Verify a key-pair JWT and count it; return the user it proves; raise :class:`JwtRejected`."""
    verified = verify_keypair_jwt(
        token, account=state.account, public_keys=state.directory.public_keys, now=state.now()
    )
    principal = state.directory.get(verified.user)
    if principal is None:  # the key lookup succeeded, so only a concurrent removal gets here
        raise JwtRejected("390144", "JWT user does not exist.")
    state.stats.incr("jwts_verified")
    return principal


def _looks_like_keypair_jwt(token: str) -> bool:
    try:
        return str(jwt.get_unverified_header(token).get("alg", "")).startswith(("RS", "ES"))
    except jwt.PyJWTError:
        return False


def _from_emulator_token(state: EmulatorState, token: str, kinds: tuple[TokenKind, ...]) -> Caller:
    try:
        claims = state.issuer.verify(token, kinds)
    except TokenError as exc:
        if exc.expired:
            raise AuthFailure(OAUTH_TOKEN_EXPIRED, "OAuth access token expired.", expired=True) from None
        raise AuthFailure(INVALID_OAUTH_TOKEN, f"Invalid OAuth access token: {exc}.") from None
    principal = state.directory.get(claims.user)
    if principal is None:
        raise AuthFailure(INVALID_OAUTH_TOKEN, "Invalid OAuth access token: unknown user.")
    role = claims.role
    if claims.kind == "session":
        session = state.session(claims.session_id)
        if session is None:
            raise AuthFailure(SESSION_EXPIRED, "Session no longer exists. New login required.", expired=True)
        role = session.role
    return Caller(principal, role, _CREDENTIAL_OF_TOKEN.get(claims.kind, "oauth_token"), claims)


def authenticate_sql_api(state: EmulatorState, token: str, token_type: str | None) -> Caller:
    """Authenticate a SQL API bearer token (key-pair JWT, PAT, or OAuth/session token).

    With no ``X-Snowflake-Authorization-Token-Type`` the token is inspected, as current docs say.
    """
    kind = (token_type or "").strip().upper()
    if kind not in ("", "KEYPAIR_JWT", "OAUTH", "PROGRAMMATIC_ACCESS_TOKEN"):
        raise AuthFailure(INVALID_OAUTH_TOKEN, "Unsupported X-Snowflake-Authorization-Token-Type.")
    if kind in ("", "PROGRAMMATIC_ACCESS_TOKEN"):
        principal = state.directory.by_pat(token)
        if principal is not None:
            return Caller(principal, None, "pat")
        if kind:
            raise AuthFailure(INVALID_OAUTH_TOKEN, "Programmatic access token is invalid.")
    if kind in ("", "OAUTH") and state.issuer.peek(token) is not None:
        return _from_emulator_token(state, token, ("session", "spcs", "oauth"))
    if kind == "KEYPAIR_JWT" or (not kind and _looks_like_keypair_jwt(token)):
        try:
            principal = verify_jwt(state, token)
        except JwtRejected as exc:
            raise AuthFailure(exc.code, exc.message, expired=exc.code == "394301") from None
        return Caller(principal, None, "keypair_jwt")
    raise AuthFailure(INVALID_OAUTH_TOKEN, "Invalid OAuth access token.")


def authenticate_ingress(state: EmulatorState, token: str, host: str) -> Caller:
    """Authenticate an ingress ``Snowflake Token``: PAT, exchanged token for ``host``, or session token."""
    principal = state.directory.by_pat(token)
    if principal is not None:
        return Caller(principal, None, "pat")
    caller = _from_emulator_token(state, token, ("ingress", "session", "spcs", "oauth"))
    if caller.kind == "ingress_token" and caller.claims is not None and caller.claims.host != host:
        raise AuthFailure(INVALID_OAUTH_TOKEN, "The token was issued for another endpoint host.")
    return caller
