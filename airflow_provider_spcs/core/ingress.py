"""Authenticated calls to SPCS public endpoints (ingress), as effect steps.

One call is one budget: its ``timeout`` (or the hook's) bounds every try, every retry wait and
every redirect hop together (see :mod:`.retry`). Redirects are followed only when asked
(``follow_redirects=True``), only on the first request's origin, at most :data:`MAX_REDIRECTS`
times, and each hop passes the destination rule again (it is sent with
:func:`~airflow_provider_spcs.core.auth.authorized_send`, like the first).
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

import httpx

from airflow_provider_spcs.core.auth import authorized_send
from airflow_provider_spcs.core.destinations import is_same_origin, origin_of
from airflow_provider_spcs.core.effects import MAX_BYTES_EXTENSION, Steps
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsConfigError
from airflow_provider_spcs.core.retry import IDEMPOTENT_METHODS, RETRY_STATUSES, RetryPolicy, send_with_retries
from airflow_provider_spcs.core.server_text import scrub

if TYPE_CHECKING:
    from airflow_provider_spcs.core.credentials import Credential

_REQUEST_KWARGS = frozenset({"params", "headers", "cookies", "content", "data", "files", "json", "timeout"})
MAX_REDIRECTS = 5
"""Most redirects one call follows (``follow_redirects=True``)."""
_CREDENTIAL_HEADERS = frozenset({"authorization", "x-snowflake-authorization-token-type", "cookie"})
_DETAIL_KEYS = ("detail", "message", "error", "error_description")


def build_request(method: str, url: str, **kwargs: Any) -> httpx.Request:
    """An ``httpx.Request`` from the usual keyword arguments (``timeout`` becomes the request's timeout).

    :raises TypeError: for keyword arguments ``httpx.Request`` does not take.
    """
    unknown = set(kwargs) - _REQUEST_KWARGS
    if unknown:
        raise TypeError(f"unsupported request argument(s): {', '.join(sorted(unknown))}")
    timeout = kwargs.pop("timeout", None)
    extensions = {"timeout": httpx.Timeout(timeout).as_dict()} if timeout is not None else None
    return httpx.Request(method.upper(), url, extensions=extensions, **kwargs)


def _where(request: httpx.Request) -> str:
    return f"{request.method} {request.url.scheme}://{request.url.netloc.decode()}{request.url.path}"


def _detail(response: httpx.Response) -> tuple[str | None, str]:
    """The body's Snowflake code and a scrubbed excerpt of what it says (JSON bodies only)."""
    try:
        body = response.json()
    except ValueError:
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    code = scrub(body["code"], limit=40) or None if body.get("code") else None
    said = next((body[k] for k in _DETAIL_KEYS if isinstance(body.get(k), str) and body[k]), None)
    return code, (f": {scrub(said, limit=200)}" if said else "")


def check_response(response: httpx.Response) -> httpx.Response:
    """Return a 2xx response; raise :class:`SpcsApiError` (status, code, request id) otherwise.

    The message quotes what the body says (``detail`` or ``message``), scrubbed of secrets.
    """
    if response.is_success:
        return response
    code, said = _detail(response)
    raise SpcsApiError(
        f"{_where(response.request)} returned HTTP {response.status_code}{said}",
        status_code=response.status_code,
        code=code,
        request_id=response.headers.get("X-Snowflake-Request-ID") or response.headers.get("X-Request-ID"),
        retryable=response.status_code in RETRY_STATUSES,
    )


def _budget(timeout: Any, default: float) -> float:
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        return float(timeout)
    return default


def _next_hop(response: httpx.Response, first: httpx.Request) -> httpx.Request:
    """The request a redirect asks for, without credentials (they are attached again for the hop)."""
    target = response.next_request
    if target is None:  # a redirect status without a usable Location
        raise SpcsApiError(
            f"{_where(response.request)} answered HTTP {response.status_code} without a usable Location",
            status_code=response.status_code,
        )
    if not is_same_origin(first.url, target.url):
        try:
            where = str(origin_of(target.url))
        except SpcsConfigError:
            where = "an invalid URL"
        raise SpcsApiError(
            f"{_where(response.request)} redirected to {where}, another origin than {origin_of(first.url)}; "
            "redirects are followed only on the origin of the first request",
            status_code=response.status_code,
        )
    target.read()  # a 307/308 keeps the body: our bodies are bytes, read at once
    headers = [(k, v) for k, v in target.headers.multi_items() if k.lower() not in _CREDENTIAL_HEADERS]
    return httpx.Request(
        target.method, target.url, headers=headers, content=target.content, extensions=dict(first.extensions)
    )


def call(
    credential: Credential,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    raise_for_status: bool = True,
    follow_redirects: bool = False,
    max_response_bytes: int | None = None,
    **kwargs: Any,
) -> Steps[httpx.Response]:
    """Send one authenticated ingress request; retries follow :mod:`.retry` within the call's timeout.

    :param credential: the connection's credential (see :func:`~airflow_provider_spcs.core.auth.authorized_send`).
    :param method: HTTP method.
    :param url: full URL on the ingress host.
    :param policy: retry policy; POST and PATCH are retried only with ``policy.retry_non_idempotent``
        (or after errors that happened before sending).
    :param raise_for_status: raise :class:`SpcsApiError` for non-2xx (default) or return the response.
    :param follow_redirects: follow redirects on the same origin (at most :data:`MAX_REDIRECTS`).
    :param max_response_bytes: stop reading a body larger than this and raise :class:`SpcsApiError`.
    :param kwargs: request parts (see :func:`build_request`); ``timeout`` (seconds) is also the
        budget of the whole call, retries and redirects included (default: the credential's timeout).
    """
    if max_response_bytes is not None and (
        isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int) or max_response_bytes < 1
    ):
        raise SpcsConfigError("max_response_bytes", "expected a whole number of bytes, 1 or more")
    if not isinstance(follow_redirects, bool):
        raise SpcsConfigError("follow_redirects", "expected True or False")
    deadline = time.monotonic() + _budget(kwargs.get("timeout"), credential.timeout)
    idempotent = method.upper() in IDEMPOTENT_METHODS or policy.retry_non_idempotent
    first = build_request(method, url, **kwargs)
    first.read()  # each try sends a copy (multipart bodies are streams until read)
    if max_response_bytes is not None:
        first.extensions[MAX_BYTES_EXTENSION] = max_response_bytes
    hop = first
    for hops in range(MAX_REDIRECTS + 1):
        response = yield from send_with_retries(
            functools.partial(_copy_for_try, hop),
            policy,
            send=lambda request: authorized_send(credential, request),
            idempotent=idempotent or hop.method in IDEMPOTENT_METHODS,
            deadline=deadline,
        )
        if not (follow_redirects and response.is_redirect):
            break
        if hops == MAX_REDIRECTS:
            raise SpcsApiError(
                f"{_where(first)}: more than {MAX_REDIRECTS} redirects", status_code=response.status_code
            )
        hop = _next_hop(response, first)
    return check_response(response) if raise_for_status else response


def _copy_for_try(request: httpx.Request, _attempt: int) -> httpx.Request:
    """A fresh copy of ``request`` for one try (credentials are added to the copy, never the template)."""
    return httpx.Request(
        request.method,
        request.url,
        headers=request.headers.copy(),
        content=request.content,
        extensions=dict(request.extensions),
    )
