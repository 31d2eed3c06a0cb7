"""Effects: how one implementation serves both sync and async callers.

Core logic (token exchange, SQL API polling, retries, ingress calls) is written once, as generators
that *yield* what they need done -- send this request, sleep this long, run this blocking call, give
me a token -- and receive the result. :class:`airflow_provider_spcs.core.runner.Runner` drives them
with a sync client and ``time.sleep``, or an async client and ``asyncio.sleep``. Nothing else differs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

if TYPE_CHECKING:
    from airflow_provider_spcs.core.tokens import Token

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """Send ``request`` on the pooled client (with ``auth`` if given); the result is the read response.

    Transport errors (``httpx.TransportError``) are thrown back into the generator.
    """

    request: httpx.Request
    auth: httpx.Auth | None = None


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


Effect = Send | Sleep | Blocking | GetToken
Steps = Generator[Effect, Any, T]
"""A generator that yields effects and returns a ``T``."""
