"""A connection's settings in this provider's own vocabulary, whatever the connection type.

Each accepted connection type has a reader that turns the connection's fields into
:class:`ConnectionValues`: :func:`read_spcs_connection` here for ``snowflake_spcs`` (the names of
:mod:`.fields`), :func:`.snowflake_connection.read_snowflake_connection` for the Snowflake provider's
``snowflake``. :class:`.config.SpcsConfig` then validates the values once, for both, and names in
its errors the setting each value came from (the Password field for a PAT on a ``snowflake``
connection, ``extra.token`` on ``snowflake_spcs``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.fields import EXTRA_FIELD_NAMES

SPCS_CONN_TYPE = "snowflake_spcs"
SNOWFLAKE_CONN_TYPE = "snowflake"
SPCS_LEGACY_PREFIX = "extra__snowflake_spcs__"


@dataclass(frozen=True)
class ConnectionValues:
    """Settings named as in :data:`.fields.EXTRA_FIELDS` (``account``, ``auth_method``, ``token``...).

    :param extras: the extras, stripped text, empty ones left out.
    :param login: the Snowflake user (``None`` when the connection's Login holds something else).
    :param password: the password, only when it is one (not a passphrase, PAT or client secret).
    :param origins: where a value came from when that is not ``extra.<name>`` (``{"token": "password"}``).
    :param endpoint_setting: the setting that sets a custom account endpoint, for hints.
    :param default_token_path: path on the account URL of the default OAuth token endpoint, if any.
    """

    extras: Mapping[str, str]
    login: str | None
    password: str | None = field(default=None, repr=False)
    origins: Mapping[str, str] = field(default_factory=dict)
    endpoint_setting: str = "account_url"
    default_token_path: str | None = None

    def __repr__(self) -> str:
        # Only names: the values include secrets.
        return f"ConnectionValues(extras={sorted(self.extras)}, login={self.login is not None})"

    def setting(self, name: str) -> str:
        """The setting to name in an error about ``name`` (``extra.token``, ``password``, ``login``...)."""
        if name in self.origins:
            return self.origins[name]
        return name if name in ("login", "password") else f"extra.{name}"


def load_extra(extra: Mapping[str, Any] | str | None) -> Mapping[str, Any]:
    """The extras as a mapping, from a mapping or the connection's JSON text.

    The hook passes the raw text, not Airflow's ``extra_dejson``: that one logs and returns ``{}`` for
    invalid JSON, which would surface later as a confusing "no credentials" error.

    :raises SpcsConfigError: ``extra`` is not valid JSON, or not a JSON object.
    """
    if extra is None or extra == "":
        return {}
    if not isinstance(extra, str):
        return extra
    try:
        loaded = json.loads(extra)
    except json.JSONDecodeError as exc:
        # Line and column only: the document may hold secrets.
        raise SpcsConfigError(
            "extra",
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}); fix the connection's Extra field",
        ) from None
    if not isinstance(loaded, dict):
        raise SpcsConfigError("extra", 'must be a JSON object such as {"account": "myorg-myaccount"}')
    return loaded


def text_value(value: Any) -> str | None:
    """A JSON scalar as stripped text (booleans as ``true``/``false``); ``None`` for empty or missing."""
    if value is None:
        return None
    text = str(value).lower() if isinstance(value, bool) else str(value).strip()
    return text or None


def read_spcs_connection(
    *, login: str | None, password: str | None, extra: Mapping[str, Any] | str | None, schema: str | None = None
) -> ConnectionValues:
    """Read a ``snowflake_spcs`` connection: each extra by its bare name, else ``extra__snowflake_spcs__<name>``.

    The connection's own Host, Port and Schema fields are not used (the form hides them).
    """
    raw = load_extra(extra)
    values: dict[str, str] = {}
    for name in EXTRA_FIELD_NAMES:
        value = text_value(raw.get(name)) or text_value(raw.get(SPCS_LEGACY_PREFIX + name))
        if value is not None:
            values[name] = value
    return ConnectionValues(extras=values, login=(login or "").strip() or None, password=password or None)
