"""Credentials: JWT claims and signature, re-signing only when stale, exchange forms and scopes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import httpx
import jwt
import pytest

from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import (
    JWT_BEARER,
    SQL,
    TOKEN_EXCHANGE,
    JwtKey,
    KeyPairCredential,
    credential_for,
    ingress_audience,
)
from airflow_provider_spcs.core.errors import SpcsTokenExchangeError
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.core.runner import Runner

if TYPE_CHECKING:
    from tests.core.conftest import KeyMaterial, MockRunner

FAST = RetryPolicy(base_delay=0, max_delay=0)


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _cfg(**extra: object) -> SpcsConfig:
    return SpcsConfig.from_connection(
        login="svc.user@corp", password=None, extra={"account": "xy12345.us-east-1.aws", **extra}, env={}
    )


def test_claims_and_signature(rsa_key: KeyMaterial) -> None:
    clock = Clock()
    cred = KeyPairCredential(_cfg(private_key_content=rsa_key.pem), clock=clock)
    token = cred.sign()
    claims = jwt.decode(token.value, rsa_key.key.public_key(), algorithms=["RS256"], options={"verify_exp": False})
    assert claims["sub"] == "XY12345.SVC.USER@CORP"
    assert claims["iss"] == f"XY12345.SVC.USER@CORP.{cred.key.fingerprint}"
    assert claims["exp"] - claims["iat"] == 59 * 60
    assert claims["iat"] == int(clock.now)
    assert jwt.get_unverified_header(token.value)["alg"] == "RS256"


def test_jwt_is_a_cached_token_resigned_only_when_stale(rsa_key: KeyMaterial, mock_runner: MockRunner) -> None:
    clock = Clock()
    cred = KeyPairCredential(_cfg(private_key_content=rsa_key.pem), clock=clock)
    assert cred.cache_key(SQL) == JwtKey("XY12345", "SVC.USER@CORP", cred.key.fingerprint)
    runner = mock_runner(cred, lambda request: httpx.Response(500), clock=clock)
    first = runner.token(SQL)
    clock.now += 57 * 60  # fresh until a minute before its 59-minute expiry
    assert runner.token(SQL) is first
    clock.now += 60
    second = runner.token(SQL)
    assert second is not first
    assert second.issued_at == int(clock.now)
    assert runner.token(SQL, reject=second) is not second  # refused: signed again at once


def _exchange_runner(
    config: SpcsConfig, reply: httpx.Response, seen: list[httpx.Request], mock_runner: MockRunner
) -> Runner:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply

    return mock_runner(credential_for(config, policy=FAST), handler)


@pytest.mark.parametrize(
    ("role", "url", "scope"),
    [
        (
            "ANALYST",
            "https://ab-org-acct.snowflakecomputing.app/x",
            "session:role:ANALYST ab-org-acct.snowflakecomputing.app",
        ),
        (None, "https://ab-org-acct.snowflakecomputing.app:443/", "ab-org-acct.snowflakecomputing.app"),
        ("R", "http://127.0.0.1:41234/", "session:role:R 127.0.0.1:41234"),
    ],
)
def test_key_pair_exchange_form(
    rsa_key: KeyMaterial, mock_runner: MockRunner, role: str | None, url: str, scope: str
) -> None:
    from airflow_provider_spcs.core.accounts import scope_host

    seen: list[httpx.Request] = []
    extra = {"private_key_content": rsa_key.pem, **({"role": role} if role else {})}
    runner = _exchange_runner(_cfg(**extra), httpx.Response(200, text="  opaque-token\n"), seen, mock_runner)
    token = runner.token(ingress_audience(scope_host(url)))
    assert token.value == "opaque-token"
    assert token.expires_at - token.issued_at == 600  # opaque: safe default lifetime
    (request,) = seen
    assert str(request.url) == "https://xy12345.us-east-1.aws.snowflakecomputing.com/oauth/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form["grant_type"] == JWT_BEARER
    assert form["scope"] == scope
    assert jwt.decode(form["assertion"], rsa_key.key.public_key(), algorithms=["RS256"])["sub"].startswith("XY12345.")


def test_pat_exchange_form(mock_runner: MockRunner) -> None:
    seen: list[httpx.Request] = []
    runner = _exchange_runner(
        _cfg(token="the-pat", pat_exchange="true", role="R"), httpx.Response(200, text="tok"), seen, mock_runner
    )
    runner.token(ingress_audience("h.example"))
    form = {k: v[0] for k, v in parse_qs(seen[0].content.decode()).items()}
    assert form == {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": "the-pat",
        "subject_token_type": "programmatic_access_token",
        "scope": "session:role:R h.example",
    }


def test_exchange_refusal_is_typed(mock_runner: MockRunner) -> None:
    seen: list[httpx.Request] = []
    reply = httpx.Response(400, json={"error": "invalid_scope", "message": "Role 'X' is not granted."})
    runner = _exchange_runner(_cfg(token="the-pat", pat_exchange="true"), reply, seen, mock_runner)
    with pytest.raises(SpcsTokenExchangeError) as info:
        runner.token(ingress_audience("h.example"))
    assert (info.value.status_code, info.value.error) == (400, "invalid_scope")
    assert "the-pat" not in str(info.value)


def test_oauth_client_credentials_grant(mock_runner: MockRunner) -> None:
    seen: list[httpx.Request] = []
    config = _cfg(
        oauth_token_endpoint="https://idp.example.com/token",
        oauth_client_id="cid",
        oauth_client_secret="csecret",
        oauth_scope="session:role:R",
    )
    runner = _exchange_runner(
        config, httpx.Response(200, json={"access_token": "at", "expires_in": 120}), seen, mock_runner
    )
    token = runner.token("sql")
    assert (token.value, token.expires_at - token.issued_at) == ("at", 120)
    form = {k: v[0] for k, v in parse_qs(seen[0].content.decode()).items()}
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret",
        "scope": "session:role:R",
    }
    assert runner.token("sql") is token
    assert len(seen) == 1


def test_credential_repr_hides_secrets(rsa_key: KeyMaterial) -> None:
    cred = credential_for(_cfg(private_key_content=rsa_key.pem))
    assert "PRIVATE" not in repr(cred)
    assert "svc.user@corp" in repr(cred)
