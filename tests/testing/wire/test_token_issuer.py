"""The tokens the emulator mints: kinds, expiry, signature."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.testing.wire.token_issuer import TokenError, TokenIssuer


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
