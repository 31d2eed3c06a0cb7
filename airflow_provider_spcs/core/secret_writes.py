"""Writing, describing and dropping Snowflake secrets, as steps (see :mod:`.effects`).

:func:`write_secret` is idempotent: it creates the secret when it is missing and otherwise sets the
new value with ``ALTER SECRET ... SET``, which keeps the grants on it (services keep READ).
``CREATE OR REPLACE`` happens only on request, since it drops those grants. A secret of another
type (or, for OAUTH2, another security integration) is refused with a clear error rather than
replaced behind the caller's back.

Statements carrying a value are :class:`~.secret_sql.SecretStatement` objects; a failure of one is
raised again as the same error type naming the redacted statement and the Snowflake code, with the
server's message redacted (:meth:`~.secret_sql.SecretStatement.redact`) and the original error
dropped, so no traceback can show it either.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsConfigError, SpcsSqlError
from airflow_provider_spcs.core.identifiers import QualifiedName
from airflow_provider_spcs.core.secret_sql import SecretStatement
from airflow_provider_spcs.core.secret_values import SecretValue

MISSING_OBJECT_CODE = "002003"
"""Snowflake's code for "object does not exist or not authorized"."""
EXISTING_OBJECT_CODE = "002002"
"""Snowflake's code for "object already exists"."""

SecretSql = Callable[[str | SecretStatement], Steps[list[dict[str, Any]]]]
"""Runs one statement (plain or carrying a secret) and returns its rows (the hook's SQL path)."""

# DESCRIBE SECRET may print GENERIC for a generic string (which spelling is not confirmed).
_TYPE_ALIASES = {"GENERIC": "GENERIC_STRING"}


def display_name(name: QualifiedName) -> str:
    """``DB.SCHEMA.NAME`` as Snowflake resolved it (what logs, errors and XCom show)."""
    return ".".join(name.parts)


@dataclass(frozen=True)
class SecretWrite:
    """What :func:`write_secret` did: metadata only, safe for logs and XCom.

    :param secret: the secret's name as resolved (``DB.SCHEMA.NAME``, or fewer parts as given).
    :param secret_type: ``PASSWORD``, ``GENERIC_STRING`` or ``OAUTH2``.
    :param action: ``created``, ``updated`` (ALTER SECRET ... SET) or ``replaced`` (CREATE OR REPLACE).
    :param written_at: when the statement succeeded (UTC, ISO 8601).
    """

    secret: str
    secret_type: str
    action: str
    written_at: str

    def to_dict(self) -> dict[str, str]:
        """The fields as a JSON-ready dict."""
        return {
            "secret": self.secret,
            "secret_type": self.secret_type,
            "action": self.action,
            "written_at": self.written_at,
        }


def run_secret_statement(sql: SecretSql, statement: SecretStatement) -> Steps[list[dict[str, Any]]]:
    """Run ``statement``; a failure names the redacted statement and never the value.

    :raises SpcsSqlError: the statement failed (same code, SQL state and handle; redacted message).
    :raises SpcsApiError: the request failed (same status and code; redacted message).
    """
    failure: SpcsApiError | None = None
    try:
        return (yield from sql(statement))
    except SpcsApiError as exc:
        failure = _redacted(statement, exc)
    raise failure  # outside the except block: the original error is not even the context


def _redacted(statement: SecretStatement, exc: SpcsApiError) -> SpcsApiError:
    facts = [f"Snowflake error {exc.code}" if exc.code else f"HTTP {exc.status_code}"]
    if isinstance(exc, SpcsSqlError) and exc.sql_state:
        facts.append(f"SQL state {exc.sql_state}")
    detail = statement.redact(exc.message).strip()
    message = f"{statement} failed ({', '.join(facts)})" + (f": {detail}" if detail else "")
    if isinstance(exc, SpcsSqlError):
        return SpcsSqlError(
            message,
            code=exc.code,
            sql_state=exc.sql_state,
            statement_handle=exc.statement_handle,
            status_code=exc.status_code,
        )
    return SpcsApiError(
        message, status_code=exc.status_code, code=exc.code, request_id=exc.request_id, retryable=exc.retryable
    )


def find_secret(sql: SecretSql, name: str | QualifiedName) -> Steps[dict[str, Any] | None]:
    """``DESCRIBE SECRET`` as one dict (metadata only), or ``None`` if it does not exist (or is not
    visible to the role).

    :raises SpcsConfigError: the name is invalid (nothing is sent).
    """
    try:
        rows = yield from sql(statements.describe_secret(name))
    except SpcsSqlError as exc:
        if exc.code == MISSING_OBJECT_CODE:
            return None
        raise
    return rows[0] if rows else None


