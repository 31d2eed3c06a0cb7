"""The account host app: login, SQL API, ``/oauth/token``, customer OAuth server, admin."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from airflow_provider_spcs.testing import admin, connector_protocol, oauth, sql_api
from airflow_provider_spcs.testing.faults import FaultMiddleware
from airflow_provider_spcs.testing.state import EmulatorState

_ROUTE_PREFIXES = (
    ("/oauth/token", "oauth_token"),
    (sql_api.BASE, "sql_api"),
    ("/session/v1/login-request", "login"),
    ("/queries/", "query"),
    ("/monitoring/queries/", "query"),
    ("/session/token-request", "token_request"),
    (oauth.CUSTOMER_OAUTH_PATH, "oauth_server"),
    ("/session/heartbeat", "heartbeat"),
    ("/telemetry/", "telemetry"),
    ("/session", "logout"),
    ("/_emulator/", "admin"),
    ("/console/", "console"),
)


def route_of(path: str) -> str:
    """The fault/counter route name of an account-host path."""
    for prefix, name in _ROUTE_PREFIXES:
        if path == prefix or path.startswith(prefix):
            return name
    return "other"


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"code": "390404", "message": f"Unknown endpoint {request.url.path}."}, status_code=404)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse({"code": "390405", "message": "Method not allowed."}, status_code=405)


def build_account_app(state: EmulatorState) -> ASGIApp:
    """The Starlette app for the account port, wrapped in fault injection and counters."""
    app = Starlette(
        routes=[
            Route("/oauth/token", oauth.oauth_token, methods=["POST"]),
            Route(oauth.CUSTOMER_OAUTH_PATH, oauth.customer_oauth_token, methods=["POST"]),
            Route(sql_api.BASE, sql_api.submit_statement, methods=["POST"]),
            Route(sql_api.BASE + "/{handle}", sql_api.get_statement, methods=["GET"]),
            Route(sql_api.BASE + "/{handle}/cancel", sql_api.cancel_statement, methods=["POST"]),
            Route("/session/v1/login-request", connector_protocol.login_request, methods=["POST"]),
            Route("/queries/v1/query-request", connector_protocol.query_request, methods=["POST"]),
            Route("/queries/{query_id}/result", connector_protocol.query_result, methods=["GET"]),
            Route("/monitoring/queries/{query_id}", connector_protocol.query_monitoring, methods=["GET"]),
            # connector 5.x joins the path with a doubled slash
            Route("/monitoring/queries//{query_id}", connector_protocol.query_monitoring, methods=["GET"]),
            Route("/session/token-request", connector_protocol.token_request, methods=["POST"]),
            Route("/session/heartbeat", connector_protocol.heartbeat, methods=["POST"]),
            Route("/telemetry/send", connector_protocol.telemetry, methods=["POST"]),
            Route("/session", connector_protocol.session_delete, methods=["POST"]),
            Route("/_emulator/stats", admin.stats, methods=["GET"]),
            Route("/_emulator/reset_stats", admin.reset_stats, methods=["POST"]),
            Route("/_emulator/inject", admin.inject, methods=["POST"]),
            Route("/_emulator/clear_faults", admin.clear_faults, methods=["POST"]),
            Route("/_emulator/info", admin.info, methods=["GET"]),
            Route("/console/login", admin.console_login, methods=["GET"]),
        ],
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
    app.state.emulator = state
    return FaultMiddleware(app, route_of=route_of, faults=state.faults, stats=state.stats)
