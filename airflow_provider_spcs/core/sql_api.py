"""SQL API v2 client: submit a statement, poll while it runs, fetch every partition, map errors.

Written as effect steps (see :mod:`.effects`) so one implementation serves sync and async callers.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from airflow_provider_spcs.core.auth import authorized_send
from airflow_provider_spcs.core.booleans import parse_boolean
from airflow_provider_spcs.core.credentials import SQL
from airflow_provider_spcs.core.effects import Blocking, Sleep, Steps
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsSqlError, SpcsTimeoutError
from airflow_provider_spcs.core.retry import RETRY_STATUSES, RetryPolicy, send_with_retries
from airflow_provider_spcs.core.secret_sql import SecretStatement, statement_text
from airflow_provider_spcs.core.server_text import scrub
from airflow_provider_spcs.core.version import USER_AGENT

if TYPE_CHECKING:
    from airflow_provider_spcs.core.config import SpcsConfig
    from airflow_provider_spcs.core.credentials import Credential

log = logging.getLogger(__name__)

STATEMENTS_PATH = "/api/v2/statements"
DEFAULT_STATEMENT_TIMEOUT = 600
"""Server-side statement timeout (seconds) sent with every statement; the client waits a bit longer."""
CLIENT_GRACE = 60
"""Seconds the client waits beyond the statement timeout: the budget of one statement, retries included."""


@dataclass(frozen=True)
class StatementResult:
    """Rows of a finished statement, cells converted to Python values (see :func:`convert_cell`)."""

    columns: list[str]
    rows: list[list[Any]]
    statement_handle: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by lowercase column name."""
        names = [c.lower() for c in self.columns]
        return [dict(zip(names, row, strict=False)) for row in self.rows]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
_TZ_BIAS = 1440
_MICROS = decimal.Decimal(1_000_000)


def _micros(seconds: str) -> int:
    """Fractional seconds (``"1732911167.310000000"``) as whole microseconds, exactly (floor)."""
    return int((decimal.Decimal(seconds) * _MICROS).to_integral_value(rounding=decimal.ROUND_FLOOR))


def _boolean(value: str) -> bool:
    flag = parse_boolean(value)
    if flag is None:
        raise ValueError(value)
    return flag


def _timestamp_tz(value: str) -> dt.datetime:
    seconds, _, offset = value.strip().partition(" ")
    zone = dt.timezone(dt.timedelta(minutes=int(offset) - _TZ_BIAS)) if offset else dt.UTC
    return (_EPOCH + dt.timedelta(microseconds=_micros(seconds))).astimezone(zone)


_CONVERTERS: dict[str, Callable[[str, int | None], Any]] = {
    "fixed": lambda v, scale: decimal.Decimal(v) if scale else int(v),
    "real": lambda v, _: float(v),
    "float": lambda v, _: float(v),
    "double": lambda v, _: float(v),
    "boolean": lambda v, _: _boolean(v),
    "date": lambda v, _: _EPOCH_DATE + dt.timedelta(days=int(v)),
    "time": lambda v, _: (dt.datetime.min + dt.timedelta(microseconds=_micros(v))).time(),
    "timestamp_ltz": lambda v, _: _EPOCH + dt.timedelta(microseconds=_micros(v)),
    "timestamp_ntz": lambda v, _: (_EPOCH + dt.timedelta(microseconds=_micros(v))).replace(tzinfo=None),
    "timestamp_tz": lambda v, _: _timestamp_tz(v),
}


def convert_cell(value: Any, column_type: str, scale: int | None = None) -> Any:
    """Decode one SQL API cell by its ``rowType`` type into the value the connector gives.

    SQL API v2 sends every non-NULL cell as a string: ``fixed`` becomes ``int`` (``Decimal`` when
    the column has a scale), ``real`` ``float``, ``boolean`` ``bool``, ``date`` a ``date`` (from days
    since the epoch), ``time`` a ``time`` and the timestamps (epoch seconds with 9 decimals) a
    ``datetime``: UTC for ``timestamp_ltz``, naive for ``timestamp_ntz``, and with the cell's own
    offset (``" <minutes + 1440>"``) for ``timestamp_tz``. Text, other types, ``None`` and cells
    that do not parse as their type are returned unchanged.
    """
    if not isinstance(value, str):
        return value
    convert = _CONVERTERS.get(column_type.lower())
    if convert is None:
        return value
    try:
        return convert(value, scale)
    except (ValueError, ArithmeticError, OverflowError):
        log.debug("SQL API cell %r is not a valid %s; kept as text", value, column_type)
        return value


#: Cells converted where the steps run, at most; a larger result (a listing of a thousand services)
#: is converted in a worker thread by the async driver: tens of milliseconds of CPU, which on the
#: event loop would hold up every other task.
CONVERT_INLINE_CELLS = 2_000


def _convert_rows(rows: list[list[Any]], types: list[tuple[str, int | None]]) -> list[list[Any]]:
    return [[convert_cell(cell, *types[i]) if i < len(types) else cell for i, cell in enumerate(row)] for row in rows]


def _converted(rows: list[list[Any]], types: list[tuple[str, int | None]]) -> Steps[list[list[Any]]]:
    """``rows`` with every cell converted (:func:`convert_cell`); off the event loop when there are many."""
    if len(rows) * max(1, len(types)) <= CONVERT_INLINE_CELLS:
        return _convert_rows(rows, types)
    converted: list[list[Any]] = yield Blocking(lambda: _convert_rows(rows, types))
    return converted


