"""A tiny customer OAuth authorization server for ``auth_method=oauth``: client credentials and
refresh token grants at ``POST /external-oauth/token``, answering RFC 6749 JSON.

Its access tokens are what an external OAuth server would issue for Snowflake: the SQL API, the
connector and ingress accept them. :func:`grant_access_token` is the grant logic, shared with
Snowflake's own OAuth endpoint (:mod:`.snowflake_oauth`), which answers in Snowflake's shapes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.token_exchange import parse_scope, read_form
from airflow_provider_spcs.testing.wire.token_issuer import TokenError

CUSTOMER_OAUTH_PATH = "/external-oauth/token"
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600.0


class GrantError(Exception):
    """A token request was refused: HTTP ``status``, OAuth ``error`` code and a safe description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Grant:
    """An access token granted to a registered client (acting as ``user`` in ``role``)."""

    access_token: str
    expires_in: int
    user: User
    role: str
    refresh_token: str | None


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


async def grant_access_token(request: Request) -> Grant:
    """Authenticate the client (HTTP Basic or form fields) and run its grant.

    ``client_credentials`` and ``refresh_token`` (which keeps the refresh token's role unless the
    scope names another). Raises :class:`GrantError`.
    """
    state: EmulatorState = request.app.state.emulator
    form = await read_form(request)
    if form is None:
        raise GrantError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
    credentials = _client_credentials(request, form)
    with state.lock:
        registered = state.oauth_clients.get(credentials[0]) if credentials else None
    if credentials is None or registered is None or not hmac.compare_digest(registered[0], credentials[1]):
        raise GrantError(401, "invalid_client", "Client authentication failed.")
    user = state.directory.get(registered[1])
    if user is None:
        raise GrantError(400, "invalid_grant", "The client's user does not exist.")
    grant_type = form.get("grant_type")
    role, _ = parse_scope(form.get("scope", ""))
    refresh_token: str | None = None
    if grant_type == "client_credentials":
        pass
    elif grant_type == "refresh_token":
        try:
            claims = state.issuer.verify(form.get("refresh_token", ""), ("refresh",))
        except TokenError as exc:
            raise GrantError(400, "invalid_grant", f"Refresh token rejected: {exc}.") from None
        if claims.user != user.name:
            raise GrantError(400, "invalid_grant", "Refresh token belongs to another client.")
        role = role or claims.role
        refresh_token = form["refresh_token"]
    else:
        raise GrantError(400, "unsupported_grant_type", "Use client_credentials or refresh_token.")
    role = role or user.default_role
    if not user.has_role(role):
        raise GrantError(400, "invalid_scope", f"Role '{role}' is not granted to this user.")
    lifetime = state.settings.token_lifetime
    token = state.issuer.mint("oauth", user=user.name, role=role, lifetime=lifetime)
    state.stats.incr("tokens_minted")
    return Grant(token, int(lifetime), user, role, refresh_token)


async def customer_oauth_token(request: Request) -> Response:
    """A minimal customer OAuth authorization server: client_credentials and refresh_token grants."""
    try:
        grant = await grant_access_token(request)
    except GrantError as exc:
        return JSONResponse({"error": exc.error, "error_description": exc.description}, status_code=exc.status)
    body: dict[str, object] = {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "token_type": "Bearer",
        "scope": f"session:role:{grant.role}",
    }
    if grant.refresh_token:
        body["refresh_token"] = grant.refresh_token
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
