"""SpcsConfig: field reading, inference, in-SPCS defaults, and one clear error per bad combination."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.errors import SpcsConfigError

if TYPE_CHECKING:
    from tests.core.conftest import KeyMaterial

NO_ENV: dict[str, str] = {}


def cfg(
    login: str | None = "alice", password: str | None = None, env: dict[str, str] | None = None, **extra: object
) -> SpcsConfig:
    return SpcsConfig.from_connection(login=login, password=password, extra=extra, env=NO_ENV if env is None else env)


def test_key_pair_inferred_and_defaults(rsa_key: KeyMaterial) -> None:
    c = cfg(account="myorg-myacct", private_key_content=rsa_key.pem, role="ANALYST")
    assert c.auth_method == "key_pair"
    assert c.account_url == "https://myorg-myacct.snowflakecomputing.com"
    assert c.role == "ANALYST"
    assert rsa_key.pem not in repr(c)


@pytest.mark.parametrize(
    ("extra", "password", "expected"),
    [
        ({"token": "pat-value"}, None, "pat"),
        (
            {
                "oauth_token_endpoint": "https://idp.example.com/token",
                "oauth_client_id": "c",
                "oauth_client_secret": "s",
            },
            None,
            "oauth",
        ),
        ({}, "pw", "password"),
    ],
)
def test_inference(extra: dict[str, Any], password: str | None, expected: str) -> None:
    assert cfg(password=password, account="a", **extra).auth_method == expected


def test_token_file_inference(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t")
    assert cfg(login=None, account="a", token_file=str(token_file)).auth_method == "spcs_token"


def test_prefixed_extras_are_a_fallback() -> None:
    c = SpcsConfig.from_connection(
        login="u",
        password=None,
        extra=json.dumps(
            {"extra__snowflake_spcs__account": "legacy", "account": "", "extra__snowflake_spcs__token": "t"}
        ),
        env=NO_ENV,
    )
    assert (c.account, c.auth_method) == ("legacy", "pat")


def test_bare_key_wins_over_prefixed() -> None:
    c = cfg(account="bare", extra__snowflake_spcs__account="legacy", token="t")
    assert c.account == "bare"


def test_inside_spcs_defaults(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t")
    env = {
        "SNOWFLAKE_HOST": "snowflake.us-west-2.internal",
        "SNOWFLAKE_ACCOUNT": "XY12345",
        "SNOWFLAKE_DATABASE": "DB",
        "SNOWFLAKE_SCHEMA": "SC",
    }
    c = cfg(login=None, env=env, auth_method="spcs_token", token_file=str(token_file))
    assert (c.account, c.account_url, c.database, c.schema) == (
        "XY12345",
        "https://snowflake.us-west-2.internal",
        "DB",
        "SC",
    )


def test_passphrase_falls_back_to_password(rsa_key: KeyMaterial) -> None:
    c = cfg(password="pp", account="a", private_key_content=rsa_key.encrypted_pem)
    assert c.private_key_passphrase == "pp"
    assert cfg(password="pat", account="a", auth_method="pat").token == "pat"


def test_pat_exchange_flag() -> None:
    assert cfg(account="a", token="t", pat_exchange="true").pat_exchange is True
    assert cfg(account="a", token="t", pat_exchange=False).pat_exchange is False
    with pytest.raises(SpcsConfigError, match=r"extra\.pat_exchange"):
        cfg(account="a", token="t", pat_exchange="maybe")


def test_oauth_grant_kind() -> None:
    base: dict[str, Any] = {"account": "a", "oauth_token_endpoint": "https://idp/token", "oauth_client_id": "c"}
    assert cfg(oauth_client_secret="s", **base).oauth_grant == "client_credentials"
    assert cfg(oauth_refresh_token="r", **base).oauth_grant == "refresh_token"
    assert cfg(account="a", auth_method="oauth", token="tok").oauth_grant is None


SECRET = "s3cr3t-value-never-echoed"


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"account": "a", "auth_method": "kerberos", "token": SECRET}, "extra.auth_method", "unknown auth method"),
        (
            {"account": "a", "private_key_content": SECRET, "private_key_file": "/k.p8"},
            "extra.private_key_file",
            "not both",
        ),
        ({"token": SECRET}, "extra.account", "required"),
        ({"account": "a", "private_key_file": "/nonexistent/key.p8"}, "extra.private_key_file", "cannot read"),
        ({"account": "a", "auth_method": "pat"}, "extra.token", "needs the programmatic access token"),
        (
            {"account": "a", "auth_method": "spcs_token", "token_file": "/nonexistent/token"},
            "extra.token_file",
            "does not exist",
        ),
        ({"account": "a", "auth_method": "oauth"}, "extra.oauth_token_endpoint", "needs an access token"),
        ({"account": "a", "oauth_token_endpoint": "https://idp/token"}, "extra.oauth_client_id", "oauth_client_id"),
        (
            {"account": "a", "oauth_token_endpoint": "https://idp/token", "oauth_client_id": "c"},
            "extra.oauth_client_secret",
            "oauth_refresh_token",
        ),
        (
            {
                "account": "a",
                "oauth_token_endpoint": "http://idp.example.com/token",
                "oauth_client_id": "c",
                "oauth_client_secret": SECRET,
            },
            "extra.oauth_token_endpoint",
            "plain http",
        ),
        (
            {"account": "a", "token": SECRET, "account_url": "http://myorg-myacct.snowflakecomputing.com"},
            "extra.account_url",
            "plain http",
        ),
        ({"account": "a", "token": SECRET, "account_url": "ftp://x"}, "extra.account_url", "https://"),
        ({"account": "a", "auth_method": "password"}, "password", "needs the password"),
        ({"account": "a"}, "extra.auth_method", "cannot infer"),
    ],
)
def test_bad_inputs_name_the_setting(kwargs: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(SpcsConfigError) as info:
        cfg(**kwargs)
    assert info.value.field == field
    assert words in str(info.value)
    assert str(info.value).startswith(field)
    assert SECRET not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_key_pair_needs_login(rsa_key: KeyMaterial) -> None:
    with pytest.raises(SpcsConfigError, match=r"^login: "):
        cfg(login=None, account="a", private_key_content=rsa_key.pem)


def test_loopback_http_is_allowed() -> None:
    assert cfg(account="a", token="t", account_url="http://127.0.0.1:8080/").account_url == "http://127.0.0.1:8080"
    assert cfg(account="a", token="t", account_url="http://localhost:1").account_url == "http://localhost:1"


def test_extra_must_be_json_object() -> None:
    with pytest.raises(SpcsConfigError, match=r"^extra: "):
        SpcsConfig.from_connection(login="u", password=None, extra="[1]", env=NO_ENV)
    with pytest.raises(SpcsConfigError, match=r"^extra: "):
        SpcsConfig.from_connection(login="u", password=None, extra="{not json", env=NO_ENV)


def test_secrets_reported(rsa_key: KeyMaterial) -> None:
    from airflow_provider_spcs.core.secrets import add_secret_sink, remove_secret_sink

    seen: list[str] = []
    add_secret_sink(seen.append)
    try:
        cfg(password="pw-1", account="a", private_key_content=rsa_key.pem, private_key_passphrase="pp-1")
    finally:
        remove_secret_sink(seen.append)
    assert {"pw-1", "pp-1"} <= set(seen)
    # a PEM is registered as its body lines (which mask it whole, line by line or escaped), not whole
    body = [line for line in rsa_key.pem.splitlines() if "-----" not in line]
    assert set(body) <= set(seen)
    assert not [s for s in seen if "\n" in s or "-----" in s]
