"""``POST /oauth/token``: exchange a key-pair JWT, a PAT or an OAuth access token for an ingress token.

The scope names exactly one ingress host (and optionally ``session:role:<ROLE>``); the bare
token in the reply is valid for that host only. Error bodies follow the shape Snowflake documents
for its sibling ``/oauth/token-request`` endpoint: ``{"data": null, "message", "code", "success":
false, "error"}`` (reference section 3).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.callers import verify_jwt
from airflow_provider_spcs.testing.wire.keypair_jwt import JwtRejected
from airflow_provider_spcs.testing.wire.token_issuer import TokenError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
PAT_TOKEN_TYPE = "programmatic_access_token"
ACCESS_TOKEN_TYPES = ("urn:ietf:params:oauth:token-type:access_token", "oauth_access_token")


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


async def read_form(request: Request) -> dict[str, str] | None:
    """The form fields of a ``application/x-www-form-urlencoded`` body; ``None`` for other bodies."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def oauth_token(request: Request) -> Response:
    """Exchange a key-pair JWT (or a PAT / OAuth access token) for an ingress-scoped token."""
    state: EmulatorState = request.app.state.emulator
    form = await read_form(request)
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
            principal = verify_jwt(state, assertion)
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
