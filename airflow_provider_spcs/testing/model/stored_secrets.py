"""SECRET objects: what CREATE / ALTER / DESCRIBE / SHOW / DROP SECRET work on, and what services mount.

A :class:`Secret` keeps its values (password, secret string, OAuth refresh token) where no
listing, ``repr`` or message reaches them: the only way out is :meth:`Secret.mounted_value`, which
is what a service's container sees (an env var or a file, see :mod:`.deployments`). Fields are
checked per type as Snowflake does (reference second-wave section 3):

==================  ==================================================  =============================
type                CREATE clauses                                      ALTER SECRET SET
==================  ==================================================  =============================
``PASSWORD``        ``USERNAME``, ``PASSWORD`` (both required)          ``USERNAME``, ``PASSWORD``
``GENERIC_STRING``  ``SECRET_STRING`` (required)                        ``SECRET_STRING``
``OAUTH2`` client   ``API_AUTHENTICATION`` (required), ``OAUTH_SCOPES``  ``OAUTH_SCOPES``
``OAUTH2`` code     ``API_AUTHENTICATION``, ``OAUTH_REFRESH_TOKEN``,      ``OAUTH_REFRESH_TOKEN``,
                    ``OAUTH_REFRESH_TOKEN_EXPIRY_TIME`` (all required)  ``OAUTH_REFRESH_TOKEN_EXPIRY_TIME``
==================  ==================================================  =============================

Every type also takes ``COMMENT`` (``UNSET COMMENT`` clears it). ``secret_type`` is reported as
``GENERIC_STRING`` for generic strings (our reading of an UNCONFIRMED spelling; the docs also name
``GENERIC``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_provider_spcs.testing.model.refusals import InvalidSetting

SECRET_TYPES = ("PASSWORD", "GENERIC_STRING", "OAUTH2")

VALUE_CLAUSES = frozenset({"PASSWORD", "SECRET_STRING", "OAUTH_REFRESH_TOKEN"})
"""The clauses whose literal is a secret value (never shown, redacted from statement history)."""

_CREATE_REQUIRED = {
    "PASSWORD": {"USERNAME", "PASSWORD"},
    "GENERIC_STRING": {"SECRET_STRING"},
    "OAUTH2": {"API_AUTHENTICATION"},
}
_CREATE_ALLOWED = {
    "PASSWORD": {"USERNAME", "PASSWORD", "COMMENT"},
    "GENERIC_STRING": {"SECRET_STRING", "COMMENT"},
    "OAUTH2": {
        "API_AUTHENTICATION",
        "OAUTH_SCOPES",
        "OAUTH_REFRESH_TOKEN",
        "OAUTH_REFRESH_TOKEN_EXPIRY_TIME",
        "COMMENT",
    },
}
_CODE_FLOW = frozenset({"OAUTH_REFRESH_TOKEN", "OAUTH_REFRESH_TOKEN_EXPIRY_TIME"})
_MOUNTED_KEYS = {
    "PASSWORD": ("username", "password"),
    "GENERIC_STRING": ("secret_string",),
    "OAUTH2": ("access_token",),
}

Fields = Mapping[str, Any]
"""Clause name (uppercase, as in SQL) -> value: ``str`` for literals and identifiers, a list of
strings for ``OAUTH_SCOPES``, ``None`` to clear ``COMMENT``."""


def _refuse_clauses(clauses: Iterable[str], allowed: set[str] | frozenset[str], what: str) -> None:
    bad = sorted(set(clauses) - allowed)
    if bad:
        raise InvalidSetting(f"Invalid property {bad[0]} for {what}.")


def _expiry(value: Any) -> float:
    text = str(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        # The value is not secret, but a malformed one is not worth echoing either.
        raise InvalidSetting(
            "Invalid value for OAUTH_REFRESH_TOKEN_EXPIRY_TIME: expected a timestamp such as '2030-12-31 23:59:59'."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


class Secret:
    """One SECRET. Create it with :meth:`.World.add_secret` (or CREATE SECRET)."""

    def __init__(
        self,
        name: str,
        *,
        database: str,
        schema: str,
        secret_type: str,
        owner_role: str,
        created_on: float,
        fields: Fields,
        read_roles: Iterable[str] = (),
    ) -> None:
        secret_type = secret_type.upper()
        if secret_type not in SECRET_TYPES:
            raise InvalidSetting(f"Invalid secret type {secret_type}: expected one of {', '.join(SECRET_TYPES)}.")
        _refuse_clauses(fields, _CREATE_ALLOWED[secret_type], f"a secret of type {secret_type}")
        missing = sorted(_CREATE_REQUIRED[secret_type] - set(fields))
        if missing:
            raise InvalidSetting(f"Missing required property {missing[0]} for a secret of type {secret_type}.")
        self.name = name
        self.database = database
        self.schema = schema
        self.secret_type = secret_type
        self.owner_role = owner_role
        self.read_roles = [r.upper() for r in read_roles]
        self.created_on = created_on
        self.comment: str | None = None
        self.username: str | None = None
        self.integration: str | None = None
        self.oauth_scopes: list[str] = []
        self.refresh_token_expiry: float | None = None
        self.code_flow = bool(_CODE_FLOW & set(fields))
        if secret_type == "OAUTH2":
            if self.code_flow and "OAUTH_SCOPES" in fields:
                raise InvalidSetting("OAUTH_SCOPES cannot be combined with OAUTH_REFRESH_TOKEN in one OAUTH2 secret.")
            missing_code = sorted(_CODE_FLOW - set(fields)) if self.code_flow else []
            if missing_code:
                raise InvalidSetting(f"Missing required property {missing_code[0]} for an OAUTH2 secret.")
        self._values: dict[str, str] = {}
        self._apply(fields)

    # -- what SQL may change ----------------------------------------------------------------------

    def settable(self) -> frozenset[str]:
        """The clauses ALTER SECRET ... SET takes for this secret's type (and OAuth flow)."""
        if self.secret_type == "PASSWORD":
            return frozenset({"USERNAME", "PASSWORD", "COMMENT"})
        if self.secret_type == "GENERIC_STRING":
            return frozenset({"SECRET_STRING", "COMMENT"})
        if self.code_flow:
            return frozenset({*_CODE_FLOW, "COMMENT"})
        return frozenset({"OAUTH_SCOPES", "COMMENT"})

    def alter(self, fields: Fields) -> None:
        """ALTER SECRET ... SET: change the given clauses (checked against :meth:`settable`)."""
        flow = " (authorization code)" if self.code_flow else " (client credentials)"
        what = f"a secret of type {self.secret_type}" + (flow if self.secret_type == "OAUTH2" else "")
        _refuse_clauses(fields, self.settable(), what)
        self._apply(fields)

    def _apply(self, fields: Fields) -> None:
        for clause, value in fields.items():
            if clause == "COMMENT":
                self.comment = value
            elif clause == "USERNAME":
                self.username = str(value)
            elif clause == "API_AUTHENTICATION":
                self.integration = str(value)
            elif clause == "OAUTH_SCOPES":
                self.oauth_scopes = [str(scope) for scope in value]
            elif clause == "OAUTH_REFRESH_TOKEN_EXPIRY_TIME":
                self.refresh_token_expiry = _expiry(value)
            else:
                self._values[clause] = str(value)

    # -- what a container sees ----------------------------------------------------------------

    def mounted_keys(self) -> tuple[str, ...]:
        """The file names a ``directoryPath`` mount of this secret holds."""
        return _MOUNTED_KEYS[self.secret_type]

    def mounted_value(self, key: str) -> str | None:
        """What a container sees for ``key`` (``username``, ``password``, ``secret_string`` or
        ``access_token``); ``None`` if this type has no such key.

        An OAUTH2 secret's ``access_token`` is a stand-in derived from its refresh token (or
        integration and scopes), so that rotating the secret changes it.
        """
        if key not in self.mounted_keys():
            return None
        if key == "username":
            return self.username
        if key == "password":
            return self._values["PASSWORD"]
        if key == "secret_string":
            return self._values["SECRET_STRING"]
        source = self._values.get("OAUTH_REFRESH_TOKEN") or f"{self.integration}:{' '.join(self.oauth_scopes)}"
        return "emulated-access-token-" + hashlib.sha256(source.encode()).hexdigest()[:32]

    # -- identity -------------------------------------------------------------------------------

    @property
    def qualified_name(self) -> str:
        """``DATABASE.SCHEMA.NAME``."""
        return f"{self.database}.{self.schema}.{self.name}"

    def is_visible_to(self, role: str) -> bool:
        """Whether ``role`` owns the secret or may read it."""
        role = role.upper()
        return role == self.owner_role.upper() or role in self.read_roles

    def __repr__(self) -> str:
        return f"Secret({self.qualified_name!r}, type={self.secret_type!r})"
