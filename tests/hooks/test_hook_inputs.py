"""Bad connection settings and unsafe names fail before any request, naming the setting to fix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import pytest
from cryptography.hazmat.primitives import serialization

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook

_memo: dict[str, str] = {}


def _pkcs1(spcs: SpcsEmulator) -> str:
    key = serialization.load_pem_private_key(spcs.private_key_pem.encode(), password=None)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("unknown method", "key_pair", {"auth_method": "kerberos"}, "extra.auth_method", "unknown auth method 'kerberos'"),
    ("key twice", "key_pair", {"private_key_file": "/tmp/key.p8"}, "extra.private_key_file", "not both"),
    ("no account", "pat", {"account": None}, "extra.account", "required"),
    (
        "unreadable key file",
        "key_pair",
        {"private_key_content": None, "private_key_file": "/nonexistent/k.p8"},
        "extra.private_key_file",
        "cannot read",
    ),
    ("pkcs1 key", "key_pair", {"private_key_content": "PKCS1"}, "extra.private_key_content", "not a PKCS#8 PEM"),
    (
        "not a key",
        "key_pair",
        {"private_key_content": "hello world"},
        "extra.private_key_content",
        "neither PEM text nor base64",
    ),
    (
        "encrypted, no passphrase",
        "key_pair",
        {"private_key_content": "ENCRYPTED"},
        "extra.private_key_passphrase",
        "encrypted",
    ),
    (
        "wrong passphrase",
        "key_pair",
        {"private_key_content": "ENCRYPTED", "private_key_passphrase": "wrong-pass-phrase"},
        "extra.private_key_passphrase",
        "wrong passphrase",
    ),
    ("missing token", "pat", {"token": None}, "extra.token", "programmatic access token"),
    (
        "token file absent",
        "spcs_token",
        {"token_file": "/nonexistent/session/token"},
        "extra.token_file",
        "does not exist",
    ),
    ("oauth without client id", "oauth", {"oauth_client_id": None}, "extra.oauth_client_id", "oauth_client_id"),
    ("oauth without secret", "oauth", {"oauth_client_secret": None}, "extra.oauth_client_secret", "client credentials"),
    (
        "oauth with nothing",
        "oauth",
        {"oauth_token_endpoint": None},
        "extra.oauth_token_endpoint",
        "needs an access token",
    ),
    (
        "http account url",
        "pat",
        {"account_url": "http://myorg-myacct.snowflakecomputing.com"},
        "extra.account_url",
        "plain http",
    ),
    (
        "http token endpoint",
        "oauth",
        {"oauth_token_endpoint": "http://idp.example.com/oauth/token"},
        "extra.oauth_token_endpoint",
        "plain http",
    ),
    ("password missing", "password", {"password": None}, "password", "needs the password"),
    ("user missing", "key_pair", {"login": None}, "login", "user name"),
]


def _set_conn(spcs: SpcsEmulator, monkeypatch: pytest.MonkeyPatch, method: str, overrides: dict[str, Any]) -> str:
    overrides = dict(overrides)
    if overrides.get("private_key_content") == "PKCS1":
        overrides["private_key_content"] = _pkcs1(spcs)
    if overrides.get("private_key_content") == "ENCRYPTED":
        if "encrypted" not in _memo:  # encrypting runs a slow KDF: once per session is enough
            _memo["encrypted"] = spcs.encrypted_private_key_pem("right-pass-phrase")
        overrides["private_key_content"] = _memo["encrypted"]
    auth_method = overrides.pop("auth_method", None)
    conn = spcs.connection(cast(Any, method), **overrides)
    if auth_method:
        conn["extra"]["auth_method"] = auth_method
    monkeypatch.setenv("AIRFLOW_CONN_SPCS_BAD", json.dumps(conn))
    return "spcs_bad"


@pytest.mark.parametrize(("case", "method", "overrides", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_sync(
    spcs: SpcsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    method: str,
    overrides: dict[str, Any],
    field: str,
    words: str,
) -> None:
    hook = SpcsHook(_set_conn(spcs, monkeypatch, method, overrides))
    with pytest.raises(SpcsConfigError) as info:
        hook.get_service_status("ECHO_SERVICE")
    assert info.value.field == field
    assert words in str(info.value)
    for secret in (spcs.pat, spcs.password, "wrong-pass-phrase", "right-pass-phrase"):
        assert secret not in str(info.value)
    assert spcs.stats()["requests"] == {}
    ok, message = hook.test_connection()
    assert not ok
    assert field in message


@pytest.mark.parametrize(("case", "method", "overrides", "field", "words"), CASES[:6], ids=[c[0] for c in CASES[:6]])
async def test_bad_input_async(
    spcs: SpcsEmulator,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    method: str,
    overrides: dict[str, Any],
    field: str,
    words: str,
) -> None:
    hook = SpcsHook(_set_conn(spcs, monkeypatch, method, overrides))
    with pytest.raises(SpcsConfigError) as info:
        await hook.arequest("GET", spcs.ingress_url())
    assert info.value.field == field
    assert words in str(info.value)
    assert spcs.stats()["requests"] == {}


@pytest.mark.parametrize("name", ["ECHO_SERVICE; DROP SERVICE X", "a.b.c.d", "svc name", "", "x'--", 'svc"'])
async def test_unsafe_service_names_are_refused_before_any_request(
    spcs: SpcsEmulator, make_hook: MakeHook, name: str
) -> None:
    hook = make_hook("pat")
    for call in (
        hook.describe_service,
        hook.get_service_status,
        hook.get_service_containers,
        hook.get_service_endpoints,
    ):
        with pytest.raises(SpcsConfigError) as info:
            call(name)
        assert info.value.field == "service"
    with pytest.raises(SpcsConfigError):
        hook.get_ingress_url(name, "echo")
    with pytest.raises(SpcsConfigError):
        await hook.adescribe_service(name)
    with pytest.raises(SpcsConfigError):
        await hook.aget_ingress_url(name, "echo")
    assert spcs.stats()["requests"] == {}


def test_quoted_names_reach_sql_quoted(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    assert hook.describe_service('"SPCS_DB".app."ECHO_SERVICE"')["name"] == "ECHO_SERVICE"
