"""``POST /oauth/token-request``: Snowflake OAuth's token endpoint, for the emulator's OAuth client.

What the Snowflake provider calls for ``authenticator=oauth`` by default
(``https://<account>.snowflakecomputing.com/oauth/token-request``): the client authenticates with
HTTP Basic or ``client_id``/``client_secret`` form fields; the ``refresh_token`` grant (and
``client_credentials``) answer ``{"access_token", "expires_in", "token_type": "Bearer",
"username"}``. No new refresh token comes back: Snowflake issues one only with an authorization
code or for single-use refresh tokens. Errors use Snowflake's documented body for this endpoint
(``{"data": null, "message", "code": null, "success": false, "error"}``, reference section 3).

The grants are the customer OAuth server's (:func:`.customer_oauth.grant_access_token`), so the
tokens are the same kind: the SQL API (``OAUTH``), connector ``authenticator=oauth`` logins and
ingress accept them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.testing.wire.customer_oauth import GrantError, grant_access_token
from airflow_provider_spcs.testing.wire.token_exchange import oauth_error

SNOWFLAKE_OAUTH_PATH = "/oauth/token-request"


async def token_request(request: Request) -> Response:
    """Grant an access token to the emulator's registered OAuth client."""
    try:
        grant = await grant_access_token(request)
    except GrantError as exc:
        return oauth_error(exc.status, exc.error, exc.description)
    body = {
        "access_token": grant.access_token,
        "expires_in": grant.expires_in,
        "token_type": "Bearer",
        "username": grant.user.name,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
