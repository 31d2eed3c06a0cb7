"""The account host app: connector login and queries, SQL API, ``/oauth/token``, Snowflake OAuth's
``/oauth/token-request``, the customer OAuth server, the sign-in page and the ``/_emulator/``
admin routes."""

from __future__ import annotations

import html

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from airflow_provider_spcs.testing.control import admin_routes
from airflow_provider_spcs.testing.control.faults import FaultMiddleware
from airflow_provider_spcs.testing.wire import (
    connector_rest,
    customer_oauth,
    snowflake_oauth,
    sql_api_v2,
    token_exchange,
)
from airflow_provider_spcs.testing.wire.app_state import EmulatorState

_ROUTE_PREFIXES = (
    (snowflake_oauth.SNOWFLAKE_OAUTH_PATH, "snowflake_oauth"),
    ("/oauth/token", "oauth_token"),
    (sql_api_v2.BASE, "sql_api"),
    ("/session/v1/login-request", "login"),
    ("/queries/", "query"),
    ("/monitoring/queries/", "query"),
    ("/session/token-request", "token_request"),
    (customer_oauth.CUSTOMER_OAUTH_PATH, "oauth_server"),
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


async def console_login(request: Request) -> Response:
    """The sign-in page unauthenticated ingress requests are redirected to."""
    target = html.escape(request.query_params.get("returnUrl", ""))
    return HTMLResponse(
        "<!doctype html><title>Sign in to Snowflake</title>"
        f"<h1>Sign in to Snowflake (emulator)</h1><p>Sign in to continue to {target}.</p>"
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"code": "390404", "message": f"Unknown endpoint {request.url.path}."}, status_code=404)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse({"code": "390405", "message": "Method not allowed."}, status_code=405)


def build_account_app(state: EmulatorState) -> ASGIApp:
    """The Starlette app for the account port, wrapped in fault injection and counters."""
    app = Starlette(
        routes=[
            Route("/oauth/token", token_exchange.oauth_token, methods=["POST"]),
            Route(snowflake_oauth.SNOWFLAKE_OAUTH_PATH, snowflake_oauth.token_request, methods=["POST"]),
            Route(customer_oauth.CUSTOMER_OAUTH_PATH, customer_oauth.customer_oauth_token, methods=["POST"]),
            Route(sql_api_v2.BASE, sql_api_v2.submit_statement, methods=["POST"]),
            Route(sql_api_v2.BASE + "/{handle}", sql_api_v2.get_statement, methods=["GET"]),
            Route(sql_api_v2.BASE + "/{handle}/cancel", sql_api_v2.cancel_statement, methods=["POST"]),
            Route("/session/v1/login-request", connector_rest.login_request, methods=["POST"]),
            Route("/queries/v1/query-request", connector_rest.query_request, methods=["POST"]),
            Route("/queries/{query_id}/result", connector_rest.query_result, methods=["GET"]),
            Route("/monitoring/queries/{query_id}", connector_rest.query_monitoring, methods=["GET"]),
            # connector 5.x joins the path with a doubled slash
            Route("/monitoring/queries//{query_id}", connector_rest.query_monitoring, methods=["GET"]),
            Route("/session/token-request", connector_rest.token_request, methods=["POST"]),
            Route("/session/heartbeat", connector_rest.heartbeat, methods=["POST"]),
            Route("/telemetry/send", connector_rest.telemetry, methods=["POST"]),
            Route("/session", connector_rest.session_delete, methods=["POST"]),
            *admin_routes.ROUTES,
            Route("/console/login", console_login, methods=["GET"]),
        ],
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
    app.state.emulator = state
    return FaultMiddleware(app, route_of=route_of, faults=state.faults, stats=state.stats)
