"""Tokens the emulator issues: ingress (exchanged), session/master, SPCS session, customer OAuth.

All are JWT-shaped (HS256, signed with a per-emulator random secret) so clients can read ``exp``
the way Snowflake samples do, while only this emulator can mint valid ones. The ``kind`` claim keeps
them apart: an ingress token is no good for the SQL API, a master token is no good for queries.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jwt

TokenKind = Literal["ingress", "session", "master", "spcs", "oauth", "refresh"]
_ISSUER = "spcs-emulator"


class TokenError(Exception):
    """A presented token is not one of ours, is of the wrong kind, or has expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(message)


@dataclass(frozen=True)
class TokenClaims:
    """The decoded claims of an emulator token."""

    kind: TokenKind
    user: str
    role: str | None
    host: str | None
    session_id: str | None
    expires_at: float


class TokenIssuer:
    """Mints and checks emulator tokens against a clock (the emulator's, which may be skewed)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._secret = secrets.token_bytes(32)
        self._clock = clock
        self.observers: list[Callable[[str], object]] = []
        """Called with every token minted (``--record-secrets`` writes them down for a log scan)."""

    def mint(
        self,
        kind: TokenKind,
        *,
        user: str,
        lifetime: float,
        role: str | None = None,
        host: str | None = None,
        session_id: str | None = None,
    ) -> str:
        """Return a signed token of ``kind`` for ``user`` valid for ``lifetime`` seconds."""
        now = self._clock()
        claims: dict[str, Any] = {
            "iss": _ISSUER,
            "kind": kind,
            "sub": user,
            "iat": int(now),
            # exp stays fractional so sub-second lifetimes (used by expiry tests) still expire.
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if role is not None:
            claims["role"] = role
        if host is not None:
            claims["scope"] = host
        if session_id is not None:
            claims["sid"] = session_id
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        for observer in self.observers:
            observer(token)
        return token

    def peek(self, token: str) -> TokenClaims | None:
        """Decode ``token`` if it carries our signature (expired or not); ``None`` if it is foreign."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "require": ["kind", "sub", "exp"]},
                issuer=_ISSUER,
            )
        except jwt.PyJWTError:
            return None
        return TokenClaims(
            kind=claims["kind"],
            user=claims["sub"],
            role=claims.get("role"),
            host=claims.get("scope"),
            session_id=claims.get("sid"),
            expires_at=float(claims["exp"]),
        )

    def verify(self, token: str, kinds: tuple[TokenKind, ...]) -> TokenClaims:
        """Decode ``token`` and check its kind and expiry; raise :class:`TokenError` otherwise."""
        claims = self.peek(token)
        if claims is None:
            raise TokenError("token is not valid")
        if claims.kind not in kinds:
            raise TokenError(f"a {claims.kind} token cannot be used here")
        if claims.expires_at <= self._clock():
            raise TokenError("token has expired", expired=True)
        return claims
