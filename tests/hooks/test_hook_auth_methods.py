"""Every auth method end to end against the emulator: ingress call and DESCRIBE SERVICE, sync and async."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.errors import SpcsAuthError, SpcsConfigError
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook

METHODS = ("key_pair", "pat", "password", "spcs_token", "oauth")


@pytest.mark.parametrize("method", METHODS)
def test_sync_ingress_and_describe(spcs: SpcsEmulator, make_hook: MakeHook, method: str) -> None:
    hook = make_hook(method)
    url = spcs.ingress_url()
    response = hook.request("POST", f"{url}/run?x=1", json={"n": 1})
    echoed = response.json()
    assert response.status_code == 200
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/run"
    assert echoed["headers"]["sf-context-current-user"] == spcs.user
    assert "authorization" not in {k.lower() for k in echoed["headers"]}  # the proxy consumed our token
    row = hook.describe_service("ECHO_SERVICE")
    assert row["name"] == "ECHO_SERVICE"
    assert row["status"] == "RUNNING"
    assert hook.get_service_status("spcs_db.app.echo_service") == "RUNNING"


@pytest.mark.parametrize("method", METHODS)
async def test_async_ingress_and_describe(spcs: SpcsEmulator, make_hook: MakeHook, method: str) -> None:
    hook = make_hook(method)
    url = spcs.ingress_url()
    response, status = await asyncio.gather(
        hook.arequest("GET", f"{url}/a"), hook.aget_service_status("app.echo_service")
    )
    assert response.json()["headers"]["sf-context-current-user"] == spcs.user
    assert status == "RUNNING"
    assert (await hook.adescribe_service("ECHO_SERVICE"))["status"] == "RUNNING"
    await hook.aclose()


def test_ingress_headers_work_with_a_plain_client(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    import httpx

    hook = make_hook("key_pair")
    url = spcs.ingress_url()
    headers = hook.ingress_headers(url)
    assert headers["Authorization"].startswith('Snowflake Token="')
    assert httpx.get(f"{url}/plain", headers=headers).json()["headers"]["sf-context-current-user"] == spcs.user


async def test_aingress_headers(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    headers = await hook.aingress_headers(spcs.ingress_url())
    assert headers == {"Authorization": f'Snowflake Token="{spcs.pat}"'}


def test_encrypted_key_with_passphrase(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook(
        "key_pair",
        private_key_content=spcs.encrypted_private_key_pem("pass-phrase-1"),
        private_key_passphrase="pass-phrase-1",
    )
    assert hook.request("GET", spcs.ingress_url()).status_code == 200


def test_key_file_and_base64(spcs: SpcsEmulator, make_hook: MakeHook, tmp_path: Path) -> None:
    import base64

    key_file = tmp_path / "rsa_key.p8"
    key_file.write_text(spcs.private_key_pem)
    hook = make_hook("key_pair", private_key_content=None, private_key_file=str(key_file))
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    encoded = base64.b64encode(spcs.private_key_pem.encode()).decode()
    assert make_hook("key_pair", private_key_content=encoded).get_service_status("ECHO_SERVICE") == "RUNNING"


def test_pat_exchange_opt_in(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat", pat_exchange="true")
    url = spcs.ingress_url()
    for _ in range(5):
        assert hook.request("GET", url).status_code == 200
    assert spcs.stats()["exchanges"] == 1
    assert hook.ingress_headers(url) != {"Authorization": f'Snowflake Token="{spcs.pat}"'}


def test_oauth_refresh_token_grant(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("oauth", oauth_refresh_token=spcs.oauth_refresh_token)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert hook.run_sql("SELECT 1")


def test_oauth_given_token(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("oauth", token=spcs.mint_oauth_token(), oauth_token_endpoint=None, oauth_client_secret=None)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert hook.request("GET", spcs.ingress_url()).status_code == 200


def test_oauth_bad_client_secret(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("oauth", oauth_client_secret="wrong-secret-value")
    with pytest.raises(SpcsAuthError) as info:
        hook.get_service_status("ECHO_SERVICE")
    assert "invalid_client" in str(info.value)
    assert "wrong-secret-value" not in str(info.value)


def test_spcs_token_file_is_reread(spcs: SpcsEmulator, make_hook: MakeHook, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    spcs.write_session_token_file(token_file)
    hook = make_hook("spcs_token", token_file=str(token_file))
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    token_file.write_text("garbage-token-value")
    with pytest.raises(SpcsAuthError):
        hook.get_service_status("ECHO_SERVICE")
    spcs.write_session_token_file(token_file)  # Snowflake rotated it
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"


def test_wrong_password_fails_cleanly(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("password", password="definitely-wrong-pw")
    ok, message = hook.test_connection()
    assert not ok
    assert "SpcsAuthError" in message
    assert "definitely-wrong-pw" not in message


@pytest.mark.parametrize("method", METHODS)
def test_test_connection(spcs: SpcsEmulator, make_hook: MakeHook, method: str) -> None:
    ok, message = make_hook(method).test_connection()
    assert ok, message
    assert method in message


def test_get_conn_is_a_connector_session(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    connection = make_hook("key_pair").get_conn()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchall()
    finally:
        connection.close()


def test_http_to_a_remote_host_is_refused_before_any_request(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    with pytest.raises(SpcsConfigError, match="refusing to send credentials"):
        hook.request("GET", "http://example.com/x")
    assert spcs.stats()["requests"] == {}
