"""The Python connector's private REST protocol (reference Appendix A), enough for
snowflake-connector-python 5.x to log in, run statements through a cursor (JSON rowsets),
issue/renew session tokens, send heartbeats and telemetry, and log out.

Connector replies are HTTP 200 with ``success`` true/false; failures carry a Snowflake ``code`` so
the connector raises the matching error (DatabaseError / ProgrammingError).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.wire.app_state import ConnectorSession, EmulatorState
from airflow_provider_spcs.testing.wire.callers import AuthFailure, parse_snowflake_token, verify_jwt
from airflow_provider_spcs.testing.wire.cells import column_meta, encode_rows
from airflow_provider_spcs.testing.wire.connector_statements import run_session_statement
from airflow_provider_spcs.testing.wire.keypair_jwt import JwtRejected
from airflow_provider_spcs.testing.wire.statement_runs import Context, submit
from airflow_provider_spcs.testing.wire.statement_store import StatementRecord, new_handle
from airflow_provider_spcs.testing.wire.token_issuer import TokenError

BAD_CREDENTIALS = "390100"
ROLE_NOT_GRANTED = "390189"
SESSION_EXPIRED = "390112"
MASTER_EXPIRED = "390114"
QUERY_IN_PROGRESS = "333333"
ASYNC_IN_PROGRESS = "333334"
# How long a synchronous connector query may keep the request open while a job runs.
SYNC_QUERY_WAIT = 30.0


def _fail(code: str, message: str, data: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message, "data": data})


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"success": True, "code": None, "message": None, "data": data})


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        if request.headers.get("content-encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        body = json.loads(raw)
    except (ValueError, OSError, EOFError):
        return {}
    return body if isinstance(body, dict) else {}


def _login_user(state: EmulatorState, data: dict[str, Any]) -> tuple[User, str | None]:
    """Authenticate the login body; return the user and the role bound to the credential."""
    authenticator = str(data.get("AUTHENTICATOR") or "SNOWFLAKE").upper()
    login_name = str(data.get("LOGIN_NAME") or "")
    token = str(data.get("TOKEN") or "")
    if authenticator == "SNOWFLAKE":
        user = state.directory.check_password(login_name, str(data.get("PASSWORD") or ""))
        if user is None:
            raise AuthFailure(BAD_CREDENTIALS, "Incorrect username or password was specified.")
        return user, None
    if authenticator == "SNOWFLAKE_JWT":
        try:
            user = verify_jwt(state, token)
        except JwtRejected as exc:
            raise AuthFailure(exc.code, exc.message) from None
        if login_name and login_name.upper() != user.name:
            raise AuthFailure("390144", "JWT user does not match the login name.")
        return user, None
    if authenticator == "PROGRAMMATIC_ACCESS_TOKEN":
        found = state.directory.by_pat(token)
        if found is None or (login_name and login_name.upper() != found.name):
            raise AuthFailure(BAD_CREDENTIALS, "Programmatic access token is invalid.")
        return found, None
    if authenticator == "OAUTH":
        try:
            claims = state.issuer.verify(token, ("spcs", "oauth"))
        except TokenError as exc:
            code = "390318" if exc.expired else "390303"
            raise AuthFailure(
                code, "OAuth access token expired." if exc.expired else "Invalid OAuth access token."
            ) from None
        user = state.directory.get(claims.user)
        if user is None or (login_name and login_name.upper() != user.name):
            raise AuthFailure("390303", "Invalid OAuth access token.")
        return user, claims.role
    raise AuthFailure(BAD_CREDENTIALS, f"Authenticator {authenticator} is not supported by the emulator.")


def _session_payload(state: EmulatorState, session: ConnectorSession) -> dict[str, Any]:
    settings = state.settings
    return {
        "sessionToken": state.issuer.mint(
            "session", user=session.user, session_id=session.session_id, lifetime=settings.session_token_lifetime
        ),
        "validityInSecondsST": int(settings.session_token_lifetime),
        "masterToken": state.issuer.mint(
            "master", user=session.user, session_id=session.session_id, lifetime=settings.master_token_lifetime
        ),
        "validityInSecondsMT": int(settings.master_token_lifetime),
    }


async def login_request(request: Request) -> Response:
    """``POST /session/v1/login-request``."""
    state: EmulatorState = request.app.state.emulator
    data = (await _json_body(request)).get("data")
    if not isinstance(data, dict):
        return _fail("390142", "Incoming request does not contain a valid payload.")
    try:
        user, bound_role = _login_user(state, data)
    except AuthFailure as exc:
        return _fail(exc.code, exc.message)
    params = request.query_params
    role = params.get("roleName") or bound_role or user.default_role
    if not user.has_role(role):
        return _fail(
            ROLE_NOT_GRANTED,
            f"Role '{role}' specified in the connect string is not granted to this user. "
            "Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.",
        )
    session = state.open_session(
        user.name,
        role.upper(),
        params.get("databaseName") or None,
        params.get("schemaName") or None,
        params.get("warehouse") or None,
    )
    tokens = _session_payload(state, session)
    state.stats.incr("logins")
    return _ok(
        {
            "token": tokens["sessionToken"],
            "validityInSeconds": tokens["validityInSecondsST"],
            "masterToken": tokens["masterToken"],
            "masterValidityInSeconds": tokens["validityInSecondsMT"],
            "sessionId": session.numeric_id,
            "sessionInfo": {
                "databaseName": session.database,
                "schemaName": session.schema,
                "warehouseName": session.warehouse,
                "roleName": session.role,
            },
            "parameters": [{"name": "PYTHON_CONNECTOR_QUERY_RESULT_FORMAT", "value": "JSON"}],
            "idToken": None,
            "mfaToken": None,
        }
    )


def _session_of(request: Request, kind: str = "session") -> ConnectorSession | JSONResponse:
    state: EmulatorState = request.app.state.emulator
    token = parse_snowflake_token(request.headers.get("authorization"))
    expired_code = SESSION_EXPIRED if kind == "session" else MASTER_EXPIRED
    if not token:
        return _fail(expired_code, "Session token missing. New login required.")
    try:
        claims = state.issuer.verify(token, (kind,))  # type: ignore[arg-type]
    except TokenError:
        return _fail(expired_code, "Session no longer exists. New login required to access the service.")
    session = state.session(claims.session_id)
    if session is None:
        return _fail(expired_code, "Session no longer exists. New login required to access the service.")
    return session


def _query_payload(session: ConnectorSession, record: StatementRecord) -> Response:
    if record.state == "done":
        assert record.result is not None
        rowset = encode_rows(record.result, "connector")
        return _ok(
            {
                "queryId": record.handle,
                "rowtype": [column_meta(c) for c in record.result.columns],
                "rowset": rowset,
                "total": len(rowset),
                "returned": len(rowset),
                "queryResultFormat": "json",
                "parameters": [],
                "finalDatabaseName": session.database,
                "finalSchemaName": session.schema,
                "finalWarehouseName": session.warehouse,
                "finalRoleName": session.role,
                "sqlState": "00000",
                "statementTypeId": 4096,
            }
        )
    if record.state == "pending":
        return JSONResponse(
            {
                "success": True,
                "code": QUERY_IN_PROGRESS,
                "message": "Query execution in progress.",
                "data": {"queryId": record.handle, "getResultUrl": f"/queries/{record.handle}/result"},
            }
        )
    if record.state == "cancelled":
        return _fail("000604", "SQL execution canceled", {"queryId": record.handle, "sqlState": "57014"})
    assert record.error is not None
    return _fail(
        record.error.code, record.error.message, {"queryId": record.handle, "sqlState": record.error.sql_state}
    )


async def _wait(record: StatementRecord) -> None:
    # A sync connector query holds the request open while a job runs (polls advance it).
    deadline = time.monotonic() + SYNC_QUERY_WAIT
    while record.state == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        record.poll()


async def query_request(request: Request) -> Response:
    """``POST /queries/v1/query-request``: run ``sqlText`` in the session."""
    state: EmulatorState = request.app.state.emulator
    session = _session_of(request)
    if isinstance(session, Response):
        return session
    body = await _json_body(request)
    sql_text = body.get("sqlText")
    if not isinstance(sql_text, str):
        return _fail("390142", "Incoming request does not contain a valid payload.")
    user = state.directory.get(session.user)
    if user is None:
        return _fail(SESSION_EXPIRED, "Session user no longer exists. New login required.")
    try:
        local = run_session_statement(sql_text, session, user)
    except SqlError as exc:
        return _fail(exc.code, exc.message, {"sqlState": exc.sql_state})
    if local is not None:
        record = StatementRecord(new_handle(), session.user)
        record.finish(local)
        state.statements.add(record)
        return _query_payload(session, record)
    ctx = Context(session.user, session.role, session.database, session.schema)
    multi = 1
    parameters = body.get("parameters")
    if isinstance(parameters, dict):
        for key, value in parameters.items():
            if key.upper() == "MULTI_STATEMENT_COUNT":
                multi = int(value)
    record = submit(state, sql_text, ctx, multi_count=multi)
    if body.get("asyncExec"):
        # Like Snowflake: an async submit only hands back the query id; the client then asks
        # /monitoring/queries/{id} for the status and /queries/{id}/result for the rows.
        return JSONResponse(
            {
                "success": True,
                "code": ASYNC_IN_PROGRESS,
                "message": "Asynchronous execution in progress.",
                "data": {"queryId": record.handle, "getResultUrl": f"/queries/{record.handle}/result"},
            }
        )
    await _wait(record)
    return _query_payload(session, record)


_MONITORING_STATUS = {"pending": "RUNNING", "done": "SUCCESS", "failed": "FAILED_WITH_ERROR", "cancelled": "ABORTED"}


def _session_query(request: Request) -> tuple[ConnectorSession | Response, StatementRecord | None]:
    """The session (or its error response) and the session user's query named by the path, if any."""
    state: EmulatorState = request.app.state.emulator
    session = _session_of(request)
    if isinstance(session, Response):
        return session, None
    record = state.statements.get(request.path_params["query_id"])
    return session, record if record is not None and record.user == session.user else None


