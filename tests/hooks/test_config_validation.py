"""Hostile and mistyped settings fail in the connection reader: the error names the setting and the fix,
never the value, and not one request reaches the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from snowflake_connections import set_connection, snowflake_connection

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator

SECRET = "hunter2-s3cret-value"
"""Planted in every bad value that could hold a secret; it must never appear in an error."""

Build = Callable[[SpcsEmulator, Path], dict[str, Any]]


def spcs_conn(method: str = "pat", **overrides: Any) -> Build:
    return lambda spcs, tmp: spcs.connection(method, **overrides)  # type: ignore[arg-type]


def _big_key_file(spcs: SpcsEmulator, tmp: Path) -> dict[str, Any]:
    path = tmp / "huge.p8"
    path.write_bytes(spcs.private_key_pem.encode() + b"\n" * (64 * 1024))
    return spcs.connection("key_pair", private_key_content=None, private_key_file=str(path))


def _key_dir(spcs: SpcsEmulator, tmp: Path) -> dict[str, Any]:
    return spcs.connection("key_pair", private_key_content=None, private_key_file=str(tmp))


def _token_dir(spcs: SpcsEmulator, tmp: Path) -> dict[str, Any]:
    return spcs.connection("spcs_token", token_file=str(tmp))


def _big_token_file(spcs: SpcsEmulator, tmp: Path) -> dict[str, Any]:
    path = tmp / "token"
    path.write_text("t" * (64 * 1024 + 1))
    return spcs.connection("spcs_token", token_file=str(path))


def _raw_extra(spcs: SpcsEmulator, tmp: Path) -> dict[str, Any]:
    conn = spcs.connection("pat")
    text = json.dumps(conn["extra"])
    conn["extra"] = text[:-1] + f', "token": "{SECRET}"'  # a missing closing brace
    return conn


def _loadable(conn_id: str) -> None:
    """Skip when Airflow itself cannot load the connection (3.1 drops one whose extra is not JSON)."""
    from airflow.exceptions import AirflowNotFoundException  # type: ignore[attr-defined]
    from airflow.sdk import BaseHook

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        pytest.skip("this Airflow reports a connection with invalid extra JSON as not defined")


CASES: list[tuple[str, Build, str, str]] = [
    ("account with a path", spcs_conn(account="attacker.example/#"), "extra.account", "only letters"),
    (
        "host name as account",
        spcs_conn(account="myorg-myacct.snowflakecomputing.com", account_url=None),
        "extra.account",
        "give the account identifier, not the host name",
    ),
    (
        "userinfo in account_url",
        lambda spcs, tmp: spcs.connection("pat", account_url=spcs.account_url.replace("://", f"://u:{SECRET}@")),
        "extra.account_url",
        "user:password@",
    ),
    (
        "userinfo in oauth_token_endpoint",
        lambda spcs, tmp: spcs.connection(
            "oauth", oauth_token_endpoint=spcs.oauth_token_endpoint.replace("://", f"://u:{SECRET}@")
        ),
        "extra.oauth_token_endpoint",
        "user:password@",
    ),
    (
        "userinfo in token_endpoint",
        lambda spcs, tmp: snowflake_connection(
            spcs,
            login=spcs.oauth_client_id,
            password=spcs.oauth_client_secret,
            authenticator="oauth",
            grant_type="client_credentials",
            token_endpoint=spcs.oauth_token_endpoint.replace("://", f"://u:{SECRET}@"),
        ),
        "extra.token_endpoint",
        "user:password@",
    ),
    ("PAT with CR/LF", spcs_conn(token=f"{SECRET}\r\nX-Evil: 1"), "extra.token", "control character"),
    ("PAT with non-ASCII", spcs_conn(token=f"{SECRET}\u00e9"), "extra.token", "non-ASCII"),
    (
        "PAT in the password with LF",
        spcs_conn(token=None, password=f"{SECRET}\nX"),
        "password",
        "control character",
    ),
    (
        "PAT in a snowflake connection's Password with CR/LF",
        lambda spcs, tmp: snowflake_connection(
            spcs, password=f"{SECRET}\r\nX-Evil: 1", authenticator="programmatic_access_token"
        ),
        "password",
        "control character",
    ),
    ("password with LF", spcs_conn("password", password=f"{SECRET}\n"), "password", "trailing newline"),
    (
        "client secret with CR",
        spcs_conn("oauth", oauth_client_secret=f"{SECRET}\rX"),
        "extra.oauth_client_secret",
        "control character",
    ),
    ("private_key_file over 64 KB", _big_key_file, "extra.private_key_file", "larger than 64 KB"),
    (
        "private_key_file is /dev/zero",
        spcs_conn("key_pair", private_key_content=None, private_key_file="/dev/zero"),
        "extra.private_key_file",
        "not a regular file",
    ),
    ("private_key_file is a directory", _key_dir, "extra.private_key_file", "is a directory"),
    ("token_file is a directory", _token_dir, "extra.token_file", "is a directory"),
    ("token_file over 64 KB", lambda spcs, tmp: _big_token_file(spcs, tmp), "extra.token_file", "larger than 64 KB"),
    ("token_file is /dev/zero", spcs_conn("spcs_token", token_file="/dev/zero"), "extra.token_file", "not a regular"),
    (
        "role smuggling a scope item",
        spcs_conn("key_pair", role=f"PUBLIC {SECRET}.example"),
        "extra.role",
        "white space",
    ),
    ("role with a tab", spcs_conn("key_pair", role="PUBLIC\tX"), "extra.role", "control character"),
    ("extra is not JSON", _raw_extra, "extra", "is not valid JSON"),
    ("ingress_hosts with a scheme", spcs_conn(ingress_hosts="https://evil.example"), "extra.ingress_hosts", "scheme"),
    ("ingress_hosts as '*'", spcs_conn(ingress_hosts="*"), "extra.ingress_hosts", "every host"),
]


@pytest.mark.parametrize(("case", "build", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_setting_is_named_secret_free_and_sends_nothing(
    spcs: SpcsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: str,
    build: Build,
    field: str,
    words: str,
) -> None:
    hook = SpcsHook(set_connection(monkeypatch, "spcs_hostile", build(spcs, tmp_path)))
    _loadable(hook.spcs_conn_id)
    with pytest.raises(SpcsConfigError) as info:
        hook.get_service_status("ECHO_SERVICE")
    message = str(info.value)
    assert info.value.field == field
    assert message.startswith(f"{field}: ")
    assert words in message
    for secret in (SECRET, spcs.pat, spcs.password, spcs.oauth_client_secret):
        assert secret not in message
    assert spcs.stats()["requests"] == {}


@pytest.mark.parametrize(
    ("host", "words"),
    [("attacker.example/#", "without scheme, path"), ("snowflake.internal:99999", "1 to 65535"), ("a b", "host name")],
)
def test_snowflake_host_is_checked_as_host_and_port(
    spcs: SpcsEmulator, monkeypatch: pytest.MonkeyPatch, host: str, words: str
) -> None:
    monkeypatch.setenv("SNOWFLAKE_HOST", host)
    hook = SpcsHook(set_connection(monkeypatch, "spcs_in_spcs", spcs.connection("pat", account_url=None)))
    with pytest.raises(SpcsConfigError) as info:
        hook.get_service_status("ECHO_SERVICE")
    assert info.value.field == "SNOWFLAKE_HOST"
    assert words in str(info.value)
    assert spcs.stats()["requests"] == {}


async def test_invalid_json_is_reported_as_json_by_the_async_path_too(
    spcs: SpcsEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hook = SpcsHook(set_connection(monkeypatch, "spcs_hostile", _raw_extra(spcs, tmp_path)))
    _loadable(hook.spcs_conn_id)
    with pytest.raises(SpcsConfigError, match=r"^extra: is not valid JSON"):
        await hook.aget_service_status("ECHO_SERVICE")
    assert spcs.stats()["requests"] == {}
