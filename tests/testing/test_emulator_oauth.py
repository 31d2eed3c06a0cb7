"""POST /oauth/token (jwt-bearer, PAT token exchange) and the customer OAuth server."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from emu_helpers import JWT_BEARER, exchange, ingress_host, snowflake_token

from airflow_provider_spcs.testing import SpcsEmulator

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def test_token_is_jwt_shaped_and_bound_to_user_role_host(spcs: SpcsEmulator, make_jwt, client: httpx.Client) -> None:
    spcs.token_lifetime = 120
    reply = exchange(client, spcs, make_jwt(), scope=f"session:role:SPCS_ROLE {ingress_host(spcs)}")
    claims = jwt.decode(reply.text, options={"verify_signature": False})
    assert claims["sub"] == "SPCS_USER"
    assert claims["role"] == "SPCS_ROLE"
    assert claims["scope"] == ingress_host(spcs)
    assert 110 < claims["exp"] - time.time() <= 120
    stats = spcs.stats()
    assert (stats["exchanges"], stats["tokens_minted"], stats["requests"]["oauth_token"]) == (1, 1, 1)


def test_role_defaults_to_the_users_default_role(spcs: SpcsEmulator, make_jwt, client: httpx.Client) -> None:
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
def test_bad_scopes(spcs: SpcsEmulator, make_jwt, client: httpx.Client, scope: str, error: str) -> None:
    reply = exchange(client, spcs, make_jwt(), scope=scope.format(host=ingress_host(spcs)))
    assert reply.status_code == 400
    assert reply.json()["error"] == error


def test_request_errors(spcs: SpcsEmulator, make_jwt, client: httpx.Client) -> None:
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


def test_customer_oauth_client_credentials(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.post(
        spcs.oauth_token_endpoint,
        data={"grant_type": "client_credentials", "scope": "session:role:SPCS_ROLE"},
        auth=(spcs.oauth_client_id, spcs.oauth_client_secret),
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    # The access token works on the SQL API with the OAUTH token type.
    sql = client.post(
        f"{spcs.account_url}/api/v2/statements",
        json={"statement": "SELECT CURRENT_USER()"},
        headers={
            "Authorization": f"Bearer {body['access_token']}",
            "X-Snowflake-Authorization-Token-Type": "OAUTH",
            "User-Agent": "tests/1.0",
        },
    )
    assert sql.status_code == 200
    assert sql.json()["data"] == [["SPCS_USER"]]
    assert spcs.stats()["requests"]["oauth_server"] == 1


def test_customer_oauth_refresh_and_errors(spcs: SpcsEmulator, client: httpx.Client) -> None:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": spcs.oauth_refresh_token,
        "client_id": spcs.oauth_client_id,
        "client_secret": spcs.oauth_client_secret,
    }
    reply = client.post(spcs.oauth_token_endpoint, data=form)
    assert reply.status_code == 200
    assert reply.json()["refresh_token"] == form["refresh_token"]
    assert client.post(spcs.oauth_token_endpoint, data={**form, "client_secret": "no"}).status_code == 401
    assert (
        client.post(spcs.oauth_token_endpoint, data={**form, "refresh_token": "x"}).json()["error"] == "invalid_grant"
    )
    assert client.post(spcs.oauth_token_endpoint, data={**form, "grant_type": "password"}).json()["error"] == (
        "unsupported_grant_type"
    )
