"""The connector wire protocol spoken directly (no connector): login, query, tokens, heartbeat, logout."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from emu_helpers import MakeJwt

from airflow_provider_spcs.testing import SpcsEmulator


def _login(client: httpx.Client, emu: SpcsEmulator, data: dict[str, Any], query: str = "") -> dict[str, Any]:
    reply = client.post(f"{emu.account_url}/session/v1/login-request{query}", json={"data": data})
    assert reply.status_code == 200
    return dict(reply.json())


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f'Snowflake Token="{token}"'}


def _query(client: httpx.Client, emu: SpcsEmulator, token: str, sql: str) -> dict[str, Any]:
    reply = client.post(
        f"{emu.account_url}/queries/v1/query-request?requestId=r1",
        json={"sqlText": sql, "asyncExec": False},
        headers=_auth(token),
    )
    return dict(reply.json())


def test_full_session_lifecycle(spcs: SpcsEmulator, client: httpx.Client) -> None:
    login = _login(
        client,
        spcs,
        {"LOGIN_NAME": "spcs_user", "PASSWORD": spcs.password, "ACCOUNT_NAME": spcs.account},
        "?roleName=PUBLIC&databaseName=SPCS_DB&schemaName=APP&warehouse=WH",
    )
    assert login["success"] is True
    data = login["data"]
    assert data["sessionInfo"] == {
        "databaseName": "SPCS_DB",
        "schemaName": "APP",
        "warehouseName": "WH",
        "roleName": "PUBLIC",
    }
    session, master = data["token"], data["masterToken"]
    assert data["masterValidityInSeconds"] == 14400
    result = _query(client, spcs, session, "SELECT CURRENT_ROLE()")
    assert result["success"] is True
    assert result["data"]["rowset"] == [["PUBLIC"]]
    assert result["data"]["rowtype"][0]["type"] == "text"
    assert result["data"]["queryResultFormat"] == "json"
    failed = _query(client, spcs, session, "DESCRIBE SERVICE NOPE")
    assert failed["success"] is False
    assert (failed["code"], failed["data"]["sqlState"]) == ("002003", "02000")
    heartbeat = client.post(f"{spcs.account_url}/session/heartbeat", headers=_auth(session))
    assert heartbeat.json()["success"] is True
    renewed = client.post(
        f"{spcs.account_url}/session/token-request",
        json={"oldSessionToken": session, "requestType": "RENEW"},
        headers=_auth(master),
    ).json()
    assert renewed["success"] is True
    new_session = renewed["data"]["sessionToken"]
    assert _query(client, spcs, new_session, "SELECT 1")["success"] is True
    # A session token is not a master token.
    wrong = client.post(
        f"{spcs.account_url}/session/token-request", json={"requestType": "ISSUE"}, headers=_auth(new_session)
    ).json()
    assert (wrong["success"], wrong["code"]) == (False, "390114")
    telemetry = client.post(f"{spcs.account_url}/telemetry/send", content=b"\x1f\x8b", headers=_auth(session))
    assert telemetry.json()["success"] is True
    assert client.post(f"{spcs.account_url}/session?delete=true", headers=_auth(session)).json()["success"] is True
    after = _query(client, spcs, new_session, "SELECT 1")
    assert (after["success"], after["code"]) == (False, "390112")


def test_expired_session_token_says_390112(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.settings.session_token_lifetime = 0.2
    try:
        data = _login(client, spcs, {"LOGIN_NAME": "SPCS_USER", "PASSWORD": spcs.password})["data"]
    finally:
        spcs.settings.session_token_lifetime = 3600
    time.sleep(0.3)
    assert _query(client, spcs, data["token"], "SELECT 1")["code"] == "390112"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"LOGIN_NAME": "SPCS_USER", "PASSWORD": "nope"}, "390100"),
        ({"LOGIN_NAME": "NOBODY", "PASSWORD": "nope"}, "390100"),
        ({"AUTHENTICATOR": "PROGRAMMATIC_ACCESS_TOKEN", "TOKEN": "pat_wrong"}, "390100"),
        ({"AUTHENTICATOR": "OAUTH", "TOKEN": "garbage"}, "390303"),
        ({"AUTHENTICATOR": "SNOWFLAKE_JWT", "TOKEN": "garbage", "LOGIN_NAME": "SPCS_USER"}, "394306"),
        ({"AUTHENTICATOR": "EXTERNALBROWSER", "LOGIN_NAME": "SPCS_USER"}, "390100"),
    ],
    ids=["bad-password", "no-user", "bad-pat", "bad-oauth", "bad-jwt", "unsupported"],
)
def test_login_failures(spcs: SpcsEmulator, client: httpx.Client, data: dict[str, Any], code: str) -> None:
    reply = _login(client, spcs, data)
    assert reply["success"] is False
    assert reply["code"] == code
    assert spcs.stats()["logins"] == 0


def test_jwt_login_must_match_login_name(spcs: SpcsEmulator, client: httpx.Client, make_jwt: MakeJwt) -> None:
    ok = _login(client, spcs, {"AUTHENTICATOR": "SNOWFLAKE_JWT", "TOKEN": make_jwt(), "LOGIN_NAME": "spcs_user"})
    assert ok["success"] is True
    spcs.add_user("SOMEONE", password="x")
    other = _login(client, spcs, {"AUTHENTICATOR": "SNOWFLAKE_JWT", "TOKEN": make_jwt(), "LOGIN_NAME": "SOMEONE"})
    assert other["success"] is False


def test_expired_oauth_token_login(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.settings.spcs_token_lifetime = 0.1
    try:
        token = spcs.mint_session_token()
    finally:
        spcs.settings.spcs_token_lifetime = 3600
    time.sleep(0.2)
    assert _login(client, spcs, {"AUTHENTICATOR": "OAUTH", "TOKEN": token})["code"] == "390318"


def test_gzip_request_bodies_are_read(spcs: SpcsEmulator, client: httpx.Client) -> None:
    import gzip
    import json

    body = gzip.compress(json.dumps({"data": {"LOGIN_NAME": "SPCS_USER", "PASSWORD": spcs.password}}).encode())
    reply = client.post(
        f"{spcs.account_url}/session/v1/login-request",
        content=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert reply.json()["success"] is True
