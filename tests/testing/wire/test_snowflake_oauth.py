"""Snowflake OAuth's ``/oauth/token-request``: refresh and client credentials grants, errors, and the
tokens it issues on the SQL API and in a real connector login."""

from __future__ import annotations

import httpx
import pytest
import snowflake.connector
from emu_helpers import sql_headers

from airflow_provider_spcs.testing import SpcsEmulator


def _refresh_form(spcs: SpcsEmulator, **changes: str) -> dict[str, str]:
    # What the Snowflake provider posts: grant, refresh token and a redirect_uri nobody checks.
    form = {
        "grant_type": "refresh_token",
        "refresh_token": spcs.oauth_refresh_token,
        "redirect_uri": "https://localhost.com",
    }
    form.update(changes)
    return form


def test_refresh_grant_with_basic_auth_issues_a_sql_api_token(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.post(
        spcs.snowflake_oauth_endpoint, data=_refresh_form(spcs), auth=(spcs.oauth_client_id, spcs.oauth_client_secret)
    )
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "username"}
    assert body["token_type"] == "Bearer"
    assert body["username"] == "SPCS_USER"
    assert body["expires_in"] == 3600
    sql = client.post(
        f"{spcs.account_url}/api/v2/statements",
        json={"statement": "SELECT CURRENT_USER(), CURRENT_ROLE()"},
        headers=sql_headers(body["access_token"], "OAUTH"),
    )
    assert sql.status_code == 200
    assert sql.json()["data"] == [["SPCS_USER", "SPCS_ROLE"]]
    assert spcs.stats()["requests"]["snowflake_oauth"] == 1
    assert "oauth_token" not in spcs.stats()["requests"]  # not counted as the /oauth/token exchange


def test_client_credentials_in_the_form_with_a_role_scope(spcs: SpcsEmulator, client: httpx.Client) -> None:
    form = {
        "grant_type": "client_credentials",
        "scope": "session:role:PUBLIC",
        "client_id": spcs.oauth_client_id,
        "client_secret": spcs.oauth_client_secret,
    }
    reply = client.post(spcs.snowflake_oauth_endpoint, data=form)
    assert reply.status_code == 200
    sql = client.post(
        f"{spcs.account_url}/api/v2/statements",
        json={"statement": "SELECT CURRENT_ROLE()"},
        headers=sql_headers(reply.json()["access_token"]),
    )
    assert sql.json()["data"] == [["PUBLIC"]]


@pytest.mark.connector
def test_its_token_logs_the_real_connector_in(spcs: SpcsEmulator, client: httpx.Client) -> None:
    token = client.post(
        spcs.snowflake_oauth_endpoint, data=_refresh_form(spcs), auth=(spcs.oauth_client_id, spcs.oauth_client_secret)
    ).json()["access_token"]
    port = int(spcs.account_url.rsplit(":", 1)[1])
    with snowflake.connector.connect(
        account=spcs.account,
        host="127.0.0.1",
        port=port,
        protocol="http",
        authenticator="oauth",
        token=token,
        login_timeout=15,
    ) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT CURRENT_USER()")
        assert cursor.fetchone() == ("SPCS_USER",)


REGISTERED = "<the registered secret>"


@pytest.mark.parametrize(
    ("changes", "secret", "status", "error"),
    [
        ({}, "wrong-secret", 401, "invalid_client"),
        ({}, None, 401, "invalid_client"),
        ({"refresh_token": "not-a-token"}, REGISTERED, 400, "invalid_grant"),
        ({"grant_type": "password"}, REGISTERED, 400, "unsupported_grant_type"),
        ({"scope": "session:role:ACCOUNTADMIN"}, REGISTERED, 400, "invalid_scope"),
    ],
)
def test_errors_have_snowflakes_body(
    spcs: SpcsEmulator, client: httpx.Client, changes: dict[str, str], secret: str | None, status: int, error: str
) -> None:
    secret = spcs.oauth_client_secret if secret == REGISTERED else secret
    auth = httpx.BasicAuth(spcs.oauth_client_id, secret) if secret is not None else httpx.Auth()  # Auth(): none
    reply = client.post(spcs.snowflake_oauth_endpoint, data=_refresh_form(spcs, **changes), auth=auth)
    assert reply.status_code == status
    body = reply.json()
    assert body["error"] == error
    assert body["data"] is None
    assert body["code"] is None
    assert body["success"] is False
    assert body["message"]
    assert spcs.oauth_client_secret not in reply.text


def test_a_json_body_is_an_invalid_request(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.post(spcs.snowflake_oauth_endpoint, json={"grant_type": "refresh_token"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_request"
