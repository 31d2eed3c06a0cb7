"""Authentication as steps: the one way credentials get onto a request, for SQL API and ingress alike.

:func:`credential_headers` is the gate every credential passes: it checks where the request goes
(:func:`airflow_provider_spcs.core.destinations.check_destination`, the one destination rule), then
takes a token from the process-wide cache and renders its headers; nothing is sent, and no token
is fetched, before the destination passed. :func:`authorized_send` is built on it:
get a token, attach it, send; on a 401 or a redirect to the sign-in page, drop that token, get a
new one and send again, once; a second refusal is a :class:`SpcsAuthError`. Retries
(:func:`airflow_provider_spcs.core.retry.send_with_retries`) wrap it, so each try goes through the
gate too. :func:`authorization` serves ``ingress_headers`` (credentials for a client you bring).

:class:`SpcsAuth` adapts the same steps to ``httpx.Auth`` for such clients; the provider itself
sends through :class:`~airflow_provider_spcs.core.runner.Runner`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from airflow_provider_spcs.core import destinations
from airflow_provider_spcs.core.effects import Effect, GetToken, Send, Steps
from airflow_provider_spcs.core.errors import SpcsAuthError
from airflow_provider_spcs.core.server_text import explain_code, scrub

if TYPE_CHECKING:
    from airflow_provider_spcs.core.credentials import Credential
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
    return scrub(code, limit=40) or None if code else None


def audience_of(url: httpx.URL) -> str:
    """The ingress token audience for ``url``: ``ingress:<host[:port]>``."""
    return destinations.ingress_audience_of(url)


def check_destination(credential: Credential, url: httpx.URL, audience: str) -> None:
    """Refuse to send ``credential`` anywhere it must not go (before a token is fetched or a byte is sent).

    :raises SpcsConfigError: see :func:`airflow_provider_spcs.core.destinations.check_destination`.
    """
    destinations.check_destination(credential.config, credential.known_ingress, url, audience, credential.method)


def credential_headers(
    credential: Credential, url: httpx.URL, audience: str, *, reject: Token | None = None
) -> Steps[tuple[Token, dict[str, str]]]:
    """The gate: check the destination, then a token for ``audience`` and the headers that present it.

    :param credential: the connection's credential.
    :param url: where the credential is going.
    :param audience: ``"sql"`` or ``ingress:<host[:port]>``.
    :param reject: a token the server just refused (the cache drops it and fetches another).
    """
    check_destination(credential, url, audience)
    token: Token = yield GetToken(audience, reject)
    return token, credential.headers(audience, token)


def authorization(credential: Credential, url: str) -> Steps[dict[str, str]]:
    """Headers that authenticate a request to ``url``'s ingress host (for a client you bring yourself)."""
    target = httpx.URL(url)
    _token, headers = yield from credential_headers(credential, target, audience_of(target))
    return headers


def authorized_send(
    credential: Credential, request: httpx.Request, audience: str | None = None
) -> Steps[httpx.Response]:
    """Send ``request`` with the credential; re-authenticate once when the server refuses it.

    :param credential: the connection's credential.
    :param request: the request, without credentials.
    :param audience: ``"sql"``, or ``None`` for the ingress audience of ``request.url``.
    :raises SpcsAuthError: refused again after re-authenticating (401 or sign-in redirect).
    :raises SpcsConfigError: the destination may not receive credentials (see :func:`check_destination`).
    """
    audience = audience or audience_of(request.url)
    token, headers = yield from credential_headers(credential, request.url, audience)
    request.headers.update(headers)
    response: httpx.Response = yield Send(request)
    if not _refused(response):
        return response
    token, headers = yield from credential_headers(credential, request.url, audience, reject=token)
    request.headers.update(headers)
    response = yield Send(request)
    if _refused(response):
        what = "redirected to sign-in" if response.is_redirect else f"HTTP {response.status_code}"
        code = _server_code(response)
        raise SpcsAuthError(
            f"{request.url.host} refused the {credential.method} credential ({what}) after re-authenticating once"
            + explain_code(code),
            status_code=response.status_code,
            code=code,
        )
    return response


class SpcsAuth(httpx.Auth):
    """:func:`authorized_send` as an ``httpx.Auth``, for an httpx client of your own.

    ``httpx.Client(auth=SpcsAuth(hook.get_runner()))``: tokens come from the process-wide cache,
    exactly as for the hook's own requests. Retries are the client's business here.

    :param runner: the hook's runner (its credential and token cache).
    :param audience: ``"sql"``, or ``None`` to derive ``ingress:<host[:port]>`` from each request URL.
    """

    requires_response_body = True

    def __init__(self, runner: Runner, audience: str | None = None) -> None:
        self.runner = runner
        self.audience = audience

    def __repr__(self) -> str:
        return f"SpcsAuth({self.runner.credential!r}, audience={self.audience!r})"

    def _token(self, effect: Effect) -> Token:
        assert isinstance(effect, GetToken)  # authorized_send yields Send and GetToken only
        return self.runner.token(effect.audience, effect.reject)

    async def _atoken(self, effect: Effect) -> Token:
        assert isinstance(effect, GetToken)
        return await self.runner.atoken(effect.audience, effect.reject)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        steps = authorized_send(self.runner.credential, request, self.audience)
        reply: Any = None
        with contextlib.suppress(StopIteration):  # the steps ended: httpx keeps the last response
            while True:
                effect = steps.send(reply)
                reply = (yield effect.request) if isinstance(effect, Send) else self._token(effect)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        steps = authorized_send(self.runner.credential, request, self.audience)
        reply: Any = None
        with contextlib.suppress(StopIteration):
            while True:
                effect = steps.send(reply)
                reply = (yield effect.request) if isinstance(effect, Send) else await self._atoken(effect)