async def query_monitoring(request: Request) -> Response:
    """``GET /monitoring/queries/{id}``: status of a query (used by ``get_query_status``)."""
    session, record = _session_query(request)
    if isinstance(session, Response):
        return session
    if record is None:
        return _ok({"queries": []})
    record.poll()
    entry: dict[str, Any] = {
        "id": record.handle,
        "status": _MONITORING_STATUS[record.state],
        "state": record.state.upper(),
    }
    if record.error is not None:
        entry.update(errorCode=record.error.code, errorMessage=record.error.message)
    return _ok({"queries": [entry]})


async def query_result(request: Request) -> Response:
    """``GET /queries/{id}/result``: the connector polls here after a ``333333`` answer."""
    session, record = _session_query(request)
    if isinstance(session, Response):
        return session
    if record is None:
        return _fail("000709", "Statement not found", {"sqlState": "02000"})
    await _wait(record)
    return _query_payload(session, record)


async def token_request(request: Request) -> Response:
    """``POST /session/token-request``: ISSUE or RENEW with the master token."""
    state: EmulatorState = request.app.state.emulator
    session = _session_of(request, "master")
    if isinstance(session, Response):
        return session
    request_type = str((await _json_body(request)).get("requestType", "")).upper()
    if request_type not in ("ISSUE", "RENEW"):
        return _fail("390142", "requestType must be ISSUE or RENEW.")
    state.stats.incr("tokens_minted")
    return _ok({**_session_payload(state, session), "sessionId": session.numeric_id})


async def heartbeat(request: Request) -> Response:
    """``POST /session/heartbeat``."""
    session = _session_of(request)
    if isinstance(session, Response):
        return session
    return _ok({})


async def telemetry(request: Request) -> Response:
    """``POST /telemetry/send``: accepted and ignored (the body is gzip JSON)."""
    await request.body()
    return _ok(None)


async def session_delete(request: Request) -> Response:
    """``POST /session?delete=true``: log out (the tokens stop working)."""
    state: EmulatorState = request.app.state.emulator
    if request.query_params.get("delete", "").lower() != "true":
        return _fail("390142", "Unsupported session request.")
    session = _session_of(request)
    if isinstance(session, ConnectorSession):
        state.close_session(session.session_id)
    return _ok(None)
