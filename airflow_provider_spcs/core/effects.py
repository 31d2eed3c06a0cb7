"""Effects: how one implementation serves both sync and async callers.

Core logic (authentication, token exchange, SQL API polling, retries, ingress calls, status
observation and polling) is written once, as generators that *yield* what they need done -- send
this request, sleep this long, run this blocking call, give me a token, read this shared result --
and receive the result. :class:`airflow_provider_spcs.core.runner.Runner` drives them with a sync
client and ``time.sleep`` (:meth:`~airflow_provider_spcs.core.runner.Runner.run`), or an async
client and ``asyncio.sleep`` (:meth:`~airflow_provider_spcs.core.runner.Runner.arun`). Nothing
else differs, and there is no other driver.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx

    from airflow_provider_spcs.core.tokens import Token

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Send ``request`` on the pooled client as it is; the result is the read response.

    Credentials are already on the request: they are added by
    :func:`airflow_provider_spcs.core.auth.authorized_send`, the one place that attaches them.
    Transport errors (``httpx.TransportError``) are thrown back into the generator. Besides httpx's
    ``timeout``, the request may carry :data:`DEADLINE_EXTENSION` and :data:`MAX_BYTES_EXTENSION`.
    """

    request: httpx.Request


DEADLINE_EXTENSION = "spcs_deadline"
"""Request extension: the call's deadline (``time.monotonic()`` seconds). The runner shortens the
try's timeouts so it ends by then; :func:`~airflow_provider_spcs.core.retry.send_with_retries` sets it."""
MAX_BYTES_EXTENSION = "spcs_max_response_bytes"
"""Request extension: read at most this many (decoded) body bytes; the runner stops reading past it
and raises :class:`~airflow_provider_spcs.core.errors.SpcsApiError` (``max_response_bytes``)."""


@dataclass(frozen=True)
class Sleep:
    """Pause for ``seconds`` (``time.sleep`` or ``asyncio.sleep``)."""

    seconds: float


@dataclass(frozen=True)
class Blocking:
    """Run a blocking call (connector login, file read); async drivers run it in a worker thread."""

    fn: Callable[[], Any]


@dataclass(frozen=True)
class GetToken:
    """Obtain a token for ``audience`` through the process-wide cache.

    :param audience: ``"sql"`` for the SQL API, or ``"ingress:<host[:port]>"``.
    :param reject: a token the server just refused; the cache drops it instead of handing it out again.
    """

    audience: str
    reject: Token | None = None


@dataclass(frozen=True)
class Coalesced:
    """A read shared by every caller that asks for ``key`` at about the same time.

    The process state runs ``read()`` once for all concurrent callers (threads or tasks) and serves
    its result to later callers while it is fresh: for ``fresh_for(result)`` seconds. Errors reach
    every caller of that read and are not kept. The result is what ``read()`` returns.

    :param key: what is read (hashable, typed); callers with equal keys share.
    :param read: makes the steps that do the read.
    :param fresh_for: seconds a result answers for; may depend on the result (keep a failure longer).
    """

    key: Hashable
    read: Callable[[], Steps[Any]]
    fresh_for: Callable[[Any], float]


Effect = Send | Sleep | Blocking | GetToken | Coalesced
Steps = Generator[Effect, Any, T]
"""A generator that yields effects and returns a ``T``."""


def done(value: T) -> Steps[T]:
    """Steps that need no effect and just return ``value``."""
    return value
    yield  # unreachable: makes this function a generator


def send(request: httpx.Request) -> Steps[httpx.Response]:
    """Send ``request`` as it is (no credentials): token endpoints, which take the credential in the body."""
    response: httpx.Response = yield Send(request)
    return response
