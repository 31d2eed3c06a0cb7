"""Token states, proportional skew, and reading exp from JWT-shaped tokens."""

from __future__ import annotations

import base64
import json

from airflow_provider_spcs.core.tokens import Token, TokenState, jwt_expiry


def _jwt(claims: object) -> str:
    def seg(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{seg({'alg': 'none'})}.{seg(claims)}.sig"


def test_states() -> None:
    token = Token("v", expires_at=1000.0, issued_at=0.0)
    assert token.skew() == 60.0
    assert token.state(500) is TokenState.FRESH
    assert token.state(950) is TokenState.STALE
    assert token.state(1000) is TokenState.INVALID
    assert token.usable(939)
    assert not token.usable(941)


def test_short_tokens_get_proportional_skew() -> None:
    token = Token("v", expires_at=10.0, issued_at=0.0)
    assert token.skew() == 1.0
    assert token.usable(8.9)
    assert not token.usable(9.1)


def test_value_hidden_from_repr() -> None:
    assert "topsecret" not in repr(Token("topsecret", 1.0, holder=object()))


def test_jwt_expiry() -> None:
    assert jwt_expiry(_jwt({"exp": 1700000000})) == 1700000000.0
    assert jwt_expiry(_jwt({"exp": 1700000000000})) == 1700000000.0
    assert jwt_expiry(_jwt({"sub": "x"})) is None
    assert jwt_expiry(_jwt({"exp": True})) is None
    assert jwt_expiry(_jwt([1, 2])) is None
    assert jwt_expiry("opaque-token") is None
    assert jwt_expiry("a.!!!.c") is None
