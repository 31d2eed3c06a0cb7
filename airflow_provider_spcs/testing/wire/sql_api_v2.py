"""SQL API v2: ``POST /api/v2/statements``, ``GET /api/v2/statements/{handle}``, ``POST .../cancel``.

Reference section 6. ``async=true`` always answers 202 (``333334``) with the handle, however quick
the statement; its result or error is fetched with GET. Our choices where Snowflake is silent: a
missing ``User-Agent`` is answered 400 (code ``390142``); a synchronous POST answers 202 at once
while the statement is still running (state machines advance only when the client polls), unless
``Settings.sql_sync_wait`` says wait.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.callers import AuthFailure, Caller, authenticate_sql_api, parse_bearer
from airflow_provider_spcs.testing.wire.cells import column_meta, encode_rows
from airflow_provider_spcs.testing.wire.statement_runs import Context, submit
from airflow_provider_spcs.testing.wire.statement_store import StatementRecord

BASE = "/api/v2/statements"
IN_PROGRESS = "333334"
IN_PROGRESS_MESSAGE = (
    "Asynchronous execution in progress. Use provided query id to perform query monitoring and management."
)
BAD_PAYLOAD = "390142"


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


def _authenticate(request: Request) -> Caller | JSONResponse:
    state: EmulatorState = request.app.state.emulator
    token = parse_bearer(request.headers.get("authorization"))
    if token is None:
        return _error(401, "390303", "Invalid OAuth access token. Missing or malformed Authorization header.")
    try:
        return authenticate_sql_api(state, token, request.headers.get("x-snowflake-authorization-token-type"))
    except AuthFailure as exc:
        return _error(401, exc.code, exc.message)


def _status_url(handle: str, request_id: str | None = None, partition: int | None = None) -> str:
    params = [f"requestId={request_id}"] if request_id else []
    if partition is not None:
        params.append(f"partition={partition}")
    return f"{BASE}/{handle}" + ("?" + "&".join(params) if params else "")


def _partitions(rows: list[list[str | None]], size: int) -> list[list[list[str | None]]]:
    size = max(1, size)
    return [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]


def _result_response(state: EmulatorState, record: StatementRecord, partition: int) -> Response:
    assert record.result is not None
    parts = _partitions(encode_rows(record.result, "sql_api"), state.settings.rows_per_partition)
    if not 0 <= partition < len(parts):
        return _error(
            422,
            "000709",
            f"Partition {partition} of statement {record.handle} not found.",
            sqlState="02000",
            statementHandle=record.handle,
        )

    def cells(rows: list[list[str | None]]) -> list[list[str | None]]:
        return rows if record.nullable else [["null" if c is None else c for c in row] for row in rows]

    body: dict[str, Any] = {
        "resultSetMetaData": {
            "numRows": len(record.result.rows),
            "format": "jsonv2",
            "rowType": [column_meta(c) for c in record.result.columns],
            "partitionInfo": [{"rowCount": len(p), "uncompressedSize": len(json.dumps(p))} for p in parts],
        },
        "data": cells(parts[partition]),
        "code": "090001",
        "statementStatusUrl": _status_url(record.handle, record.request_id, partition),
        "sqlState": "00000",
        "statementHandle": record.handle,
        "message": "Statement executed successfully.",
        "createdOn": record.created_on,
    }
    if record.children is not None:
        body["statementHandles"] = list(record.children)
    links = [f'<{_status_url(record.handle, record.request_id, 0)}>; rel="first"']
    if partition + 1 < len(parts):
        links.append(f'<{_status_url(record.handle, record.request_id, partition + 1)}>; rel="next"')
    if partition > 0:
        links.append(f'<{_status_url(record.handle, record.request_id, partition - 1)}>; rel="prev"')
    links.append(f'<{_status_url(record.handle, record.request_id, len(parts) - 1)}>; rel="last"')
    return JSONResponse(body, headers={"Link": ", ".join(links)})


def _status_fields(record: StatementRecord) -> dict[str, Any]:
    return {
        "statementHandle": record.handle,
        "statementStatusUrl": _status_url(record.handle, record.request_id),
        "createdOn": record.created_on,
    }


def accepted(record: StatementRecord) -> Response:
    """202 QueryStatus: the statement runs (or ran) asynchronously; GET its status URL."""
    body = {"code": IN_PROGRESS, "sqlState": "01000", "message": IN_PROGRESS_MESSAGE, **_status_fields(record)}
    return JSONResponse(body, status_code=202)


def render(state: EmulatorState, record: StatementRecord, partition: int = 0) -> Response:
    """The response for ``record`` in its current state (200, 202 or 422)."""
    if record.state == "done":
        return _result_response(state, record, partition)
    if record.state == "pending":
        return accepted(record)
    common = _status_fields(record)
    if record.state == "cancelled":
        return _error(422, "000604", "SQL execution canceled", sqlState="57014", **common)
    assert record.error is not None
    return _error(422, record.error.code, record.error.message, sqlState=record.error.sql_state, **common)


def _multi_count(parameters: Any) -> int | None:
    if not isinstance(parameters, dict):
        return 1
    for key, value in parameters.items():
        if str(key).lower() == "multi_statement_count":
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return 1


async def submit_statement(request: Request) -> Response:
    """``POST /api/v2/statements``."""
    state: EmulatorState = request.app.state.emulator
    caller = _authenticate(request)
    if isinstance(caller, Response):
        return caller
    content_type = request.headers.get("content-type")
    if content_type is not None and content_type.split(";")[0].strip().lower() != "application/json":
        return _error(415, "391000", "Unsupported media type; use Content-Type: application/json.")
    accept = request.headers.get("accept")
    if accept is not None and not any(v in accept.lower() for v in ("application/json", "*/*", "application/*")):
        return _error(406, "391001", "Not acceptable; Accept must include application/json.")
    if not request.headers.get("user-agent"):
        return _error(400, BAD_PAYLOAD, "Missing User-Agent header.")
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    statement = body.get("statement") if isinstance(body, dict) else None
    if not isinstance(statement, str):
        return _error(400, BAD_PAYLOAD, "Incoming request does not contain a valid payload.")
    assert isinstance(body, dict)
    multi = _multi_count(body.get("parameters"))
    if multi is None or multi < 0:
        return _error(400, BAD_PAYLOAD, "Invalid MULTI_STATEMENT_COUNT parameter.")
    params = request.query_params
    request_id = params.get("requestId")
    nullable = params.get("nullable", "true").lower() != "false"
    if request_id and params.get("retry", "").lower() == "true":
        earlier = state.statements.by_request_id(caller.user.name, request_id)
        if earlier is not None:
            return render(state, earlier)
    role = body.get("role") or caller.effective_role
    if not isinstance(role, str) or not caller.user.has_role(role):
        return _error(
            422,
            "390189",
            f"Role '{role}' specified in the request is not granted to this user.",
            sqlState="08004",
        )
    if caller.role is not None and role.upper() != caller.role.upper():
        return _error(422, "390189", f"The token is restricted to role '{caller.role}'.", sqlState="08004")
    ctx = Context(caller.user.name, role.upper(), _opt_str(body.get("database")), _opt_str(body.get("schema")))
    record = submit(state, statement, ctx, request_id=request_id, multi_count=multi)
    record.nullable = nullable
    if params.get("async", "").lower() == "true":
        return accepted(record)
    deadline = time.monotonic() + state.settings.sql_sync_wait
    while record.state == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        record.poll()
    return render(state, record)


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _own_record(request: Request) -> StatementRecord | JSONResponse:
    """The caller's statement named by the path, or the error response (401, or 422 for a handle
    that is unknown or another user's)."""
    state: EmulatorState = request.app.state.emulator
    caller = _authenticate(request)
    if isinstance(caller, Response):
        return caller
    handle = request.path_params["handle"]
    record = state.statements.get(handle)
    if record is None or record.user != caller.user.name:
        return _error(422, "000709", f"Statement {handle} not found", sqlState="02000", statementHandle=handle)
    return record


async def get_statement(request: Request) -> Response:
    """``GET /api/v2/statements/{handle}[?partition=N]``: poll a statement, fetch a partition."""
    state: EmulatorState = request.app.state.emulator
    record = _own_record(request)
    if isinstance(record, Response):
        return record
    raw = request.query_params.get("partition", "0")
    if not raw.isdigit():
        return _error(400, BAD_PAYLOAD, "partition must be a non-negative integer.")
    record.poll()
    return render(state, record, int(raw))


async def cancel_statement(request: Request) -> Response:
    """``POST /api/v2/statements/{handle}/cancel``."""
    record = _own_record(request)
    if isinstance(record, Response):
        return record
    if record.state == "pending":
        if record.pending is not None:
            record.pending.cancel()
        record.state, record.pending = "cancelled", None
    return JSONResponse(
        {
            "code": "000604",
            "sqlState": "57014",
            "message": "SQL execution canceled",
            "statementHandle": record.handle,
            "statementStatusUrl": _status_url(record.handle),
        }
    )
