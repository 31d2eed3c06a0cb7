"""What a Snowflake SECRET holds, per type, as values that announce themselves to the log masker.

=========================  ===================================================================
type                       fields
=========================  ===================================================================
``PASSWORD``               :class:`PasswordSecret`: ``username``, ``password``
``GENERIC_STRING``         :class:`GenericStringSecret`: ``secret_string``
``OAUTH2`` (auth. code)    :class:`OAuth2CodeSecret`: ``refresh_token``, ``refresh_token_expiry``,
                           ``api_authentication`` (the security integration)
=========================  ===================================================================

Each value is reported to the masker (:func:`~airflow_provider_spcs.core.secrets.report_secret`)
when the object is made, so it is masked before any statement carrying it exists. The objects
cannot be pickled, copied or serialised (XCom, trigger kwargs), and their ``repr`` shows no value.
The statements that write them are in :mod:`airflow_provider_spcs.core.statements`.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, NoReturn

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import QualifiedName, parse_object_name, secret_literal
from airflow_provider_spcs.core.secrets import report_secret

SECRET_TYPES = ("PASSWORD", "GENERIC_STRING", "OAUTH2")
"""The secret types this provider writes."""


def announce(value: str) -> None:
    """Hand ``value`` to the masker, and its escaped literal form too when that differs.

    The literal form (``it\\'s``) is what the statement text holds; masking it as well means even
    a copy of the text that escaped every other guard would show ``***``.
    """
    report_secret(value)
    if value and "\0" not in value:
        try:
            literal = secret_literal(value, field="value")[1:-1]
        except SpcsConfigError:
            return
        if literal != value:
            report_secret(literal)


def secret_text(value: object, *, field: str) -> str:
    """``value`` if it is a non-empty string; the error names ``field`` and never the value."""
    if not isinstance(value, str):
        raise SpcsConfigError(field, f"expected text, got {type(value).__name__}")
    if not value:
        raise SpcsConfigError(field, "is empty")
    return value


class SecretValue:
    """Base of the per-type values; holds nothing itself."""

    __slots__ = ()
    secret_type: ClassVar[str]

    def secret_values(self) -> tuple[str, ...]:
        """The values that must never be shown (what the masker heard)."""
        raise NotImplementedError

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError(f"a {self.secret_type} secret value cannot be pickled, copied or serialised")

    def __reduce__(self) -> NoReturn:
        self.__reduce_ex__(2)


class PasswordSecret(SecretValue):
    """``TYPE = PASSWORD``: a user name (shown by DESCRIBE SECRET) and a password (never shown).

    :raises SpcsConfigError: either is empty.
    """

    __slots__ = ("_password", "username")
    secret_type = "PASSWORD"

    def __init__(self, username: str, password: str) -> None:
        self._password = secret_text(password, field="password")
        announce(self._password)
        self.username = secret_text(username, field="username")
        """The user name (metadata: DESCRIBE SECRET shows it)."""

    @property
    def password(self) -> str:
        """The password."""
        return self._password

    def secret_values(self) -> tuple[str, ...]:
        return (self._password,)

    def __repr__(self) -> str:
        return f"PasswordSecret(username={self.username!r}, password=***)"


class GenericStringSecret(SecretValue):
    """``TYPE = GENERIC_STRING``: one string (an API key, say), never shown.

    :raises SpcsConfigError: it is empty.
    """

    __slots__ = ("_secret_string",)
    secret_type = "GENERIC_STRING"

    def __init__(self, secret_string: str) -> None:
        self._secret_string = secret_text(secret_string, field="secret_string")
        announce(self._secret_string)

    @property
    def secret_string(self) -> str:
        """The string."""
        return self._secret_string

    def secret_values(self) -> tuple[str, ...]:
        return (self._secret_string,)

    def __repr__(self) -> str:
        return "GenericStringSecret(secret_string=***)"


def parse_expiry(value: object, *, field: str = "refresh_token_expiry") -> dt.datetime:
    """A refresh token's expiry as an aware UTC datetime.

    :param value: a ``datetime`` (naive means UTC), an ISO 8601 text (``2030-12-31T23:59:59Z``,
        ``2030-12-31 23:59:59+02:00``, ``2030-12-31``) or epoch seconds.
    :raises SpcsConfigError: anything else.
    """
    moment: dt.datetime
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise SpcsConfigError(
                field, "expected an ISO 8601 timestamp such as 2030-12-31T23:59:59Z, or epoch seconds"
            ) from None
    else:
        raise SpcsConfigError(field, "expected an ISO 8601 timestamp such as 2030-12-31T23:59:59Z, or epoch seconds")
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class OAuth2CodeSecret(SecretValue):
    """``TYPE = OAUTH2`` for the authorization-code flow: a refresh token (never shown), its expiry
    and the security integration (``API_AUTHENTICATION``) that redeems it.

    :param refresh_token: the OAuth refresh token.
    :param refresh_token_expiry: when it expires (see :func:`parse_expiry`).
    :param api_authentication: the security integration's name (validated and quoted).
    :raises SpcsConfigError: an empty token, an unreadable expiry or an invalid integration name.
    """

    __slots__ = ("_refresh_token", "api_authentication", "refresh_token_expiry")
    secret_type = "OAUTH2"

    def __init__(self, refresh_token: str, refresh_token_expiry: object, api_authentication: str) -> None:
        self._refresh_token = secret_text(refresh_token, field="refresh_token")
        announce(self._refresh_token)
        self.refresh_token_expiry = parse_expiry(refresh_token_expiry)
        """When the refresh token expires (UTC)."""
        self.api_authentication: QualifiedName = parse_object_name(
            secret_text(api_authentication, field="api_authentication"), field="api_authentication"
        )
        """The security integration (one-part name)."""
        if len(self.api_authentication.parts) != 1:
            raise SpcsConfigError(
                "api_authentication", "a security integration name has one part, no database or schema"
            )

    @property
    def refresh_token(self) -> str:
        """The refresh token."""
        return self._refresh_token

    def secret_values(self) -> tuple[str, ...]:
        return (self._refresh_token,)

    def __repr__(self) -> str:
        return (
            f"OAuth2CodeSecret(refresh_token=***, refresh_token_expiry={self.refresh_token_expiry.isoformat()!r}, "
            f"api_authentication={self.api_authentication.name!r})"
        )
