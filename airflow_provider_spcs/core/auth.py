"""SpcsAuth: the one httpx auth flow for SQL API and ingress requests, sync and async.

The flow is written once (:meth:`SpcsAuth.flow`): get a token, attach it, send; on a 401 or a
redirect to the sign-in page, drop that token, get a new one and send again, once; a second refusal
is a :class:`SpcsAuthError`. ``sync_auth_flow``/``async_auth_flow`` only differ in how they obtain
tokens (the cache's thread wait versus an awaitable), as httpx recommends for flows that lock.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any
from urllib.parse import urlsplit

import httpx

from airflow_provider_spcs.core.accounts import is_loopback, scope_host
from airflow_provider_spcs.core.credentials import ingress_audience
from airflow_provider_spcs.core.effects import GetToken
from airflow_provider_spcs.core.errors import SpcsAuthError, SpcsConfigError
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.tokens import Token

_SIGN_IN_MARKERS = ("login", "signin", "sign-in", "sign_in", "oauth/authorize", "authorize")


def is_sign_in_redirect(response: httpx.Response) -> bool:
    """A redirect that sends the client to Snowflake's sign-in page: an auth failure, never a success."""
    if not response.is_redirect:
        return False
    location = response.headers.get("Location", "")
    target = urlsplit(location)
    if target.hostname and target.hostname != response.request.url.host:
        return True
    path = (target.path + "?" + target.query).lower()
    return any(marker in path for marker in _SIGN_IN_MARKERS)


def _refused(response: httpx.Response) -> bool:
    return response.status_code == 401 or is_sign_in_redirect(response)


def _server_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return str(code) if code else None


class SpcsAuth(httpx.Auth):
    """Attach the runner's credential to each request; re-authenticate once when refused.

    :param runner: resolves tokens (process-wide cache) for the credential.
    :param audience: ``"sql"``, or ``None`` to derive ``ingress:<host[:port]>`` from each request URL.
    """

    requires_response_body = True

    def __init__(self, runner: Runner, audience: str | None = None) -> None:
        self.runner = runner
        self.audience = audience

    def __repr__(self) -> str:
        return f"SpcsAuth({self.runner.credential!r}, audience={self.audience!r})"

    def audience_for(self, request: httpx.Request) -> str:
        """The token audience of ``request``."""
        return self.audience or ingress_audience(scope_host(str(request.url)))

    def flow(self, request: httpx.Request) -> Generator[GetToken | httpx.Request, Any, None]:
        """The shared flow: yields ``GetToken`` (answered with a Token) or the request (answered with its response)."""
        host = request.url.host
        if request.url.scheme != "https" and not is_loopback(host):
            raise SpcsConfigError(
                "url", f"refusing to send credentials over {request.url.scheme}:// to {host}; use https://"
            )
        audience = self.audience_for(request)
        token: Token = yield GetToken(audience)
        request.headers.update(self.runner.credential.headers(audience, token))
        response: httpx.Response = yield request
        if not _refused(response):
            return
        token = yield GetToken(audience, reject=token)
        request.headers.update(self.runner.credential.headers(audience, token))
        response = yield request
        if _refused(response):
            what = "redirected to sign-in" if response.is_redirect else f"HTTP {response.status_code}"
            raise SpcsAuthError(
                f"{host} refused the {self.runner.credential.method} credential ({what}) after re-authenticating once",
                status_code=response.status_code,
                code=_server_code(response),
            )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self.flow(request)
        reply: Any = None
        while True:
            try:
                item = flow.send(reply)
            except StopIteration:
                return
            if isinstance(item, GetToken):
                reply = self.runner.token(item.audience, item.reject)
            else:
                reply = yield item
                reply.read()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        flow = self.flow(request)
        reply: Any = None
        while True:
            try:
                item = flow.send(reply)
            except StopIteration:
                return
            if isinstance(item, GetToken):
                reply = await self.runner.atoken(item.audience, item.reject)
            else:
                reply = yield item
                await reply.aread()
