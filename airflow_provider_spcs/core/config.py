"""SpcsConfig: the one typed, validated view of a ``snowflake_spcs`` connection.

This module is the only code that reads connection fields. Every error names the setting to fix and
never repeats a secret value.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from airflow_provider_spcs.core.accounts import default_account_url, require_secure_url
from airflow_provider_spcs.core.booleans import parse_boolean
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.fields import AUTH_METHODS, DEFAULT_TOKEN_FILE, EXTRA_FIELD_NAMES
from airflow_provider_spcs.core.secrets import report_secret

AuthMethod = Literal["key_pair", "pat", "spcs_token", "oauth", "password"]

_PREFIX = "extra__snowflake_spcs__"


def _extras(extra: Mapping[str, Any] | str | None) -> dict[str, str]:
    """Bare keys win; Airflow's legacy ``extra__snowflake_spcs__<name>`` keys are the fallback."""
    if extra is None or extra == "":
        raw: Mapping[str, Any] = {}
    elif isinstance(extra, str):
        try:
            loaded = json.loads(extra)
        except ValueError:
            raise SpcsConfigError("extra", "is not valid JSON") from None
        if not isinstance(loaded, dict):
            raise SpcsConfigError("extra", "must be a JSON object")
        raw = loaded
    else:
        raw = extra
    values: dict[str, str] = {}
    for name in EXTRA_FIELD_NAMES:
        value = raw.get(name)
        if value is None or value == "":
            value = raw.get(_PREFIX + name)
        if value is None or value == "":
            continue
        values[name] = str(value).lower() if isinstance(value, bool) else str(value).strip()
    return values


def _flag(value: str | None, field_name: str) -> bool:
    if value is None:
        return False
    flag = parse_boolean(value)
    if flag is None:
        raise SpcsConfigError(field_name, f"expected true or false, got {value!r}")
    return flag


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

    @classmethod
    def from_connection(
        cls,
        *,
        login: str | None,
        password: str | None,
        extra: Mapping[str, Any] | str | None,
        env: Mapping[str, str] | None = None,
    ) -> SpcsConfig:
        """Read and validate a connection's fields.

        :param login: the connection's login (Snowflake user).
        :param password: the connection's password (password auth; fallback for key passphrase or PAT).
        :param extra: the extras, as a dict or JSON text.
        :param env: environment for the in-SPCS defaults (``SNOWFLAKE_HOST`` ...); ``os.environ`` if omitted.
        :raises SpcsConfigError: naming the setting, for every invalid or incomplete combination.
        """
        env = os.environ if env is None else env
        x = _extras(extra)
        login = (login or "").strip() or None
        password = password or None
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

        account = x.get("account") or env.get("SNOWFLAKE_ACCOUNT", "").strip()
        if not account:
            raise SpcsConfigError(
                "extra.account",
                "required: the account identifier, e.g. myorg-myaccount (inside SPCS: $SNOWFLAKE_ACCOUNT)",
            )
        spcs_host = env.get("SNOWFLAKE_HOST", "").strip()
        if x.get("account_url"):
            account_url = require_secure_url(x["account_url"], "extra.account_url")
        elif spcs_host:
            account_url = require_secure_url(f"https://{spcs_host}", "SNOWFLAKE_HOST")
        else:
            account_url = default_account_url(account)

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
            private_key_passphrase=x.get("private_key_passphrase") or (password if method == "key_pair" else None),
            token=x.get("token") or (password if method == "pat" else None),
            pat_exchange=_flag(x.get("pat_exchange"), "extra.pat_exchange"),
            oauth_token_endpoint=x.get("oauth_token_endpoint"),
            oauth_client_id=x.get("oauth_client_id"),
            oauth_client_secret=x.get("oauth_client_secret"),
            oauth_refresh_token=x.get("oauth_refresh_token"),
            oauth_scope=x.get("oauth_scope"),
            token_file=token_file,
        )
        config._validate()
        return config

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

    def _validate(self) -> None:
        if self.private_key_content and self.private_key_file:
            raise SpcsConfigError("extra.private_key_file", "set private_key_content or private_key_file, not both")
        check = getattr(self, f"_validate_{self.auth_method}")
        check()

    def _need_login(self) -> None:
        if not self.user:
            raise SpcsConfigError("login", f"auth_method {self.auth_method} needs the Snowflake user name in login")

    def _validate_key_pair(self) -> None:
        self._need_login()
        if not (self.private_key_content or self.private_key_file):
            raise SpcsConfigError(
                "extra.private_key_content", "auth_method key_pair needs private_key_content or private_key_file"
            )
        if self.private_key_file and not os.access(self.private_key_file, os.R_OK):
            raise SpcsConfigError(
                "extra.private_key_file", f"cannot read {self.private_key_file!r}: missing or not readable"
            )

    def _validate_pat(self) -> None:
        if not self.token:
            raise SpcsConfigError(
                "extra.token", "auth_method pat needs the programmatic access token in token (or password)"
            )

    def _validate_spcs_token(self) -> None:
        if not os.path.isfile(self.token_file):
            raise SpcsConfigError(
                "extra.token_file",
                f"SPCS session token file {self.token_file!r} does not exist (is Airflow running inside SPCS?)",
            )

    def _validate_password(self) -> None:
        self._need_login()
        if not self.password:
            raise SpcsConfigError("password", "auth_method password needs the password")

    def _validate_oauth(self) -> None:
        if self.token:
            return
        if not self.oauth_token_endpoint:
            raise SpcsConfigError(
                "extra.oauth_token_endpoint",
                "auth_method oauth needs an access token in token, or oauth_token_endpoint with client settings",
            )
        require_secure_url(self.oauth_token_endpoint, "extra.oauth_token_endpoint")
        if not self.oauth_client_id:
            raise SpcsConfigError("extra.oauth_client_id", "the OAuth grant needs oauth_client_id")
        if not (self.oauth_client_secret or self.oauth_refresh_token):
            raise SpcsConfigError(
                "extra.oauth_client_secret",
                "the OAuth grant needs oauth_client_secret (client credentials) or oauth_refresh_token",
            )

    @property
    def oauth_grant(self) -> Literal["refresh_token", "client_credentials"] | None:
        """The OAuth grant used to fetch access tokens, or ``None`` when a ready token is given."""
        if self.auth_method != "oauth" or self.token:
            return None
        return "refresh_token" if self.oauth_refresh_token else "client_credentials"
