"""A ``snowflake`` connection (the Snowflake provider's type) works unchanged, end to end on the emulator.

Every documented shape does an ingress call and a DESCRIBE SERVICE through ``SpcsHook`` over real
sockets, sync and async; refused shapes fail before any request, naming the setting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from snowflake_connections import SHAPES, set_connection, snowflake_connection

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, poll_initial=0.01, poll_max=0.05, max_attempts=4)


HookFactory = Callable[[dict[str, Any]], SpcsHook]


@pytest.fixture
def hook_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookFactory]:
    """``hook_for(conn)``: a hook on ``conn`` saved as ``snowflake_default``; closed after the test."""
    hooks: list[SpcsHook] = []

    def factory(conn: dict[str, Any]) -> SpcsHook:
        hooks.append(SpcsHook(set_connection(monkeypatch, "snowflake_default", conn), retry_policy=FAST, timeout=10.0))
        return hooks[-1]

    yield factory
    for hook in hooks:
        hook.close()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_documented_shape_calls_ingress_and_describes(
    spcs: SpcsEmulator, hook_for: HookFactory, tmp_path: Path, shape: str
) -> None:
    method, build = SHAPES[shape]
    hook = hook_for(build(spcs, tmp_path))
    config = hook.get_config()
    assert config.auth_method == method
    assert config.account_url == spcs.account_url  # host/port/protocol, not <account>.snowflakecomputing.com
    response = hook.request("POST", f"{spcs.ingress_url()}/run", json={"n": 1})
    assert response.status_code == 200
    assert response.json()["headers"]["sf-context-current-user"] == spcs.user
    row = hook.describe_service("ECHO_SERVICE")  # unqualified: database and Schema field resolve it
    assert (row["name"], row["status"]) == ("ECHO_SERVICE", "RUNNING")
    requests = spcs.stats()["requests"]
    assert requests.get("ingress") == 1


@pytest.mark.parametrize(
    "shape", ["key pair, PEM in private_key_content", "PAT in Password, authenticator programmatic_access_token"]
)
async def test_async_twins_read_the_same_connection(
    spcs: SpcsEmulator, hook_for: HookFactory, tmp_path: Path, shape: str
) -> None:
    hook = hook_for(SHAPES[shape][1](spcs, tmp_path))
    response = await hook.arequest("GET", spcs.ingress_url())
    assert response.json()["headers"]["sf-context-current-user"] == spcs.user
    assert await hook.aget_service_status("ECHO_SERVICE") == "RUNNING"
    await hook.aclose()


def test_session_context_comes_from_the_snowflake_fields(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    conn = snowflake_connection(spcs, schema="OTHER", region="us-east-1", private_key_content=spcs.private_key_pem)
    config = hook_for(conn).get_config()
    assert (config.account, config.role, config.database, config.schema, config.warehouse) == (
        f"{spcs.account}.us-east-1",
        spcs.role,
        "SPCS_DB",
        "OTHER",
        "SPCS_WH",
    )


def test_the_pat_authenticator_sends_the_password_as_the_pat(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    """Read as ``snowflake_spcs`` this connection would log in with the PAT as a password."""
    conn = snowflake_connection(spcs, password=spcs.pat, authenticator="PROGRAMMATIC_ACCESS_TOKEN")
    hook = hook_for(conn)
    assert hook.ingress_headers(spcs.ingress_url()) == {"Authorization": f'Snowflake Token="{spcs.pat}"'}
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert spcs.stats()["logins"] == 0  # SQL API with the PAT: no connector login


def test_our_own_extras_can_be_added(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    conn = snowflake_connection(
        spcs,
        password=spcs.pat,
        authenticator="programmatic_access_token",
        pat_exchange=True,
        ingress_hosts="spcs.corp.example:8443, *.ingress.corp.example",
    )
    hook = hook_for(conn)
    config = hook.get_config()
    assert config.pat_exchange is True
    assert [str(p) for p in config.ingress_hosts] == ["spcs.corp.example:8443", "*.ingress.corp.example"]
    assert hook.request("GET", spcs.ingress_url()).status_code == 200
    assert spcs.stats()["exchanges"] == 1  # pat_exchange took effect


def test_connector_options_are_accepted_and_ignored(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    conn = snowflake_connection(
        spcs,
        password=spcs.password,
        insecure_mode=True,
        ocsp_fail_open=False,
        session_parameters={"QUERY_TAG": "airflow"},
        proxy_host="proxy.corp.example",
        proxy_port=8080,
        client_store_temporary_credential=True,
    )
    hook = hook_for(conn)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert hook.request("GET", spcs.ingress_url()).status_code == 200


REFUSED: list[tuple[str, dict[str, Any], str, str]] = [
    ("externalbrowser", {"authenticator": "externalbrowser"}, "extra.authenticator", "web browser"),
    ("mfa", {"authenticator": "USERNAME_PASSWORD_MFA"}, "extra.authenticator", "multi-factor"),
    ("okta", {"authenticator": "https://myorg.okta.com"}, "extra.authenticator", "Okta"),
    ("wif", {"authenticator": "WORKLOAD_IDENTITY", "workload_identity_provider": "AWS"}, "extra.authenticator", "REST"),
    ("unknown", {"authenticator": "kerberos"}, "extra.authenticator", "snowflake_jwt"),
    ("jwt without key", {"authenticator": "snowflake_jwt"}, "extra.private_key_content", "private_key_file"),
    ("bad grant", {"authenticator": "oauth", "grant_type": "password"}, "extra.grant_type", "client_credentials"),
    ("azure token", {"authenticator": "oauth", "azure_conn_id": "azure_default"}, "extra.azure_conn_id", "Azure"),
    ("refresh grant, no token", {"authenticator": "oauth", "grant_type": "refresh_token"}, "extra.refresh_token", ""),
    ("PAT missing", {"authenticator": "programmatic_access_token", "_password": None}, "password", "Password"),
    ("password missing", {"_password": None}, "password", "needs the password"),
    ("host with scheme", {"host": "https://x.example"}, "extra.host", "without scheme"),
    ("host with port", {"host": "127.0.0.1:9"}, "extra.host", "port extra"),
    ("bad port", {"port": "http"}, "extra.port", "1 to 65535"),
    ("bad protocol", {"protocol": "ftp"}, "extra.protocol", "https"),
    ("http to a foreign host", {"host": "snowflake.corp.example"}, "extra.protocol", "plain http"),
    ("account_url and host", {"account_url": "https://x.example"}, "extra.account_url", "not both"),
    ("host name as account", {"account": "myorg-myacct.snowflakecomputing.com"}, "extra.account", "not the host"),
    ("bad region", {"region": "us east/1"}, "extra.region", "region"),
]


@pytest.mark.parametrize(("case", "overrides", "field", "words"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_shapes_name_the_setting_and_send_nothing(
    spcs: SpcsEmulator, hook_for: HookFactory, case: str, overrides: dict[str, Any], field: str, words: str
) -> None:
    overrides = dict(overrides)
    password = overrides.pop("_password", spcs.password)
    hook = hook_for(snowflake_connection(spcs, password=password, **overrides))
    with pytest.raises(SpcsConfigError) as info:
        hook.get_service_status("ECHO_SERVICE")
    assert info.value.field == field
    assert words in str(info.value)
    for secret in (spcs.password, spcs.pat):
        assert secret not in str(info.value)
    assert spcs.stats()["requests"] == {}
    ok, message = hook.test_connection()
    assert not ok
    assert field in message


def test_test_connection_succeeds_for_a_snowflake_connection(spcs: SpcsEmulator, hook_for: HookFactory) -> None:
    ok, message = hook_for(snowflake_connection(spcs, private_key_content=spcs.private_key_pem)).test_connection()
    assert ok, message
    assert f"as {spcs.user}" in message
    assert "key_pair" in message
