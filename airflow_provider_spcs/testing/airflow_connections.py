"""Airflow connections (``AIRFLOW_CONN_<ID>`` dicts) that point at an emulator, one per auth method."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from airflow_provider_spcs.testing.default_world import DEFAULT_ROLE, DEFAULT_USER, DefaultCredentials
from airflow_provider_spcs.testing.model.names import DEFAULT_DATABASE, DEFAULT_SCHEMA

AuthMethod = Literal["key_pair", "pat", "password", "spcs_token", "oauth"]

DEFAULT_CONN_ID = "snowflake_spcs_default"


@dataclass(frozen=True)
class OAuthClient:
    """A client registered at the emulator's customer OAuth server."""

    token_endpoint: str
    client_id: str
    client_secret: str


def build_connection(
    auth_method: AuthMethod,
    *,
    account: str,
    account_url: str,
    credentials: DefaultCredentials,
    oauth_client: OAuthClient,
    token_file: Callable[[], str],
    overrides: dict[str, Any],
) -> dict[str, Any]:
    """A connection dict for the default user.

    ``overrides`` replace extra fields (``None`` removes one); ``login``/``password`` keys set the
    top-level fields instead. ``token_file`` writes a fresh session token file and returns its path.
    """
    extra: dict[str, Any] = {
        "account": account,
        "account_url": account_url,
        "role": DEFAULT_ROLE,
        "database": DEFAULT_DATABASE,
        "schema": DEFAULT_SCHEMA,
        "auth_method": auth_method,
    }
    conn: dict[str, Any] = {"conn_type": "snowflake_spcs", "login": DEFAULT_USER}
    if auth_method == "key_pair":
        extra["private_key_content"] = credentials.key_pair.private_key_pem
    elif auth_method == "pat":
        extra["token"] = credentials.pat
    elif auth_method == "password":
        conn["password"] = credentials.password
    elif auth_method == "spcs_token":
        extra["token_file"] = token_file()
    elif auth_method == "oauth":
        extra.update(
            oauth_token_endpoint=oauth_client.token_endpoint,
            oauth_client_id=oauth_client.client_id,
            oauth_client_secret=oauth_client.client_secret,
            oauth_scope=f"session:role:{DEFAULT_ROLE}",
        )
    else:
        raise ValueError(f"unknown auth_method {auth_method!r}")
    for key, value in overrides.items():
        if key in ("login", "password"):
            conn[key] = value
        elif value is None:
            extra.pop(key, None)
        else:
            extra[key] = value
    conn["extra"] = extra
    return conn
