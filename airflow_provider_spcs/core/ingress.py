"""Authenticated calls to SPCS public endpoints (ingress), as effect steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from airflow_provider_spcs.core.auth import authorized_send
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsApiError
from airflow_provider_spcs.core.retry import IDEMPOTENT_METHODS, RETRY_STATUSES, RetryPolicy, send_with_retries

if TYPE_CHECKING:
    from airflow_provider_spcs.core.credentials import Credential

_REQUEST_KWARGS = frozenset({"params", "headers", "cookies", "content", "data", "files", "json", "timeout"})


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


def check_response(response: httpx.Response) -> httpx.Response:
    """Return a 2xx response; raise :class:`SpcsApiError` (status, code, request id) otherwise."""
    if response.is_success:
        return response
    code: str | None = None
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("code"):
            code = str(body["code"])
    except ValueError:
        pass
    request = response.request
    raise SpcsApiError(
        f"{request.method} {request.url.scheme}://{request.url.netloc.decode()}{request.url.path} returned HTTP {response.status_code}",
        status_code=response.status_code,
        code=code,
        request_id=response.headers.get("X-Snowflake-Request-ID") or response.headers.get("X-Request-ID"),
        retryable=response.status_code in RETRY_STATUSES,
    )


def call(
    credential: Credential,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    raise_for_status: bool = True,
    **kwargs: Any,
) -> Steps[httpx.Response]:
    """Send one authenticated ingress request; retries follow :mod:`.retry` (POST/PATCH only when safe).

    :param credential: the connection's credential (see :func:`~airflow_provider_spcs.core.auth.authorized_send`).
    :param method: HTTP method.
    :param url: full URL on the ingress host.
    :param policy: retry policy.
    :param raise_for_status: raise :class:`SpcsApiError` for non-2xx (default) or return the response.
    """
    idempotent = method.upper() in IDEMPOTENT_METHODS
    response = yield from send_with_retries(
        lambda _attempt: build_request(method, url, **kwargs),
        policy,
        send=lambda request: authorized_send(credential, request),
        idempotent=idempotent,
    )
    return check_response(response) if raise_for_status else response
