"""Token: a credential value with an expiry, and the rule for when to renew it."""

from __future__ import annotations

import base64
import binascii
import enum
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]
"""Returns the current time as epoch seconds; tests inject a fake."""

SYSTEM_CLOCK: Clock = time.time

DEFAULT_SKEW = 60.0
"""Renew this long before expiry, so a token never expires in flight (capped for short tokens)."""


class TokenState(enum.Enum):
    """FRESH: use it. STALE: still valid but due for renewal. INVALID: expired or rejected."""

    FRESH = "fresh"
    STALE = "stale"
    INVALID = "invalid"


@dataclass(frozen=True)
class Token:
    """A credential value and the epoch second it stops working.

    :param value: the secret itself; kept out of ``repr`` and equality noise.
    :param expires_at: epoch seconds; ``float('inf')`` for credentials that do not expire locally.
    :param issued_at: epoch seconds when obtained (for proportional skew on short-lived tokens).
    :param kind: what it is (``jwt``, ``exchanged``, ``pat``, ``session``, ``oauth``), for logs.
    :param holder: an object that must stay alive while the token is used (session tokens die at logout).
    """

    value: str = field(repr=False)
    expires_at: float
    issued_at: float = 0.0
    kind: str = "token"
    holder: object = field(default=None, repr=False, compare=False)
    """What keeps the token valid (a connector connection for session tokens); never logged."""

    def skew(self) -> float:
        """Renewal margin: one minute, or a tenth of the lifetime for tokens shorter than ten minutes."""
        lifetime = self.expires_at - self.issued_at
        return min(DEFAULT_SKEW, max(lifetime, 0.0) / 10)

    def state(self, now: float) -> TokenState:
        """Classify the token at ``now`` (epoch seconds)."""
        if now >= self.expires_at:
            return TokenState.INVALID
        if now >= self.expires_at - self.skew():
            return TokenState.STALE
        return TokenState.FRESH

    def usable(self, now: float) -> bool:
        """True while the token is FRESH (callers renew STALE ones before use)."""
        return self.state(now) is TokenState.FRESH


def jwt_expiry(value: str) -> float | None:
    """Read ``exp`` from a JWT-shaped token without verifying it (we are its bearer, not its judge).

    :param value: a token that may or may not be a JWT.
    :return: epoch seconds, or ``None`` when the token is opaque or has no numeric ``exp``.
    """
    parts = value.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    # Snowflake allows milliseconds in exp; anything past year 5000 in seconds is surely ms.
    return float(exp) / 1000 if exp > 1e11 else float(exp)
