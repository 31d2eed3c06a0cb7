"""SpcsConfig: the one typed, validated view of a connection (``snowflake_spcs`` or ``snowflake``).

This module is the only code that turns connection fields into settings: each connection type's
reader (:mod:`.connection_values`, :mod:`.snowflake_connection`) puts them into our vocabulary and
:meth:`SpcsConfig.from_connection` validates them once, for both. Every error names the setting to
fix and never repeats its value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from airflow_provider_spcs.core.accounts import (
    HostPattern,
    check_account,
    default_account_url,
    has_control_characters,
    join_host_port,
    parse_host_patterns,
    require_secure_url,
    split_host_port,
)
from airflow_provider_spcs.core.booleans import parse_boolean
from airflow_provider_spcs.core.connection_values import (
    SNOWFLAKE_CONN_TYPE,
    SPCS_CONN_TYPE,
    ConnectionValues,
    read_spcs_connection,
)
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.fields import AUTH_METHODS, DEFAULT_TOKEN_FILE, MAX_TOKEN_FILE_BYTES, TOKEN_FILE_WHAT
from airflow_provider_spcs.core.files import check_small_file
from airflow_provider_spcs.core.keys import KEY_FILE_WHAT, MAX_KEY_FILE_BYTES
from airflow_provider_spcs.core.secrets import report_secret
from airflow_provider_spcs.core.snowflake_connection import read_snowflake_connection

AuthMethod = Literal["key_pair", "pat", "spcs_token", "oauth", "password"]


_READERS: Mapping[str, Callable[..., ConnectionValues]] = {
    SPCS_CONN_TYPE: read_spcs_connection,
    SNOWFLAKE_CONN_TYPE: read_snowflake_connection,
}
CONN_TYPES = tuple(_READERS)
"""Connection types every ``spcs_conn_id`` accepts."""

_HEADER_SECRETS = ("token", "oauth_refresh_token", "oauth_client_secret")
"""Secrets that may travel in an HTTP header (``Authorization``), which takes ASCII only."""
_TEXT_SETTINGS = (
    "password",
    "private_key_passphrase",
    "login",
    "role",
    "warehouse",
    "database",
    "schema",
    "oauth_client_id",
    "oauth_scope",
    "private_key_file",
    "token_file",
)
"""Single-line settings: a line break there is a paste error or an attempt to inject a header."""


def _flag(value: str | None, field_name: str) -> bool:
    if value is None:
        return False
    flag = parse_boolean(value)
    if flag is None:
        raise SpcsConfigError(field_name, "expected true or false")
    return flag


def _check_text(name: str, value: str | None, setting: str) -> None:
    """Refuse control characters in a single-line setting, and non-ASCII in a header secret."""
    if not value:
        return
    if has_control_characters(value):
        raise SpcsConfigError(
            setting,
            "contains a line break or another control character; remove it "
            "(a trailing newline copied from a file is a common cause)",
        )
    if name in _HEADER_SECRETS and not value.isascii():
        raise SpcsConfigError(
            setting, "contains non-ASCII characters, but it is sent in an HTTP header (ASCII only); copy it again"
        )


@dataclass(frozen=True)
class SpcsConfig:
    """Everything needed to authenticate and talk to one Snowflake account; secrets hidden from ``repr``.

    Build it with :meth:`from_connection`. ``account_url`` is the base for login, SQL API and
    ``/oauth/token``.
    """

    auth_method: AuthMethod
    account: str
    account_url: str
    user: str | None = None
    role: str | None = None
    warehouse: str | None = None
    database: str | None = None
    schema: str | None = None
    password: str | None = field(default=None, repr=False)
    private_key_content: str | None = field(default=None, repr=False)
    private_key_file: str | None = None
    private_key_passphrase: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    pat_exchange: bool = False
    oauth_token_endpoint: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = field(default=None, repr=False)
    oauth_refresh_token: str | None = field(default=None, repr=False)
    oauth_scope: str | None = None
    token_file: str = DEFAULT_TOKEN_FILE
    ingress_hosts: tuple[HostPattern, ...] = ()
    """Extra hosts credentials may be sent to (the ``ingress_hosts`` extra), as parsed patterns."""

    @classmethod
    def from_connection(
        cls,
        *,
        login: str | None,
        password: str | None,
        extra: Mapping[str, Any] | str | None,
        conn_type: str | None = SPCS_CONN_TYPE,
        schema: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> SpcsConfig:
        """Read and validate a connection's fields.

        :param login: the connection's login (Snowflake user; the OAuth client id on a ``snowflake`` connection).
        :param password: the connection's password (password auth; key passphrase, PAT or client secret).
        :param extra: the extras, as a dict or the connection's JSON text.
        :param conn_type: ``snowflake_spcs`` (empty means the same) or the Snowflake provider's ``snowflake``.
        :param schema: the connection's Schema field (read for ``snowflake`` connections).
        :param env: environment for the in-SPCS defaults (``SNOWFLAKE_HOST`` ...); ``os.environ`` if omitted.
        :raises SpcsConfigError: naming the setting, for every invalid or incomplete combination.
        """
        reader = _READERS.get(conn_type or SPCS_CONN_TYPE)
        if reader is None:
            raise SpcsConfigError(
                "conn_type", f"this connection type is not supported; use {' or '.join(repr(t) for t in CONN_TYPES)}"
            )
        values = reader(login=login, password=password, extra=extra, schema=schema)
        return cls._from_values(values, os.environ if env is None else env)

    @classmethod
    def _from_values(cls, values: ConnectionValues, env: Mapping[str, str]) -> SpcsConfig:
        x = values.extras
        setting = values.setting
        login, password = values.login, values.password
        for secret in (
            password,
            x.get("private_key_content"),
            x.get("private_key_passphrase"),
            x.get("token"),
            x.get("oauth_client_secret"),
            x.get("oauth_refresh_token"),
        ):
            report_secret(secret)

        token_file = x.get("token_file") or DEFAULT_TOKEN_FILE
        method = cls._auth_method(x, password, token_file)
        account_url, account = cls._account_location(values, env)
        token = x.get("token") or (password if method == "pat" else None)
        passphrase = x.get("private_key_passphrase") or (password if method == "key_pair" else None)
        fallback = {"token": method == "pat", "private_key_passphrase": method == "key_pair"}
        checked = {"password": password, "login": login, "token": token, "private_key_passphrase": passphrase}
        for name in (*_TEXT_SETTINGS, *_HEADER_SECRETS):
            value = checked[name] if name in checked else x.get(name)
            origin = "password" if fallback.get(name) and name not in x else setting(name)
            _check_text(name, value, origin)

        cls._check_role(x.get("role"), setting("role"))
        endpoint = x.get("oauth_token_endpoint")
        if endpoint is None and method == "oauth" and not token and values.default_token_path:
            endpoint = account_url + values.default_token_path
        config = cls(
            auth_method=method,
            account=account,
            account_url=account_url,
            user=login,
            role=x.get("role"),
            warehouse=x.get("warehouse"),
            database=x.get("database") or env.get("SNOWFLAKE_DATABASE") or None,
            schema=x.get("schema") or env.get("SNOWFLAKE_SCHEMA") or None,
            password=password,
            private_key_content=x.get("private_key_content"),
            private_key_file=x.get("private_key_file"),
            private_key_passphrase=passphrase,
            token=token,
            pat_exchange=_flag(x.get("pat_exchange"), setting("pat_exchange")),
            oauth_token_endpoint=endpoint,
            oauth_client_id=x.get("oauth_client_id"),
            oauth_client_secret=x.get("oauth_client_secret"),
            oauth_refresh_token=x.get("oauth_refresh_token"),
            oauth_scope=x.get("oauth_scope"),
            token_file=token_file,
            ingress_hosts=parse_host_patterns(x.get("ingress_hosts") or "", setting("ingress_hosts")),
        )
        config._validate(setting)
        return config

    @staticmethod
    def _check_role(role: str | None, setting: str) -> None:
        """A role goes into a token-exchange scope (``session:role:<ROLE> <host>``), where white space
        separates scope items: a role with a space would add a scope item of its own."""
        if role and any(c.isspace() for c in role):
            raise SpcsConfigError(
                setting,
                "contains white space, which cannot be sent in a token-exchange scope (session:role:<ROLE>); "
                "use a role whose name has no spaces",
            )

    @staticmethod
    def _account_location(values: ConnectionValues, env: Mapping[str, str]) -> tuple[str, str]:
        """The account URL and account identifier, from the extras or the in-SPCS environment."""
        x = values.extras
        if x.get("account"):
            account = check_account(x["account"], values.setting("account"), endpoint_setting=values.endpoint_setting)
        elif env.get("SNOWFLAKE_ACCOUNT", "").strip():
            account = check_account(env["SNOWFLAKE_ACCOUNT"], "SNOWFLAKE_ACCOUNT")
        else:
            raise SpcsConfigError(
                "extra.account",
                "required: the account identifier, e.g. myorg-myaccount (inside SPCS: $SNOWFLAKE_ACCOUNT)",
            )
        spcs_host = env.get("SNOWFLAKE_HOST", "").strip()
        if x.get("account_url"):
            return require_secure_url(x["account_url"], values.setting("account_url")), account
        if spcs_host:
            host, port = split_host_port(spcs_host, "SNOWFLAKE_HOST")
            return f"https://{join_host_port(host, port)}", account
        return default_account_url(account), account

    @staticmethod
    def _auth_method(x: Mapping[str, str], password: str | None, token_file: str) -> AuthMethod:
        explicit = x.get("auth_method")
        if explicit:
            method = explicit.lower()
            if method not in AUTH_METHODS:
                raise SpcsConfigError(
                    "extra.auth_method", f"unknown auth method {explicit!r}; use one of {', '.join(AUTH_METHODS)}"
                )
            return cast(AuthMethod, method)
        if x.get("private_key_content") or x.get("private_key_file"):
            return "key_pair"
        if x.get("token"):
            return "pat"
        if x.get("token_file") or os.path.isfile(token_file):
            return "spcs_token"
        if x.get("oauth_token_endpoint"):
            return "oauth"
        if password:
            return "password"
        raise SpcsConfigError(
            "extra.auth_method",
            "cannot infer it: set auth_method, or fill in a private key, a token, an OAuth endpoint or a password",
        )

    def _validate(self, setting: Callable[[str], str]) -> None:
        if self.private_key_content and self.private_key_file:
            raise SpcsConfigError(setting("private_key_file"), "set private_key_content or private_key_file, not both")
        check = getattr(self, f"_validate_{self.auth_method}")
        check(setting)

    def _need_login(self, what: str) -> None:
        if not self.user:
            raise SpcsConfigError("login", f"{what} needs the Snowflake user name in login")

    def _validate_key_pair(self, setting: Callable[[str], str]) -> None:
        self._need_login("key-pair authentication")
        if not (self.private_key_content or self.private_key_file):
            raise SpcsConfigError(
                setting("private_key_content"), "key-pair authentication needs private_key_content or private_key_file"
            )
        if self.private_key_file:
            check_small_file(
                self.private_key_file, setting("private_key_file"), what=KEY_FILE_WHAT, limit=MAX_KEY_FILE_BYTES
            )

    def _validate_pat(self, setting: Callable[[str], str]) -> None:
        if not self.token:
            raise SpcsConfigError(
                setting("token"), "auth_method pat needs the programmatic access token in token (or password)"
            )

    def _validate_spcs_token(self, setting: Callable[[str], str]) -> None:
        field_name = setting("token_file")
        if os.path.isdir(self.token_file):
            raise SpcsConfigError(field_name, "is a directory; give the path of the session token file itself")
        if not os.path.exists(self.token_file):
            where = f"the default {DEFAULT_TOKEN_FILE}" if self.token_file == DEFAULT_TOKEN_FILE else "the file"
            raise SpcsConfigError(
                field_name, f"SPCS session token file: {where} does not exist (is Airflow running inside SPCS?)"
            )
        check_small_file(self.token_file, field_name, what=TOKEN_FILE_WHAT, limit=MAX_TOKEN_FILE_BYTES)

    def _validate_password(self, setting: Callable[[str], str]) -> None:
        self._need_login("password authentication")
        if not self.password:
            raise SpcsConfigError("password", "password authentication needs the password")

    def _validate_oauth(self, setting: Callable[[str], str]) -> None:
        if self.token:
            return
        if not self.oauth_token_endpoint:
            raise SpcsConfigError(
                setting("oauth_token_endpoint"),
                "auth_method oauth needs an access token in token, or oauth_token_endpoint with client settings",
            )
        require_secure_url(self.oauth_token_endpoint, setting("oauth_token_endpoint"))
        if not self.oauth_client_id:
            raise SpcsConfigError(setting("oauth_client_id"), "the OAuth grant needs oauth_client_id")
        if not (self.oauth_client_secret or self.oauth_refresh_token):
            raise SpcsConfigError(
                setting("oauth_client_secret"),
                "the OAuth grant needs oauth_client_secret (client credentials) or oauth_refresh_token",
            )

    @property
    def oauth_grant(self) -> Literal["refresh_token", "client_credentials"] | None:
        """The OAuth grant used to fetch access tokens, or ``None`` when a ready token is given."""
        if self.auth_method != "oauth" or self.token:
            return None
        return "refresh_token" if self.oauth_refresh_token else "client_credentials"
