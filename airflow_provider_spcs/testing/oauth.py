"""``POST /oauth/token`` (key-pair JWT and PAT exchange for ingress tokens) and a tiny customer
OAuth server (client credentials and refresh token grants) for ``auth_method=oauth``.

Error bodies follow the shape Snowflake documents for its sibling ``/oauth/token-request``
endpoint: ``{"data": null, "message", "code", "success": false, "error"}`` (reference section 3).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from airflow_provider_spcs.testing.auth import verify_jwt
from airflow_provider_spcs.testing.jwt_verify import JwtRejected
from airflow_provider_spcs.testing.state import EmulatorState
from airflow_provider_spcs.testing.tokens import TokenError
from airflow_provider_spcs.testing.world import User

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
PAT_TOKEN_TYPE = "programmatic_access_token"
ACCESS_TOKEN_TYPES = ("urn:ietf:params:oauth:token-type:access_token", "oauth_access_token")
CUSTOMER_OAUTH_PATH = "/external-oauth/token"
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600.0


def oauth_error(status: int, error: str, message: str, code: str | None = None) -> JSONResponse:
    """A Snowflake-style OAuth error body."""
    body = {"data": None, "message": message, "code": code, "success": False, "error": error}
    return JSONResponse(body, status_code=status)


def parse_scope(scope: str) -> tuple[str | None, list[str]]:
    """Split a scope into (role from ``session:role:<ROLE>``, other scope items)."""
    role: str | None = None
    rest: list[str] = []
    for item in scope.split():
        if item.startswith("session:role:"):
            role = item.removeprefix("session:role:")
        else:
            rest.append(item)
    return role, rest


async def _form(request: Request) -> dict[str, str] | None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def oauth_token(request: Request) -> Response:
    """Exchange a key-pair JWT (or a PAT / OAuth access token) for an ingress-scoped token."""
    state: EmulatorState = request.app.state.emulator
    form = await _form(request)
    if form is None:
        return oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
    grant_type = form.get("grant_type")
    if not grant_type:
        return oauth_error(400, "invalid_request", "Missing grant_type.")
    principal: User
    if grant_type == JWT_BEARER:
        assertion = form.get("assertion")
        if not assertion:
            return oauth_error(400, "invalid_request", "Missing assertion.")
        try:
            principal, _ = verify_jwt(state, assertion)
        except JwtRejected as exc:
            return oauth_error(401, "invalid_grant", exc.message, exc.code)
    elif grant_type == TOKEN_EXCHANGE:
        subject_token = form.get("subject_token")
        subject_type = form.get("subject_token_type", "")
        if not subject_token or not subject_type:
            return oauth_error(400, "invalid_request", "Missing subject_token or subject_token_type.")
        if subject_type == PAT_TOKEN_TYPE:
            found = state.directory.by_pat(subject_token)
            if found is None:
                return oauth_error(401, "invalid_grant", "Programmatic access token is invalid.", "390303")
            principal = found
        elif subject_type in ACCESS_TOKEN_TYPES:
            try:
                claims = state.issuer.verify(subject_token, ("oauth", "spcs", "session"))
            except TokenError as exc:
                return oauth_error(401, "invalid_grant", f"Subject token rejected: {exc}.", "390303")
            user = state.directory.get(claims.user)
            if user is None:
                return oauth_error(401, "invalid_grant", "Subject token user does not exist.", "390303")
            principal = user
        else:
            return oauth_error(400, "invalid_request", "Unsupported subject_token_type.")
    else:
        return oauth_error(400, "unsupported_grant_type", "The grant type is not supported.")
    role, hosts = parse_scope(form.get("scope", ""))
    if len(hosts) != 1:
        return oauth_error(400, "invalid_scope", "Scope must name exactly one ingress host.")
    port = state.ingress_host_port(hosts[0])
    if port is None:
        return oauth_error(400, "invalid_scope", "Scope host is not the ingress host of a public endpoint.")
    role = role or principal.default_role
    if not principal.has_role(role):
        return oauth_error(400, "invalid_scope", f"Role '{role}' is not granted to this user.")
    token = state.issuer.mint(
        "ingress", user=principal.name, role=role, host=f"127.0.0.1:{port}", lifetime=state.settings.token_lifetime
    )
    state.stats.incr("tokens_minted")
    state.stats.incr("exchanges")
    return PlainTextResponse(token)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        return (client_id, secret) if sep else None
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def _rfc_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


async def customer_oauth_token(request: Request) -> Response:
    """A minimal customer OAuth authorization server: client_credentials and refresh_token grants."""
    state: EmulatorState = request.app.state.emulator
    form = await _form(request)
    if form is None:
        return _rfc_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
    credentials = _client_credentials(request, form)
    with state.lock:
        registered = state.oauth_clients.get(credentials[0]) if credentials else None
    if credentials is None or registered is None or not hmac.compare_digest(registered[0], credentials[1]):
        return _rfc_error(401, "invalid_client", "Client authentication failed.")
    user = state.directory.get(registered[1])
    if user is None:
        return _rfc_error(400, "invalid_grant", "The client's user does not exist.")
    grant_type = form.get("grant_type")
    role, _ = parse_scope(form.get("scope", ""))
    refresh_token: str | None = None
    if grant_type == "client_credentials":
        pass
    elif grant_type == "refresh_token":
        try:
            claims = state.issuer.verify(form.get("refresh_token", ""), ("refresh",))
        except TokenError as exc:
            return _rfc_error(400, "invalid_grant", f"Refresh token rejected: {exc}.")
        if claims.user != user.name:
            return _rfc_error(400, "invalid_grant", "Refresh token belongs to another client.")
        role = role or claims.role
        refresh_token = form["refresh_token"]
    else:
        return _rfc_error(400, "unsupported_grant_type", "Use client_credentials or refresh_token.")
    role = role or user.default_role
    if not user.has_role(role):
        return _rfc_error(400, "invalid_scope", f"Role '{role}' is not granted to this user.")
    lifetime = state.settings.token_lifetime
    body: dict[str, object] = {
        "access_token": state.issuer.mint("oauth", user=user.name, role=role, lifetime=lifetime),
        "expires_in": int(lifetime),
        "token_type": "Bearer",
        "scope": f"session:role:{role}",
    }
    if refresh_token:
        body["refresh_token"] = refresh_token
    state.stats.incr("tokens_minted")
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
