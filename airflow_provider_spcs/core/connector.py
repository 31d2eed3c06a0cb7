"""snowflake-connector-python glue: connect with each auth method, issue session tokens, run SQL.

Imported lazily (the connector is heavy). :func:`issue_session_token` is the single place that uses a
private connector API; ``tests/core/test_connector.py`` fails loudly if the connector changes it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_spcs.core.errors import SpcsApiError, SpcsAuthError, SpcsSqlError
from airflow_provider_spcs.core.secret_sql import SecretStatement, statement_text
from airflow_provider_spcs.core.secrets import report_secret
from airflow_provider_spcs.core.server_text import explain_code, scrub
from airflow_provider_spcs.core.tokens import Token

log = logging.getLogger(__name__)

DEFAULT_SESSION_VALIDITY = 3600.0
"""Seconds a session token is assumed valid when the server does not say (Snowflake's default)."""


def location_kwargs(account_url: str) -> dict[str, Any]:
    """``host``/``port``/``protocol`` connector arguments for an account URL."""
    parts = urlsplit(account_url)
    kwargs: dict[str, Any] = {"host": parts.hostname, "protocol": parts.scheme}
    kwargs["port"] = parts.port or (443 if parts.scheme == "https" else 80)
    return kwargs


def connect(kwargs: Mapping[str, Any]) -> Any:
    """Open a connector connection (blocking).

    :param kwargs: ``snowflake.connector.connect`` arguments, credentials included.
    :raises SpcsAuthError: the login failed; the message carries the server's code, never a secret.
    """
    import snowflake.connector
    from snowflake.connector.errors import Error

    try:
        return snowflake.connector.connect(**kwargs)
    except Error as exc:
        code = str(exc.errno) if getattr(exc, "errno", None) else None
        raise SpcsAuthError(
            f"Snowflake login failed for account {kwargs.get('account')} ({kwargs.get('authenticator', 'SNOWFLAKE')}): "
            f"{_connector_message(exc)}{explain_code(code)}",
            code=code,
        ) from None


def _connector_message(exc: BaseException) -> str:
    """What the connector (quoting the server) said, scrubbed of secrets (:func:`~.server_text.scrub`)."""
    msg = getattr(exc, "raw_msg", None) or getattr(exc, "msg", None) or type(exc).__name__
    return scrub(msg, limit=300)


def issue_session_token(connection: Any) -> tuple[str, float | None]:
    """Ask the connection for a session token usable as ``Snowflake Token="..."`` on ingress.

    Snowflake's documented recipe (SPCS tutorial 8) is ``conn._rest._token_request("ISSUE")``; the
    connector has no public API for it. Connector 5.x (Rust core) keeps it in a compatibility shim.

    :return: the token and its validity in seconds (``None`` if the server did not say).
    """
    with warnings.catch_warnings():
        # connector 5.x keeps ``rest`` only for backward compatibility and says so on every access
        warnings.simplefilter("ignore", DeprecationWarning)
        rest = connection.rest
    reply = rest._token_request("ISSUE")
    data = reply.get("data") or {}
    token = data.get("sessionToken")
    if not token:
        raise SpcsAuthError("Snowflake did not issue a session token (token-request ISSUE)")
    validity = data.get("validityInSecondsST")
    return str(token), float(validity) if validity else None


def open_session(kwargs: Mapping[str, Any]) -> Token:
    """Log in and return a session token whose ``holder`` is the open connection (blocking)."""
    started = time.time()
    connection = connect(kwargs)
    try:
        value, validity = issue_session_token(connection)
    except Exception:
        connection.close()
        raise
    report_secret(value)
    log.debug("Opened Snowflake session for account %s", kwargs.get("account"))
    lifetime = validity or DEFAULT_SESSION_VALIDITY
    return Token(value, started + lifetime, started, "session", holder=connection)


def _type_name(type_code: Any) -> str:
    from snowflake.connector.constants import FIELD_ID_TO_NAME  # type: ignore[attr-defined,unused-ignore]

    return str(FIELD_ID_TO_NAME.get(type_code, "TEXT")) if isinstance(type_code, int) else "TEXT"


def _normalise(value: Any, type_name: str, scale: int | None) -> Any:
    """Make a connector value the one :func:`.sql_api.convert_cell` gives for the same cell.

    The connector already types JSON cells; what differs is the zone of timestamps: it returns
    TIMESTAMP_LTZ in the session's time zone (a pytz zone) and TIMESTAMP_TZ with a pytz offset,
    where the SQL API path gives UTC and a ``datetime.timezone`` offset. Text left over for a typed
    column (older connectors) gets the SQL API conversion, so rows are equal on either path.
    """
    if isinstance(value, str):
        from airflow_provider_spcs.core.sql_api import convert_cell

        return convert_cell(value, type_name, scale)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        offset = value.utcoffset()
        if type_name == "TIMESTAMP_LTZ" or offset is None:
            return value.astimezone(dt.UTC)
        return value.astimezone(dt.timezone(offset))
    return value


_SESSION_GONE = frozenset({390111, 390112, 390114})
"""Connector error numbers meaning the session is gone: log in again and retry once."""


def execute(connection: Any, statement: str | SecretStatement) -> list[dict[str, Any]]:
    """Run one statement on an open connection; rows keyed by lowercase column name (blocking).

    A :class:`~.secret_sql.SecretStatement`'s real text is read here, for ``cursor.execute`` only
    (the connector logs query text only with ``log_query_text``, which we never set).

    :raises SpcsSqlError: the statement failed (code, SQL state and message from Snowflake).
    """
    from snowflake.connector.errors import ProgrammingError

    with connection.cursor() as cursor:
        try:
            cursor.execute(statement_text(statement))
        except ProgrammingError as exc:
            if exc.errno in _SESSION_GONE:
                raise
            raise SpcsSqlError(
                _connector_message(exc),
                code=f"{exc.errno:06d}" if isinstance(exc.errno, int) else None,
                sql_state=exc.sqlstate,
                statement_handle=exc.sfqid,
                status_code=None,
            ) from None
        description = list(cursor.description or ())
        names = [str(col[0]).lower() for col in description]
        types = [(_type_name(col[1]), col[5] if len(col) > 5 else None) for col in description]
        return [
            {name: _normalise(value, *kind) for name, value, kind in zip(names, row, types, strict=False)}
            for row in cursor.fetchall()
        ]


class ConnectorSession:
    """One connector connection reused for a hook's statements (a login per statement is slow).

    Thread-safe (statements run one at a time). A connection that broke or whose session expired is
    replaced once per statement with a fresh login from the current arguments.
    """

    def __init__(self) -> None:
        self._connection: Any = None
        self._lock = threading.Lock()

    def query(self, kwargs: Mapping[str, Any], statement: str | SecretStatement) -> list[dict[str, Any]]:
        """Run ``statement``, logging in with ``kwargs`` if there is no live connection (blocking)."""
        from snowflake.connector.errors import DatabaseError, ProgrammingError

        with self._lock:
            for attempt in (1, 2):
                if self._connection is None or self._connection.is_closed():
                    self._connection = connect(kwargs)
                try:
                    return execute(self._connection, statement)
                except DatabaseError as exc:
                    if isinstance(exc, ProgrammingError) and exc.errno not in _SESSION_GONE:
                        raise
                    self._discard()
                    if attempt == 2:
                        raise SpcsApiError(
                            f"Snowflake connection failed twice: {_connector_message(exc)}",
                            code=str(exc.errno) if exc.errno else None,
                            retryable=True,
                        ) from None
                    log.debug("Snowflake session lost (%s); logging in again", exc.errno)
        raise AssertionError("unreachable")  # pragma: no cover

    def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # the session is already unusable; closing is best effort
                log.debug("closing a broken connection failed", exc_info=True)

    def close(self) -> None:
        """Log out (blocking); the next query logs in again."""
        with self._lock:
            self._discard()
