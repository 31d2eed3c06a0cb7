"""The Snowflake provider's ``snowflake`` connection, read by that provider's rules, in our vocabulary.

A team that already has a ``snowflake`` connection (apache-airflow-providers-snowflake 6.x) can
point every ``spcs_conn_id`` at it unchanged. The Snowflake provider is never imported (it need not
be installed); its reading rules are repeated here:

* an extra is read by its bare name, else as the legacy ``extra__snowflake__<name>``; a bare key
  that is present wins even when empty, and an empty value means unset. ``authenticator``,
  ``host``, ``port``, ``token``, ``token_file_path`` and the other names in :data:`BARE_ONLY`
  are read bare only;
* ``authenticator`` is compared case-insensitively. The Password field is the key passphrase when
  a key is set, the PAT for ``programmatic_access_token``, the client secret for ``oauth`` (client
  id in Login), else the password;
* ``account`` plus ``region`` make ``<account>.<region>`` for URLs; the Schema field is the schema;
* ``host``, ``port`` and ``protocol`` (the connector's names) give the account URL, so such a
  connection can point at a private endpoint or the emulator (plain http only to loopback).

Our own extras with no Snowflake equivalent (:data:`OWN_EXTRAS`) may be added. Connector-only
options (:data:`CONNECTOR_OPTIONS`) do not apply to REST calls and are ignored; other keys are
ignored too, as the Snowflake provider ignores them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow_provider_spcs.core.accounts import check_port, check_region, join_host_port, split_host_port
from airflow_provider_spcs.core.connection_values import ConnectionValues, load_extra, text_value
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.secrets import report_secret

log = logging.getLogger(__name__)

LEGACY_PREFIX = "extra__snowflake__"
BARE_ONLY = frozenset(
    {
        "authenticator",
        "session_parameters",
        "host",
        "port",
        "protocol",
        "ocsp_fail_open",
        "azure_conn_id",
        "workload_identity_provider",
        "token",
        "token_file_path",
    }
)
"""Extras the Snowflake provider reads only by their bare name (``protocol`` is the connector's own)."""

OWN_EXTRAS = ("token_file", "pat_exchange", "ingress_hosts", "account_url")
"""Extras of ``snowflake_spcs`` with no Snowflake-provider equivalent, also read on a ``snowflake`` connection."""

CONNECTOR_OPTIONS = (
    "insecure_mode",
    "ocsp_fail_open",
    "session_parameters",
    "json_result_force_utf8_decoding",
    "client_request_mfa_token",
    "client_store_temporary_credential",
    "proxy_host",
    "proxy_port",
    "proxy_user",
    "proxy_password",
)
"""Snowflake connector options: they change connector behaviour only, and SPCS calls ignore them."""

SUPPORTED_AUTHENTICATORS = ("snowflake", "snowflake_jwt", "oauth", "programmatic_access_token")
GRANT_TYPES = ("refresh_token", "client_credentials")
DEFAULT_TOKEN_PATH = "/oauth/token-request"
"""The Snowflake provider's default OAuth token endpoint, on the account URL."""

_WHY_INTERACTIVE = "a worker or triggerer has nobody to complete it"
_USE_INSTEAD = (
    "use key-pair authentication (private_key_file or private_key_content), "
    "authenticator programmatic_access_token (the PAT in Password) or authenticator oauth"
)
REFUSED_AUTHENTICATORS: Mapping[str, str] = {
    "externalbrowser": f"opens a web browser for single sign-on, and {_WHY_INTERACTIVE}",
    "username_password_mfa": f"waits for a multi-factor prompt, and {_WHY_INTERACTIVE}",
    "oauth_authorization_code": f"opens a web browser for the OAuth authorization-code flow, and {_WHY_INTERACTIVE}",
    "oauth_client_credentials": (
        "is the connector's built-in OAuth flow, which SPCS ingress and SQL API calls cannot use; "
        "for the same grant set authenticator oauth with grant_type client_credentials, the client id in Login, "
        "the client secret in Password and token_endpoint"
    ),
    "workload_identity": (
        "works only for connector logins: Snowflake's REST APIs (SQL API, SPCS ingress token exchange) "
        "reject workload identity federation"
    ),
}
"""Authenticators SPCS calls cannot use, each with the reason given in the error."""
_OKTA = "is native Okta single sign-on, which runs inside the Snowflake connector only"


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value is False


def _raw(extras: Mapping[str, Any], name: str) -> Any:
    """The Snowflake provider's ``_get_field``: a present bare key wins, else the legacy prefixed key."""
    if name in BARE_ONLY:
        value = extras.get(name)
    elif name in extras:
        value = extras[name]
    else:
        value = extras.get(LEGACY_PREFIX + name)
    return None if _is_empty(value) else value


class _Reader:
    """Collects the translated values and where each came from."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.values: dict[str, str] = {}
        self.origins: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return text_value(_raw(self.raw, name))

    def put(self, name: str, value: str | None, origin: str) -> None:
        if value:
            self.values[name] = value
            if origin != f"extra.{name}":
                self.origins[name] = origin


def _authenticator_error(authenticator: str) -> SpcsConfigError:
    reason = REFUSED_AUTHENTICATORS.get(authenticator)
    if reason is None and authenticator.startswith("https://"):
        reason = _OKTA
    if reason is None:
        return SpcsConfigError(
            "extra.authenticator",
            f"is not a method SPCS calls can use; use one of {', '.join(SUPPORTED_AUTHENTICATORS)}",
        )
    name = "an Okta URL" if reason is _OKTA else authenticator
    return SpcsConfigError("extra.authenticator", f"{name} {reason}; {_USE_INSTEAD}")


def _account_url(reader: _Reader, account: str | None) -> None:
    """``host`` / ``port`` / ``protocol`` as the account URL (``extra.account_url`` of our own vocabulary)."""
    host_value, port_value, protocol = reader.get("host"), reader.get("port"), reader.get("protocol")
    if not (host_value or port_value or protocol):
        return
    if reader.get("account_url"):
        raise SpcsConfigError("extra.account_url", "set account_url or host/port/protocol, not both")
    scheme = (protocol or "https").lower()
    if scheme not in ("https", "http"):
        raise SpcsConfigError("extra.protocol", "expected https (or http, for a loopback host only)")
    port = check_port(port_value, "extra.port") if port_value else None
    if host_value:
        host, host_port = split_host_port(host_value, "extra.host")
        if host_port is not None:
            raise SpcsConfigError("extra.host", "give the host name only and put the port in the port extra")
    elif account:
        host = f"{account.lower()}.snowflakecomputing.com"
    else:
        return  # no account either: the account check reports it
    url = f"{scheme}://{join_host_port(host, port, scheme)}"
    reader.put("account_url", url, "extra.protocol" if scheme == "http" else "extra.host")


def _account(reader: _Reader) -> str | None:
    account = reader.get("account")
    region = reader.get("region")
    if account and region:
        region = check_region(region, "extra.region")
        if not account.lower().endswith("." + region.lower()):
            account = f"{account}.{region}"
    reader.put("account", account, "extra.account")
    return account


def _oauth(reader: _Reader, login: str | None, password: str | None) -> None:
    """``authenticator=oauth``: a ready ``token``, a token file, or a refresh-token / client-credentials grant."""
    reader.put("auth_method", "oauth", "extra.authenticator")
    token = reader.get("token")
    if token:
        reader.put("token", token, "extra.token")
        return
    token_file = reader.get("token_file") or reader.get("token_file_path")
    if token_file:
        # An OAuth token read from a file: inside SPCS, the rotating session token.
        reader.put("auth_method", "spcs_token", "extra.authenticator")
        reader.put(
            "token_file", token_file, "extra.token_file" if reader.get("token_file") else "extra.token_file_path"
        )
        return
    if reader.get("azure_conn_id"):
        raise SpcsConfigError(
            "extra.azure_conn_id",
            "tokens from an Azure connection come from the Snowflake provider's Azure integration, which SPCS "
            "calls do not use; give a ready access token in token, or a refresh-token or client-credentials grant",
        )
    refresh_token = reader.get("refresh_token")
    grant_type = (reader.get("grant_type") or ("refresh_token" if refresh_token else "client_credentials")).lower()
    if grant_type not in GRANT_TYPES:
        raise SpcsConfigError("extra.grant_type", f"expected {' or '.join(GRANT_TYPES)}")
    if not login:
        raise SpcsConfigError("login", "authenticator oauth needs the OAuth client id in Login")
    if grant_type == "refresh_token":
        if not refresh_token:
            raise SpcsConfigError("extra.refresh_token", "grant_type refresh_token needs the refresh token")
        reader.put("oauth_refresh_token", refresh_token, "extra.refresh_token")
    elif not password:
        raise SpcsConfigError("password", "the client_credentials grant needs the OAuth client secret in Password")
    reader.put("oauth_client_id", login, "login")
    reader.put("oauth_client_secret", password, "password")
    reader.put("oauth_scope", reader.get("scope"), "extra.scope")
    reader.put("oauth_token_endpoint", reader.get("token_endpoint"), "extra.token_endpoint")


def _method(reader: _Reader, login: str | None, password: str | None) -> str | None:
    """Pick the method as the Snowflake provider's REST branch does: oauth, then PAT, then key pair.

    :return: the password when the method is password authentication, else ``None``.
    """
    authenticator = (reader.get("authenticator") or "snowflake").lower()
    key_content, key_file = reader.get("private_key_content"), reader.get("private_key_file")
    if authenticator == "oauth" or reader.get("refresh_token"):
        _oauth(reader, login, password)
        return None
    if authenticator == "programmatic_access_token":
        reader.put("auth_method", "pat", "extra.authenticator")
        pat, origin = ((password or "").strip(), "password") if password else (reader.get("token"), "extra.token")
        if not pat:
            raise SpcsConfigError(
                "password", "authenticator programmatic_access_token needs the programmatic access token in Password"
            )
        reader.put("token", pat, origin)
        return None
    if key_content or key_file:
        # A present key means key pair, whatever else the authenticator says (the connector does the same).
        reader.put("auth_method", "key_pair", "extra.authenticator")
        reader.put("private_key_content", key_content, "extra.private_key_content")
        reader.put("private_key_file", key_file, "extra.private_key_file")
        reader.put("private_key_passphrase", (password or "").strip(), "password")
        return None
    if authenticator == "snowflake_jwt":
        raise SpcsConfigError(
            "extra.private_key_content", "authenticator snowflake_jwt needs private_key_file or private_key_content"
        )
    if authenticator != "snowflake":
        raise _authenticator_error(authenticator)
    if reader.get("token_file"):
        reader.put("auth_method", "spcs_token", "extra.authenticator")
        reader.put("token_file", reader.get("token_file"), "extra.token_file")
        return None
    if not password:
        raise SpcsConfigError(
            "password",
            "authenticator snowflake (the default) needs the password; for other methods set a private key, "
            "authenticator programmatic_access_token (PAT in Password) or authenticator oauth",
        )
    reader.put("auth_method", "password", "extra.authenticator")
    return password


def read_snowflake_connection(
    *, login: str | None, password: str | None, extra: Mapping[str, Any] | str | None, schema: str | None = None
) -> ConnectionValues:
    """Translate a ``snowflake`` connection into :class:`ConnectionValues` (see the module docstring).

    :param login: the connection's Login: the user, or for OAuth the client id.
    :param password: the connection's Password: password, key passphrase, PAT or client secret.
    :param extra: the extras, as a mapping or JSON text.
    :param schema: the connection's Schema field.
    :raises SpcsConfigError: naming the setting, for a method SPCS calls cannot use or a missing value.
    """
    raw = load_extra(extra)
    reader = _Reader(raw)
    for name in ("private_key_content", "refresh_token", "token", "proxy_password"):
        report_secret(reader.get(name))
    report_secret(password or None)
    login = (login or "").strip() or None
    password = password or None
    account = _account(reader)
    _account_url(reader, account)
    for name in OWN_EXTRAS:
        reader.put(name, reader.values.get(name) or reader.get(name), reader.origins.get(name, f"extra.{name}"))
    user_password = _method(reader, login, password)
    for name in ("role", "warehouse", "database"):
        reader.put(name, reader.get(name), f"extra.{name}")
    reader.put("schema", (schema or "").strip() or None, "schema")
    ignored = sorted(name for name in CONNECTOR_OPTIONS if _raw(raw, name) is not None)
    if ignored:
        log.debug("Connector options %s are not used by SPCS calls", ", ".join(ignored))
    user = None if reader.values.get("auth_method") == "oauth" else login
    return ConnectionValues(
        extras=reader.values,
        login=user,
        password=user_password,
        origins=reader.origins,
        endpoint_setting="host",
        default_token_path=DEFAULT_TOKEN_PATH,
    )
