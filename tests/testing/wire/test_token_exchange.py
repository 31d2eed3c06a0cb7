"""POST /oauth/token: jwt-bearer and token-exchange grants, scopes, request errors."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from emu_helpers import JWT_BEARER, MakeJwt, exchange, ingress_host, snowflake_token

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.wire.token_exchange import parse_scope

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def test_token_is_jwt_shaped_and_bound_to_user_role_host(
    spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client
) -> None:
    spcs.token_lifetime = 120
    reply = exchange(client, spcs, make_jwt(), scope=f"session:role:SPCS_ROLE {ingress_host(spcs)}")
    claims = jwt.decode(reply.text, options={"verify_signature": False})
    assert claims["sub"] == "SPCS_USER"
    assert claims["role"] == "SPCS_ROLE"
    assert claims["scope"] == ingress_host(spcs)
    assert 110 < claims["exp"] - time.time() <= 120
    stats = spcs.stats()
    assert (stats["exchanges"], stats["tokens_minted"], stats["requests"]["oauth_token"]) == (1, 1, 1)


def test_role_defaults_to_the_users_default_role(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    claims = jwt.decode(exchange(client, spcs, make_jwt()).text, options={"verify_signature": False})
    assert claims["role"] == "SPCS_ROLE"


@pytest.mark.parametrize(
    ("scope", "error"),
    [
        ("session:role:ACCOUNTADMIN {host}", "invalid_scope"),
        ("127.0.0.1:1", "invalid_scope"),
        ("session:role:SPCS_ROLE", "invalid_scope"),
        ("{host} {host}", "invalid_scope"),
    ],
    ids=["role-not-granted", "unknown-host", "no-host", "two-hosts"],
)
def test_bad_scopes(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client, scope: str, error: str) -> None:
    reply = exchange(client, spcs, make_jwt(), scope=scope.format(host=ingress_host(spcs)))
    assert reply.status_code == 400
    assert reply.json()["error"] == error


def test_request_errors(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    url = f"{spcs.account_url}/oauth/token"
    assert client.post(url, data={"assertion": "x"}).json()["error"] == "invalid_request"
    assert client.post(url, data={"grant_type": "password"}).json()["error"] == "unsupported_grant_type"
    assert client.post(url, data={"grant_type": JWT_BEARER, "scope": ingress_host(spcs)}).status_code == 400
    as_json = client.post(url, json={"grant_type": JWT_BEARER, "assertion": make_jwt()})
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"


def test_pat_token_exchange(spcs: SpcsEmulator, client: httpx.Client) -> None:
    data = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": spcs.pat,
        "subject_token_type": "programmatic_access_token",
        "scope": ingress_host(spcs),
    }
    reply = client.post(f"{spcs.account_url}/oauth/token", data=data)
    assert reply.status_code == 200
    echoed = client.get(spcs.ingress_url() + "/x", headers=snowflake_token(reply.text))
    assert echoed.status_code == 200
    bad = client.post(f"{spcs.account_url}/oauth/token", data={**data, "subject_token": "pat_wrong"})
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_grant"
    odd = client.post(f"{spcs.account_url}/oauth/token", data={**data, "subject_token_type": "saml"})
    assert odd.status_code == 400


@pytest.mark.parametrize(
    ("scope", "role", "rest"),
    [
        ("session:role:ANALYST host:1", "ANALYST", ["host:1"]),
        ("host:1", None, ["host:1"]),
        ("  host:1   session:role:R  ", "R", ["host:1"]),
    ],
)
def test_parse_scope(scope: str, role: str | None, rest: list[str]) -> None:
    assert parse_scope(scope) == (role, rest)
