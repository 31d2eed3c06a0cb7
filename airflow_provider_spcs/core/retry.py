"""One retry policy for every request, shared by sync and async code (only the sleep differs).

429, 503, 504 and transport errors are retried with full-jitter exponential backoff and a cap;
``Retry-After`` wins when the server sends it. Everything else is returned to the caller at once.

A call with a deadline (its timeout: see the callers) keeps every try and every wait inside it: a
``Retry-After`` or backoff longer than what is left fails at once with a retryable
:class:`SpcsApiError` instead of sleeping, and each try's timeouts shrink to fit. Requests that may
not run twice (``idempotent=False``: an ingress POST or PATCH) are retried only after errors that
provably happened before the request was sent, unless the policy says ``retry_non_idempotent``.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import httpx

from airflow_provider_spcs.core import effects
from airflow_provider_spcs.core.effects import DEADLINE_EXTENSION, Sleep, Steps
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsConfigError

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
    :param retry_non_idempotent: also retry ingress requests that may not run twice (POST, PATCH)
        on 429/503/504 and after errors once the request was sent. Only for endpoints where a
        repeat is harmless.

    :meth:`to_dict` and :meth:`from_dict` turn a policy into plain values and back (trigger kwargs).
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    poll_initial: float = 0.1
    poll_max: float = 2.0
    retry_non_idempotent: bool = False
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise SpcsConfigError("retry_policy.max_attempts", "expected a whole number of at least 1")
        for name in ("base_delay", "max_delay", "max_retry_after", "poll_initial", "poll_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
                raise SpcsConfigError(f"retry_policy.{name}", "expected a number of seconds, 0 or more")
        if not isinstance(self.retry_non_idempotent, bool):
            raise SpcsConfigError("retry_policy.retry_non_idempotent", "expected true or false")

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain JSON values (without the random source)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "random"}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> RetryPolicy:
        """The policy :meth:`to_dict` described (``None`` or ``{}``: the defaults).

        :raises SpcsConfigError: an unknown key or a bad value.
        """
        known = {f.name for f in fields(cls)} - {"random"}
        unknown = set(values or {}) - known
        if unknown:
            raise SpcsConfigError("retry_policy", f"unknown setting(s) {', '.join(sorted(unknown))}")
        return cls(**dict(values or {}))

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


def _no_time_left(
    request: httpx.Request,
    what: str,
    wait: float,
    remaining: float,
    *,
    retry_after: bool,
    response: httpx.Response | None = None,
) -> SpcsApiError:
    why = f"the server asks to retry after {wait:.0f} s" if retry_after else f"the next try would start in {wait:.1f} s"
    return SpcsApiError(
        f"{request.method} {request.url.host}: {what}, and {why}, more than the {max(remaining, 0.0):.1f} s left "
        "of this call's timeout; not waiting (try again later, or give the call a longer timeout)",
        status_code=None if response is None else response.status_code,
        request_id=None if response is None else response.headers.get("X-Snowflake-Request-ID"),
        retryable=True,
    )


def send_with_retries(
    build: Callable[[int], httpx.Request],
    policy: RetryPolicy,
    *,
    send: Callable[[httpx.Request], Steps[httpx.Response]] = effects.send,
    idempotent: bool = True,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Steps[httpx.Response]:
    """Send the request made by ``build(attempt)``, retrying what the policy allows within ``deadline``.

    Requests that are not idempotent are retried only after errors raised before the request was
    sent (connect errors, pool timeouts).

    :param build: makes the request for try number ``attempt`` (1-based), e.g. to add ``retry=true``.
    :param policy: the retry policy.
    :param send: the steps that send one try: as it is (token endpoints), or with credentials
        (:func:`airflow_provider_spcs.core.auth.authorized_send`).
    :param idempotent: whether a repeat is harmless (GET, or SQL API with ``requestId``).
    :param deadline: when the whole call must be over (``clock()`` seconds); ``None`` for no limit
        beyond the policy's attempts. Each try carries it (:data:`~.effects.DEADLINE_EXTENSION`).
    :param clock: the monotonic clock ``deadline`` is read on.
    :return: the final response (possibly a non-2xx one; callers map it to errors).
    :raises SpcsApiError: the host could not be reached after the allowed tries, or the next wait
        does not fit before the deadline (``retryable=True`` for both).
    """

    def remaining() -> float:
        return float("inf") if deadline is None else deadline - clock()

    attempt = 0
    while True:
        attempt += 1
        request = build(attempt)
        if deadline is not None:
            request.extensions[DEADLINE_EXTENSION] = deadline
        try:
            response = yield from send(request)
        except httpx.TransportError as exc:
            retry = idempotent or isinstance(exc, _NOT_SENT)
            what = f"{type(exc).__name__} after {attempt} attempt(s)"
            if not retry or attempt >= policy.max_attempts:
                raise SpcsApiError(f"{request.method} {request.url.host}: {what}", retryable=True) from exc
            delay = policy.backoff(attempt)
            if delay >= remaining():
                raise _no_time_left(request, what, delay, remaining(), retry_after=False) from exc
            log.debug(
                "%s %s: %s, retry %d in %.2fs", request.method, request.url.host, type(exc).__name__, attempt, delay
            )
            yield Sleep(delay)
            continue
        status = response.status_code
        retry = status in RETRY_STATUSES and idempotent
        if not retry or attempt >= policy.max_attempts:
            return response
        hinted = parse_retry_after(response.headers.get("Retry-After"))
        delay = policy.backoff(attempt, response.headers.get("Retry-After"))
        left = remaining()
        if hinted is not None and hinted >= left:
            raise _no_time_left(request, f"HTTP {status}", hinted, left, retry_after=True, response=response)
        if delay >= left:
            raise _no_time_left(request, f"HTTP {status}", delay, left, retry_after=False, response=response)
        log.debug("%s %s: HTTP %d, retry %d in %.2fs", request.method, request.url.host, status, attempt, delay)
        yield Sleep(delay)
