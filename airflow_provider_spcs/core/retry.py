"""One retry policy for every request, shared by sync and async code (only the sleep differs).

429, 503, 504 and transport errors are retried with full-jitter exponential backoff and a cap;
``Retry-After`` wins when the server sends it. Everything else is returned to the caller at once.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from airflow_provider_spcs.core import effects
from airflow_provider_spcs.core.effects import Sleep, Steps
from airflow_provider_spcs.core.errors import SpcsApiError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""Methods that may safely run twice (RFC 9110 section 9.2.2): retried like GET, and safe to defer."""
# These errors happen before the request leaves the client, so retrying cannot run anything twice.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry, and how fast to poll running statements.

    :param max_attempts: total tries per request, the first included.
    :param base_delay: backoff before the second try; doubles each time (seconds).
    :param max_delay: cap on one backoff sleep (seconds).
    :param max_retry_after: cap on a server's ``Retry-After`` (seconds).
    :param poll_initial: first wait before polling a running statement (seconds).
    :param poll_max: cap on the wait between polls (seconds).
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    poll_initial: float = 0.1
    poll_max: float = 2.0
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def backoff(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        return float(self.random()) * min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))

    def poll_delay(self, polls: int) -> float:
        """Seconds to wait before status poll number ``polls`` (0-based): grows 1.5x up to ``poll_max``."""
        return min(self.poll_max, self.poll_initial * 1.5**polls)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def send_with_retries(
    build: Callable[[int], httpx.Request],
    policy: RetryPolicy,
    *,
    send: Callable[[httpx.Request], Steps[httpx.Response]] = effects.send,
    idempotent: bool = True,
) -> Steps[httpx.Response]:
    """Send the request made by ``build(attempt)``, retrying what the policy allows.

    Non-idempotent requests are retried only when they surely did not run: 429, and errors raised
    before the request was sent.

    :param build: makes the request for try number ``attempt`` (1-based), e.g. to add ``retry=true``.
    :param policy: the retry policy.
    :param send: the steps that send one try: as it is (token endpoints), or with credentials
        (:func:`airflow_provider_spcs.core.auth.authorized_send`).
    :param idempotent: whether a repeat is harmless (GET, or SQL API with ``requestId``).
    :return: the final response (possibly a non-2xx one; callers map it to errors).
    :raises SpcsApiError: the host could not be reached after the allowed tries (``retryable=True``).
    """
    attempt = 0
    while True:
        attempt += 1
        request = build(attempt)
        try:
            response = yield from send(request)
        except httpx.TransportError as exc:
            retry = idempotent or isinstance(exc, _NOT_SENT)
            if not retry or attempt >= policy.max_attempts:
                raise SpcsApiError(
                    f"{request.method} {request.url.host}: {type(exc).__name__} after {attempt} attempt(s)",
                    retryable=True,
                ) from exc
            delay = policy.backoff(attempt)
            log.debug(
                "%s %s: %s, retry %d in %.2fs", request.method, request.url.host, type(exc).__name__, attempt, delay
            )
            yield Sleep(delay)
            continue
        status = response.status_code
        retry = status in RETRY_STATUSES and (idempotent or status == 429)
        if not retry or attempt >= policy.max_attempts:
            return response
        delay = policy.backoff(attempt, response.headers.get("Retry-After"))
        log.debug("%s %s: HTTP %d, retry %d in %.2fs", request.method, request.url.host, status, attempt, delay)
        yield Sleep(delay)
