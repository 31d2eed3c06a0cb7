"""``snowflake``-type connections (the Snowflake provider's own shapes) pointing at the emulator.

The shapes are the ones the Snowflake provider documents (apache-airflow-providers-snowflake
6.13-6.20, "Snowflake Connection"): the credential fields exactly as a user would have them for
that provider, plus ``host``/``port``/``protocol`` so the connection reaches the emulator instead of
``<account>.snowflakecomputing.com``. Nothing here uses our own ``snowflake_spcs`` names.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from airflow_provider_spcs.testing import SpcsEmulator

PASSPHRASE = "correct-horse-battery-staple"
_encrypted: dict[str, str] = {}


def _default_context(spcs: SpcsEmulator) -> tuple[str, str]:
    """The default world's database and schema, as the emulator's own connections name them."""
    extra = spcs.connection("pat")["extra"]
    return extra["database"], extra["schema"]


def endpoint(spcs: SpcsEmulator) -> dict[str, Any]:
    """The connector's ``host``/``port``/``protocol`` extras for the emulator's account port."""
    parts = urlsplit(spcs.account_url)
    return {"host": parts.hostname, "port": parts.port, "protocol": parts.scheme}


def snowflake_connection(
    spcs: SpcsEmulator,
    *,
    login: str | None = None,
    password: str | None = None,
    schema: str | None = "",
    **extra: Any,
) -> dict[str, Any]:
    """A ``snowflake`` connection dict for ``AIRFLOW_CONN_<ID>``: session context, emulator endpoint, ``extra``.

    ``schema`` is the Schema field: the default world's schema unless given (``None`` leaves it out).
    """
    database, default_schema = _default_context(spcs)
    schema = default_schema if schema == "" else schema
    extras: dict[str, Any] = {
        "account": spcs.account,
        "role": spcs.role,
        "database": database,
        "warehouse": "SPCS_WH",
        **endpoint(spcs),
    }
    for key, value in extra.items():
        if value is None:
            extras.pop(key, None)
        else:
            extras[key] = value
    conn: dict[str, Any] = {"conn_type": "snowflake", "login": login or spcs.user, "extra": extras}
    if password is not None:
        conn["password"] = password
    if schema is not None:
        conn["schema"] = schema
    return conn


def encrypted_pem(spcs: SpcsEmulator) -> str:
    """The emulator user's key encrypted with :data:`PASSPHRASE` (the KDF is slow: once per session)."""
    if "pem" not in _encrypted:
        _encrypted["pem"] = spcs.encrypted_private_key_pem(PASSPHRASE)
    return _encrypted["pem"]


Shape = Callable[[SpcsEmulator, Path], dict[str, Any]]


def _key_file(spcs: SpcsEmulator, tmp_path: Path, pem: str) -> str:
    path = tmp_path / "rsa_key.p8"
    path.write_text(pem)
    return str(path)


def _token_file(spcs: SpcsEmulator, tmp_path: Path) -> str:
    path = tmp_path / "session-token"
    spcs.write_session_token_file(path)
    return str(path)


SHAPES: dict[str, tuple[str, Shape]] = {
    # name: (the auth method it must map to, connection builder)
    "key pair, PEM in private_key_content": (
        "key_pair",
        lambda spcs, tmp: snowflake_connection(spcs, private_key_content=spcs.private_key_pem),
    ),
    "key pair, base64 of the PEM": (
        "key_pair",
        lambda spcs, tmp: snowflake_connection(
            spcs, private_key_content=base64.b64encode(spcs.private_key_pem.encode()).decode()
        ),
    ),
    "key pair, encrypted, passphrase in Password": (
        "key_pair",
        lambda spcs, tmp: snowflake_connection(spcs, password=PASSPHRASE, private_key_content=encrypted_pem(spcs)),
    ),
    "key pair, private_key_file": (
        "key_pair",
        lambda spcs, tmp: snowflake_connection(spcs, private_key_file=_key_file(spcs, tmp, spcs.private_key_pem)),
    ),
    "key pair, encrypted file, authenticator SNOWFLAKE_JWT": (
        "key_pair",
        lambda spcs, tmp: snowflake_connection(
            spcs,
            password=PASSPHRASE,
            authenticator="SNOWFLAKE_JWT",
            private_key_file=_key_file(spcs, tmp, encrypted_pem(spcs)),
        ),
    ),
    "key pair, account locator with region": (
        "key_pair",
        lambda spcs, tmp: snowflake_connection(spcs, region="us-east-1", private_key_content=spcs.private_key_pem),
    ),
    "PAT in Password, authenticator programmatic_access_token": (
        "pat",
        lambda spcs, tmp: snowflake_connection(spcs, password=spcs.pat, authenticator="programmatic_access_token"),
    ),
    "password only": ("password", lambda spcs, tmp: snowflake_connection(spcs, password=spcs.password)),
    "password, authenticator snowflake": (
        "password",
        lambda spcs, tmp: snowflake_connection(spcs, password=spcs.password, authenticator="Snowflake"),
    ),
    "OAuth refresh-token grant": (
        "oauth",
        lambda spcs, tmp: snowflake_connection(
            spcs,
            login=spcs.oauth_client_id,
            password=spcs.oauth_client_secret,
            authenticator="oauth",
            refresh_token=spcs.oauth_refresh_token,
            token_endpoint=spcs.oauth_token_endpoint,
        ),
    ),
    "OAuth client-credentials grant": (
        "oauth",
        lambda spcs, tmp: snowflake_connection(
            spcs,
            login=spcs.oauth_client_id,
            password=spcs.oauth_client_secret,
            authenticator="OAUTH",
            grant_type="client_credentials",
            scope=f"session:role:{spcs.role}",
            token_endpoint=spcs.oauth_token_endpoint,
        ),
    ),
    "OAuth, a ready access token": (
        "oauth",
        lambda spcs, tmp: snowflake_connection(spcs, authenticator="oauth", token=spcs.mint_oauth_token()),
    ),
    "OAuth token file (inside SPCS)": (
        "spcs_token",
        lambda spcs, tmp: snowflake_connection(
            spcs, authenticator="oauth", token_file_path=_token_file(spcs, tmp), login=None
        ),
    ),
    "legacy extra__snowflake__ keys": (
        "key_pair",
        lambda spcs, tmp: {
            "conn_type": "snowflake",
            "login": spcs.user,
            "schema": _default_context(spcs)[1],
            "extra": {
                "extra__snowflake__account": spcs.account,
                "extra__snowflake__role": spcs.role,
                "extra__snowflake__database": _default_context(spcs)[0],
                "extra__snowflake__warehouse": "SPCS_WH",
                "extra__snowflake__private_key_content": spcs.private_key_pem,
                **endpoint(spcs),  # read bare only, like the Snowflake provider does
            },
        },
    ),
}
"""Every connection shape the Snowflake provider documents, with the auth method it must become."""


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, conn: dict[str, Any]) -> str:
    """Define ``conn_id`` in the environment, as ``AIRFLOW_CONN_<ID>`` JSON; returns the id."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id