def describe_secret(sql: SecretSql, name: str | QualifiedName) -> Steps[dict[str, Any]]:
    """``DESCRIBE SECRET`` as one dict: metadata only (Snowflake never returns the value).

    :raises SpcsConfigError: the name is invalid (nothing is sent).
    :raises SpcsSqlError: the secret does not exist or is not visible (``002003``).
    """
    rows = yield from sql(statements.describe_secret(name))
    if not rows:
        raise SpcsConfigError(
            "secret", f"no description came back for secret {display_name(statements.secret_name(name))}"
        )
    return rows[0]


def _stored_type(row: dict[str, Any]) -> str:
    found = str(row.get("secret_type") or "").strip().upper()
    return _TYPE_ALIASES.get(found, found)


def _check_compatible(name: QualifiedName, row: dict[str, Any], value: SecretValue) -> None:
    """Refuse to ALTER a secret into something ALTER cannot make it."""
    found = _stored_type(row)
    label = display_name(name)
    if found and found != value.secret_type:
        raise SpcsConfigError(
            "secret_type",
            f"secret {label} is of type {found}, not {value.secret_type}; "
            "pass or_replace=True to recreate it (that drops every grant on it)",
        )
    integration = getattr(value, "api_authentication", None)
    stored = str(row.get("integration_name") or "").strip()
    if isinstance(integration, QualifiedName) and stored and stored.upper() != integration.name.upper():
        raise SpcsConfigError(
            "api_authentication",
            f"secret {label} uses security integration {stored}, not {integration.name}, which an "
            "alter cannot change: pass or_replace=True to recreate the secret (that drops every grant on it)",
        )


def write_secret(
    sql: SecretSql,
    name: str | QualifiedName,
    value: SecretValue,
    *,
    or_replace: bool = False,
    comment: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Steps[SecretWrite]:
    """Create the secret, or set its new value if it exists (``CREATE OR REPLACE`` on request).

    :param sql: runs one statement.
    :param name: the secret (``name``, ``schema.name`` or ``db.schema.name``); validated first.
    :param value: what to store (the masker already heard it).
    :param or_replace: recreate the secret instead of altering it (drops its grants).
    :param comment: the secret's comment (left as it is when ``None`` and the secret exists).
    :param clock: epoch-seconds time source for :attr:`SecretWrite.written_at`.
    :raises SpcsConfigError: an invalid name or value (before any SQL), or an existing secret of
        another type or integration (without ``or_replace``).
    :raises SpcsSqlError: Snowflake refused a statement (redacted: see :func:`run_secret_statement`).
    """
    target = statements.secret_name(name)
    # Build what may be sent before sending anything: a value Snowflake cannot store fails here.
    create = statements.create_secret(target, value, or_replace=or_replace, comment=comment)
    alter = statements.alter_secret_set(target, value, comment=comment)
    existing = yield from find_secret(sql, target)
    if or_replace:
        yield from run_secret_statement(sql, create)
        action = "replaced" if existing is not None else "created"
    elif existing is None:
        action = "created"
        try:
            yield from run_secret_statement(sql, create)
        except SpcsSqlError as exc:
            if exc.code != EXISTING_OBJECT_CODE:
                raise
            action = "updated"  # created by someone else since we looked: set the value instead
        if action == "updated":
            yield from run_secret_statement(sql, alter)  # outside the except: no error context to carry
    else:
        _check_compatible(target, existing, value)
        yield from run_secret_statement(sql, alter)
        action = "updated"
    when = dt.datetime.fromtimestamp(clock(), tz=dt.UTC).isoformat(timespec="seconds")
    return SecretWrite(display_name(target), value.secret_type, action, when)


def drop_secret(sql: SecretSql, name: str | QualifiedName, *, if_exists: bool = True) -> Steps[bool]:
    """``DROP SECRET [IF EXISTS]``; whether a secret was there to drop.

    :raises SpcsConfigError: the name is invalid (nothing is sent).
    :raises SpcsSqlError: the secret does not exist and ``if_exists`` is false.
    """
    rows = yield from sql(statements.drop_secret(name, if_exists=if_exists))
    status = str(next(iter(rows[0].values()), "")) if rows else ""
    return "already dropped" not in status.lower()
