"""Which fields of an Airflow connection make a Snowflake secret's value, per secret type.

================  ===============================================================================
``PASSWORD``      ``login`` -> ``USERNAME``, ``password`` -> ``PASSWORD``
``GENERIC_STRING``  ``source_field`` -> ``SECRET_STRING`` (default ``password``)
``OAUTH2``        ``source_field`` -> ``OAUTH_REFRESH_TOKEN`` (default ``password``), ``expiry_field`` ->
                  ``OAUTH_REFRESH_TOKEN_EXPIRY_TIME`` (default ``extra.refresh_token_expiry_time``),
                  plus the security integration named by the caller (``API_AUTHENTICATION``)
================  ===============================================================================

A field is ``login``, ``password`` or ``extra.<key>`` (a top-level key of the connection's extra
JSON). Core never imports Airflow: callers hand in the connection's raw fields. Every error names
the connection and the field, never a value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.secret_values import (
    SECRET_TYPES,
    GenericStringSecret,
    OAuth2CodeSecret,
    PasswordSecret,
    SecretValue,
    announce,
    parse_expiry,
)

DEFAULT_SOURCE_FIELD = "password"
DEFAULT_EXPIRY_FIELD = "extra.refresh_token_expiry_time"


def secret_type_of(value: str) -> str:
    """``value`` as one of :data:`~.secret_values.SECRET_TYPES` (any case).

    :raises SpcsConfigError: anything else.
    """
    found = str(value).strip().upper()
    if found not in SECRET_TYPES:
        raise SpcsConfigError("secret_type", f"expected one of {', '.join(SECRET_TYPES)}, got {value!r}")
    return found


def check_field(field: str, *, parameter: str) -> str:
    """``field`` if it names ``login``, ``password`` or ``extra.<key>``.

    :raises SpcsConfigError: anything else (the error blames ``parameter``).
    """
    if field in ("login", "password") or (field.startswith("extra.") and len(field) > len("extra.")):
        return field
    raise SpcsConfigError(parameter, f"expected 'login', 'password' or 'extra.<key>', got {field!r}")


@dataclass(frozen=True)
class ConnectionFields:
    """The raw fields of the source connection (read on the worker, never stored).

    :param conn_id: the connection id (for error messages).
    :param login: its login.
    :param password: its password.
    :param extra: its extra, as the JSON text Airflow stores.
    """

    conn_id: str
    login: str | None
    password: str | None
    extra: str | None

    def __repr__(self) -> str:
        return f"ConnectionFields(conn_id={self.conn_id!r})"

    def _extras(self) -> dict[str, Any]:
        if not self.extra:
            return {}
        try:
            data = json.loads(self.extra)
        except ValueError:
            raise SpcsConfigError("source_conn_id", f"connection {self.conn_id!r}: extra is not valid JSON") from None
        if not isinstance(data, dict):
            raise SpcsConfigError("source_conn_id", f"connection {self.conn_id!r}: extra is not a JSON object")
        return data

    def read(self, field: str, *, parameter: str, secret: bool = True) -> Any:
        """The field's value (announced to the masker first when ``secret``).

        :raises SpcsConfigError: the field is missing or empty.
        """
        if field == "login":
            value: Any = self.login
        elif field == "password":
            value = self.password
        else:
            value = self._extras().get(field.removeprefix("extra."))
        if isinstance(value, str) and secret:
            announce(value)
        if value is None or value == "":
            raise SpcsConfigError(parameter, f"connection {self.conn_id!r} has no {field}")
        return value

    def text(self, field: str, *, parameter: str) -> str:
        """The field's value, which must be text (a secret: announced to the masker first)."""
        value = self.read(field, parameter=parameter)
        if not isinstance(value, str):
            raise SpcsConfigError(
                parameter, f"connection {self.conn_id!r}: {field} is {type(value).__name__}, expected text"
            )
        return value


def secret_from_connection(
    fields: ConnectionFields,
    secret_type: str,
    *,
    source_field: str | None = None,
    expiry_field: str | None = None,
    api_authentication: str | None = None,
) -> SecretValue:
    """The value to store, read from ``fields`` as the table in the module docstring says.

    :raises SpcsConfigError: a field is missing, empty or of the wrong kind; an OAUTH2 secret
        without ``api_authentication``; or ``source_field`` with PASSWORD (which always reads
        ``login`` and ``password``).
    """
    kind = secret_type_of(secret_type)
    if kind == "PASSWORD":
        if source_field is not None:
            raise SpcsConfigError("source_field", "a PASSWORD secret always takes the connection's login and password")
        password = fields.text("password", parameter="source_conn_id")
        login = fields.read("login", parameter="source_conn_id", secret=False)
        return PasswordSecret(str(login), password)
    source = check_field(source_field or DEFAULT_SOURCE_FIELD, parameter="source_field")
    if kind == "GENERIC_STRING":
        return GenericStringSecret(fields.text(source, parameter="source_field"))
    if not api_authentication:
        raise SpcsConfigError("api_authentication", "an OAUTH2 secret needs the security integration's name")
    token = fields.text(source, parameter="source_field")
    expiry_source = check_field(expiry_field or DEFAULT_EXPIRY_FIELD, parameter="expiry_field")
    expiry = parse_expiry(fields.read(expiry_source, parameter="expiry_field", secret=False), field="expiry_field")
    return OAuth2CodeSecret(token, expiry, api_authentication)
