"""The Snowflake provider's ``snowflake`` connection mapped onto SpcsConfig: reading rules and method choice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.errors import SpcsConfigError

ACCOUNT = {"account": "myorg-myacct"}


def snow(
    extra: dict[str, Any] | str | None = None,
    *,
    login: str | None = "ALICE",
    password: str | None = None,
    schema: str | None = None,
    env: dict[str, str] | None = None,
) -> SpcsConfig:
    return SpcsConfig.from_connection(
        conn_type="snowflake",
        login=login,
        password=password,
        extra=extra if extra is not None else dict(ACCOUNT),
        schema=schema,
        env=env or {},
    )


def test_password_is_the_default_method() -> None:
    c = snow(password="pw")
    assert (c.auth_method, c.user, c.password) == ("password", "ALICE", "pw")
    assert c.account_url == "https://myorg-myacct.snowflakecomputing.com"


@pytest.mark.parametrize("authenticator", ["snowflake_jwt", "SNOWFLAKE_JWT", "snowflake", None, "externalbrowser"])
def test_a_present_key_means_key_pair_with_the_password_as_passphrase(rsa_key: Any, authenticator: str | None) -> None:
    extra = {**ACCOUNT, "private_key_content": rsa_key.encrypted_pem}
    if authenticator:
        extra["authenticator"] = authenticator
    c = snow(extra, password=f"  {rsa_key.passphrase} ")
    assert c.auth_method == "key_pair"
    assert c.private_key_passphrase == rsa_key.passphrase  # stripped, as the Snowflake provider does
    assert c.password is None  # not also a login password


def test_pat_authenticator_takes_the_pat_from_password() -> None:
    c = snow({**ACCOUNT, "authenticator": "Programmatic_Access_Token"}, password="the-pat-value\n")
    assert (c.auth_method, c.token, c.password, c.user) == ("pat", "the-pat-value", None, "ALICE")


def test_pat_authenticator_falls_back_to_the_token_extra() -> None:
    c = snow({**ACCOUNT, "authenticator": "programmatic_access_token", "token": "tok"})
    assert c.token == "tok"


def test_oauth_client_credentials_maps_login_and_password_to_the_client() -> None:
    extra = {
        **ACCOUNT,
        "authenticator": "OAuth",
        "grant_type": "client_credentials",
        "token_endpoint": "https://idp.example/token",
        "scope": "session:role:R",
    }
    c = snow(extra, login="client-id", password="client-secret")
    assert c.auth_method == "oauth"
    assert c.oauth_grant == "client_credentials"
    assert (c.oauth_client_id, c.oauth_client_secret, c.oauth_scope) == ("client-id", "client-secret", "session:role:R")
    assert c.oauth_token_endpoint == "https://idp.example/token"
    assert c.user is None  # Login is the client id, not a Snowflake user


def test_refresh_token_forces_oauth_and_its_grant() -> None:
    c = snow({**ACCOUNT, "refresh_token": "rt"}, login="cid", password="cs")
    assert (c.auth_method, c.oauth_grant, c.oauth_refresh_token) == ("oauth", "refresh_token", "rt")


def test_an_explicit_client_credentials_grant_wins_over_a_refresh_token() -> None:
    extra = {**ACCOUNT, "authenticator": "oauth", "grant_type": "client_credentials", "refresh_token": "rt"}
    c = snow(extra, login="cid", password="cs")
    assert (c.oauth_grant, c.oauth_refresh_token) == ("client_credentials", None)


def test_the_default_token_endpoint_is_the_accounts_token_request() -> None:
    c = snow({**ACCOUNT, "authenticator": "oauth"}, login="cid", password="cs")
    assert c.oauth_token_endpoint == "https://myorg-myacct.snowflakecomputing.com/oauth/token-request"
    local = snow(
        {**ACCOUNT, "authenticator": "oauth", "host": "localhost", "port": 8080, "protocol": "HTTP"}, password="s"
    )
    assert local.oauth_token_endpoint == "http://localhost:8080/oauth/token-request"


def test_a_ready_token_needs_no_grant() -> None:
    c = snow({**ACCOUNT, "authenticator": "oauth", "token": "access"}, login=None)
    assert (c.auth_method, c.token, c.oauth_grant, c.oauth_token_endpoint) == ("oauth", "access", None, None)


def test_an_oauth_token_file_is_the_spcs_session_token(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t")
    c = snow({**ACCOUNT, "authenticator": "oauth", "token_file_path": str(token_file)})
    assert (c.auth_method, c.token_file) == ("spcs_token", str(token_file))
    ours = snow({**ACCOUNT, "token_file": str(token_file)})
    assert (ours.auth_method, ours.token_file) == ("spcs_token", str(token_file))


def test_region_joins_the_account_for_urls() -> None:
    c = snow({"account": "xy12345", "region": "us-east-1", "private_key_content": "k"})
    assert c.account == "xy12345.us-east-1"
    assert c.account_url == "https://xy12345.us-east-1.snowflakecomputing.com"
    again = snow({"account": "xy12345.us-east-1", "region": "US-EAST-1", "private_key_content": "k"})
    assert again.account == "xy12345.us-east-1"


def test_session_context_and_the_schema_field() -> None:
    extra = {**ACCOUNT, "role": "R", "warehouse": "W", "database": "D", "schema": "IGNORED"}
    c = snow(extra, password="pw", schema="  S  ")
    assert (c.role, c.warehouse, c.database, c.schema) == ("R", "W", "D", "S")
    assert snow(dict(ACCOUNT), password="pw", env={"SNOWFLAKE_SCHEMA": "ENV"}).schema == "ENV"


def test_host_port_protocol_make_the_account_url() -> None:
    https = snow({**ACCOUNT, "host": "myorg-myacct.privatelink.snowflakecomputing.com"}, password="p")
    assert https.account_url == "https://myorg-myacct.privatelink.snowflakecomputing.com"
    assert snow({**ACCOUNT, "host": "h.example", "port": "8443"}, password="p").account_url == "https://h.example:8443"
    assert snow({**ACCOUNT, "port": 444}, password="p").account_url == "https://myorg-myacct.snowflakecomputing.com:444"
    loopback = snow({**ACCOUNT, "host": "127.0.0.1", "port": 12345, "protocol": "http"}, password="p")
    assert loopback.account_url == "http://127.0.0.1:12345"


def test_host_wins_over_the_in_spcs_host() -> None:
    env = {"SNOWFLAKE_HOST": "snowflake.internal", "SNOWFLAKE_ACCOUNT": "env-acct"}
    assert snow({"host": "h.example"}, password="p", env=env).account_url == "https://h.example"
    c = snow({}, password="p", env=env)
    assert (c.account, c.account_url) == ("env-acct", "https://snowflake.internal")


def test_legacy_prefixed_keys_are_read_and_the_bare_key_wins() -> None:
    extra = {
        "extra__snowflake__account": "legacy-acct",
        "extra__snowflake__role": "LEGACY",
        "role": "BARE",
        "extra__snowflake__private_key_content": "k",
    }
    c = snow(extra)
    assert (c.account, c.role, c.auth_method) == ("legacy-acct", "BARE", "key_pair")


def test_a_present_but_empty_bare_key_means_unset_even_with_a_legacy_value() -> None:
    c = snow({**ACCOUNT, "role": "", "extra__snowflake__role": "LEGACY"}, password="p")
    assert c.role is None


def test_bare_only_names_ignore_their_legacy_form() -> None:
    extra = {
        **ACCOUNT,
        "extra__snowflake__authenticator": "programmatic_access_token",
        "extra__snowflake__host": "ignored.example",
    }
    c = snow(extra, password="pw")
    assert (c.auth_method, c.account_url) == ("password", "https://myorg-myacct.snowflakecomputing.com")


def test_own_extras_and_json_text() -> None:
    extra = json.dumps(
        {**ACCOUNT, "authenticator": "programmatic_access_token", "pat_exchange": True, "ingress_hosts": "h.example"}
    )
    c = snow(extra, password="pat")
    assert c.pat_exchange is True
    assert [str(p) for p in c.ingress_hosts] == ["h.example"]


def test_snowflake_spcs_names_mean_nothing_on_a_snowflake_connection() -> None:
    """The Snowflake provider ignores unknown keys; so do we (and they do not pick the method)."""
    c = snow({**ACCOUNT, "auth_method": "pat", "token": "t", "oauth_client_secret": "s"}, password="pw")
    assert (c.auth_method, c.token, c.oauth_client_secret) == ("password", None, None)


def test_empty_conn_type_is_snowflake_spcs_and_others_are_refused() -> None:
    c = SpcsConfig.from_connection(conn_type="", login="u", password=None, extra={"account": "a", "token": "t"}, env={})
    assert c.auth_method == "pat"
    with pytest.raises(SpcsConfigError, match=r"^conn_type: .*'snowflake_spcs' or 'snowflake'"):
        SpcsConfig.from_connection(conn_type="http", login="u", password=None, extra={}, env={})


SECRET = "hunter2-not-for-logs"


@pytest.mark.parametrize(
    ("extra", "password", "field", "words"),
    [
        ({"authenticator": "programmatic_access_token"}, f"{SECRET}\r\nX-Injected: 1", "password", "control character"),
        ({"authenticator": "programmatic_access_token"}, f"{SECRET}é", "password", "non-ASCII"),
        ({"authenticator": "oauth", "grant_type": "client_credentials"}, f"{SECRET}\n1", "password", "line break"),
        ({"private_key_content": "k"}, f"{SECRET}\x00", "password", "control character"),
        ({"authenticator": "oauth", "token": f"{SECRET}ü"}, None, "extra.token", "non-ASCII"),
        ({"refresh_token": f"{SECRET}\nX"}, "cs", "extra.refresh_token", "control character"),
        (
            {"token_endpoint": f"https://u:{SECRET}@idp.example/t", "authenticator": "oauth"},
            "s",
            "extra.token_endpoint",
            "user:",
        ),
        ({"account": f"{SECRET}.snowflakecomputing.com"}, "pw", "extra.account", "not the host name"),
        ({"account": "acct", "region": f"{SECRET}/x"}, "pw", "extra.region", "region"),
        ({"role": f"R\n{SECRET}"}, "pw", "extra.role", "control character"),
        ({"ingress_hosts": f"https://{SECRET}.example"}, "pw", "extra.ingress_hosts", "without scheme"),
        ({"authenticator": f"https://{SECRET}.okta.com/"}, "pw", "extra.authenticator", "Okta"),
        ({"authenticator": SECRET}, "pw", "extra.authenticator", "use one of"),
    ],
)
def test_bad_values_name_their_setting_and_never_echo(
    extra: dict[str, Any], password: str | None, field: str, words: str
) -> None:
    with pytest.raises(SpcsConfigError) as info:
        snow({**ACCOUNT, **extra}, login="cid", password=password)
    assert info.value.field == field
    assert words in str(info.value)
    assert SECRET not in str(info.value)
