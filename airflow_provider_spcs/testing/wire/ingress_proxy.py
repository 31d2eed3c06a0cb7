"""The SPCS ingress proxy: one app per public endpoint port.

Reference section 4. Checks the ``Snowflake Token`` credential (PAT, exchanged token for this
host, connector or SPCS session token, customer OAuth token), the caller's role against the
service's roles, and the service's status; then hands the request to the endpoint's handler the
way the real proxy forwards it, and scrubs the response.

Status choices (Snowflake documents none of them; see Appendix C): no credential -> 302 to the
sign-in page; bad, expired or other-host token -> 401; role without access -> 403; no READY
instance (service not RUNNING, or every instance failed) -> 503; unknown endpoint -> 404; handler
crash -> 502. The handler's request carries the secrets the serving instance mounts
(:func:`airflow_provider_spcs.testing.handlers.mounted_secrets`). Error bodies are
``{"responseType": "ERROR_...", "requestId", "detail"}`` as observed. Credentials are also
accepted on ``X-SF-SPCS-Authorization`` (observed client practice; then ``Authorization`` passes
through to the app).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from airflow_provider_spcs.testing.control.faults import FaultMiddleware
from airflow_provider_spcs.testing.handlers import MOUNTED_SECRETS_SCOPE_KEY, echo_handler
from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.callers import AuthFailure, authenticate_ingress, parse_snowflake_token

log = logging.getLogger(__name__)

_DROPPED_METHODS = {"TRACE", "CONNECT"}
_STRIPPED_RESPONSE_HEADERS = ("server", "x-powered-by", "x-xss-protection", "public-key-pins")
_BLOCKED_CONTENT_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/exe",
        "application/x-exe",
        "application/dos-exe",
        "application/x-winexe",
        "application/msdos-windows",
        "application/x-msdos-program",
        "application/x-sh",
        "application/x-bsh",
        "application/x-csh",
        "application/x-tcsh",
        "application/batch",
    }
)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Embedder-Policy": "credentialless",
    "Content-Security-Policy": (
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' blob: data:; object-src 'none'; "
        "connect-src 'self'; frame-ancestors 'self';"
    ),
}


def _error(status: int, response_type: str, detail: str) -> JSONResponse:
    body = {"responseType": response_type, "requestId": str(uuid.uuid4()), "detail": detail}
    return JSONResponse(body, status_code=status)


class IngressApp:
    """ASGI app for the ingress port ``port``."""

    def __init__(self, state: EmulatorState, port: int) -> None:
        self.state = state
        self.port = port
        self.host = f"127.0.0.1:{port}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self._handle(scope, receive)
        await response(scope, receive, send)

    def _credential(self, request: Request) -> tuple[str | None, bool]:
        """(token, whether Authorization carried it)."""
        token = parse_snowflake_token(request.headers.get("authorization"))
        if token:
            return token, True
        return parse_snowflake_token(request.headers.get("x-sf-spcs-authorization")), False

    async def _handle(self, scope: Scope, receive: Receive) -> Response:
        request = Request(scope, receive)
        if request.method.upper() in _DROPPED_METHODS:
            return _error(405, "ERROR_METHOD_NOT_ALLOWED", f"{request.method} requests are not forwarded.")
        found = self.state.world.endpoint_for_port(self.port)
        if found is None or not found[1].is_public:
            return _error(404, "ERROR_ENDPOINT_NOT_FOUND", "No public endpoint is served on this host.")
        service, endpoint = found
        token, in_authorization = self._credential(request)
        if not token:
            target = quote(str(request.url), safe="")
            return RedirectResponse(f"{self.state.account_url}/console/login?returnUrl={target}", status_code=302)
        try:
            caller = authenticate_ingress(self.state, token, self.host)
        except AuthFailure as exc:
            kind = "ERROR_EXPIRED_TOKEN" if exc.expired else "ERROR_INVALID_TOKEN"
            return _error(401, kind, exc.message)
        if not service.is_visible_to(caller.effective_role):
            return _error(
                403, "ERROR_FORBIDDEN", f"Role {caller.effective_role} has no access to endpoint {endpoint.name}."
            )
        if not service.serves_requests():
            return _error(503, "ERROR_SERVICE_UNAVAILABLE", f"Service {service.name} is {service.status}.")
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name != b"x-sf-spcs-authorization"
            and not (name == b"authorization" and in_authorization)
            and name != b"sf-context-current-user"
        ]
        headers.append((b"sf-context-current-user", caller.user.name.encode()))
        forwarded = Request(
            {**scope, "headers": headers, MOUNTED_SECRETS_SCOPE_KEY: service.mounted_secrets()}, receive
        )
        handler = self.state.handlers.get((service.qualified_name, endpoint.name.lower()), echo_handler)
        if endpoint.latency > 0:  # a slow service
            await asyncio.sleep(endpoint.latency)
        try:
            response = await handler(forwarded)
        except Exception:
            log.exception("endpoint handler for %s/%s failed", service.qualified_name, endpoint.name)
            return _error(502, "ERROR_BAD_GATEWAY", "The service did not answer.")
        return self._scrub(response)

    @staticmethod
    def _scrub(response: Response) -> Response:
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in _BLOCKED_CONTENT_TYPES:
            return _error(403, "ERROR_FORBIDDEN_CONTENT_TYPE", "The response content type is not allowed.")
        for name in _STRIPPED_RESPONSE_HEADERS:
            if name in response.headers:
                del response.headers[name]
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response


def build_ingress_app(state: EmulatorState, port: int) -> ASGIApp:
    """The ingress app for ``port`` with fault injection (route ``ingress``) and counting."""
    return FaultMiddleware(
        IngressApp(state, port), route_of=lambda _path: "ingress", faults=state.faults, stats=state.stats
    )
