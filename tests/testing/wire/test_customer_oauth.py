"""The customer OAuth server: client credentials and refresh token grants, and its errors."""

from __future__ import annotations

import httpx

from airflow_provider_spcs.testing import SpcsEmulator


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