def _headers() -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def raise_for_sql_response(response: httpx.Response) -> dict[str, Any]:
    """Return the JSON body of a 200/202 reply; raise the matching typed error otherwise.

    The server's message is quoted scrubbed of secrets (:func:`~.server_text.scrub`).

    :raises SpcsSqlError: 422 (the statement failed), with code, SQL state and message.
    :raises SpcsApiError: any other non-2xx status; ``retryable`` for 429/503/504.
    """
    body = _json(response)
    status = response.status_code
    if status in (200, 202):
        return body
    message = scrub(body.get("message") or response.reason_phrase or "", limit=1000)
    code = scrub(body["code"], limit=40) or None if body.get("code") else None
    if status == 422:
        raise SpcsSqlError(
            message,
            code=code,
            sql_state=scrub(body.get("sqlState"), limit=10) or None,
            statement_handle=scrub(body.get("statementHandle"), limit=80) or None,
        )
    raise SpcsApiError(
        f"SQL API returned HTTP {status}" + (f" (code {code})" if code else "") + (f": {message}" if message else ""),
        status_code=status,
        code=code,
        request_id=response.request.url.params.get("requestId"),
        retryable=status in RETRY_STATUSES,
    )


def _get(url: str, params: dict[str, str] | None = None) -> Callable[[int], httpx.Request]:
    def build(_attempt: int) -> httpx.Request:
        return httpx.Request("GET", url, params=params, headers=_headers())

    return build


def statement_body(config: SpcsConfig, statement: str | SecretStatement, timeout: int) -> dict[str, Any]:
    """The POST body: statement, timeout and the connection's session context.

    A :class:`~.secret_sql.SecretStatement`'s real text is read here, for the request body only.
    """
    body: dict[str, Any] = {"statement": statement_text(statement), "timeout": timeout}
    for name in ("database", "schema", "warehouse", "role"):
        value = getattr(config, name)
        if value:
            body[name] = value
    return body


def execute(
    credential: Credential,
    statement: str | SecretStatement,
    *,
    policy: RetryPolicy,
    timeout: int = DEFAULT_STATEMENT_TIMEOUT,
) -> Steps[StatementResult]:
    """Run one statement and return all of its rows.

    Retries reuse the same ``requestId`` with ``retry=true`` so Snowflake never runs it twice; a 202
    is polled at ``statementStatusUrl`` with growing waits; partitions 1..n are fetched after the first.
    Everything, retries included, fits in ``timeout`` + :data:`CLIENT_GRACE` seconds; every request
    goes to ``account_url`` (the destination rule refuses a status URL elsewhere).

    :param credential: the connection's credential; its settings give the account URL and session context.
    :param statement: the SQL text (a :class:`~.secret_sql.SecretStatement` goes only into the body).
    :param policy: retry and poll policy.
    :param timeout: server-side statement timeout in seconds.
    """
    config = credential.config
    base = config.account_url

    def send(request: httpx.Request) -> Steps[httpx.Response]:
        return authorized_send(credential, request, SQL)

    request_id = str(uuid.uuid4())
    body = statement_body(config, statement, timeout)

    def submit(attempt: int) -> httpx.Request:
        params = {"requestId": request_id, **({"retry": "true"} if attempt > 1 else {})}
        return httpx.Request("POST", base + STATEMENTS_PATH, params=params, json=body, headers=_headers())

    deadline = time.monotonic() + timeout + CLIENT_GRACE
    response = yield from send_with_retries(submit, policy, send=send, deadline=deadline)
    payload = raise_for_sql_response(response)
    polls = 0
    while response.status_code == 202:
        if time.monotonic() > deadline:
            raise SpcsTimeoutError(f"statement {payload.get('statementHandle')} still running after {timeout}s")
        status_url = base + str(payload.get("statementStatusUrl") or f"{STATEMENTS_PATH}/{payload['statementHandle']}")
        yield Sleep(policy.poll_delay(polls))
        polls += 1
        response = yield from send_with_retries(_get(status_url), policy, send=send, deadline=deadline)
        payload = raise_for_sql_response(response)

    meta = payload.get("resultSetMetaData") or {}
    row_type = meta.get("rowType") or []
    columns = [str(col.get("name", "")) for col in row_type]
    rows: list[list[Any]] = list(payload.get("data") or [])
    handle = payload.get("statementHandle")
    partitions = meta.get("partitionInfo") or []
    for index in range(1, len(partitions)):
        url = f"{base}{STATEMENTS_PATH}/{handle}"
        params = {"requestId": request_id, "partition": str(index)}
        part = yield from send_with_retries(_get(url, params), policy, send=send, deadline=deadline)
        rows.extend(raise_for_sql_response(part).get("data") or [])
    types = [(str(col.get("type") or "text"), col.get("scale")) for col in row_type]
    rows = yield from _converted(rows, types)
    log.debug("SQL API statement %s: %d row(s), %d partition(s), %d poll(s)", handle, len(rows), len(partitions), polls)
    return StatementResult(columns=columns, rows=rows, statement_handle=handle, raw=payload)
