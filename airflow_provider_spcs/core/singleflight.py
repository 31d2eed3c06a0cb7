"""Single flight: at most one fetch per key at a time, shared by threads and asyncio tasks alike.

Callers that arrive while a fetch for their key is under way wait for it instead of starting their
own: threads block on a ``concurrent.futures.Future``, tasks await it through
``asyncio.wrap_future`` (so a triggerer's event loop never blocks). The token cache and the shared
connection settings are both built on it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Abandoned(Exception):
    """The fetching caller was cancelled; waiters should fetch for themselves."""


class SingleFlight(Generic[K, V]):
    """One in-flight fetch per key; everyone else asking for that key meanwhile gets its result.

    If the fetch raises an ``Exception``, every waiter gets it too (one failure is reported once
    per flight, not retried by each waiter). If the fetching caller is cancelled (a
    ``BaseException`` such as ``CancelledError``), waiters start over and one of them fetches.

    The fetch itself should look once more for a result that a flight finishing just before it
    started may have stored: a caller can miss a cache, then find no flight because the one that
    filled the cache has just ended.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[K, Future[V]] = {}

    def _join(self, key: K) -> tuple[Future[V], bool]:
        """The flight for ``key`` and whether this caller started it (and so must run the fetch)."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None:
                return flight, False
            flight = self._flights[key] = Future()
            return flight, True

    def _land(self, key: K, flight: Future[V], value: V | None, error: BaseException | None) -> None:
        with self._lock:
            self._flights.pop(key, None)
        if error is None:
            flight.set_result(value)  # type: ignore[arg-type]  # value is a V when error is None
        else:
            flight.set_exception(error if isinstance(error, Exception) else _Abandoned())

    def run(self, key: K, fetch: Callable[[], V]) -> V:
        """``fetch()`` if no flight for ``key`` is under way, else wait (blocking) for that one's result."""
        while True:
            flight, owner = self._join(key)
            if not owner:
                try:
                    return flight.result()
                except _Abandoned:
                    continue
            try:
                value = fetch()
            except BaseException as exc:
                self._land(key, flight, None, exc)
                raise
            self._land(key, flight, value, None)
            return value

    async def arun(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        """Async twin of :meth:`run`: waits for another caller's flight without blocking the loop."""
        while True:
            flight, owner = self._join(key)
            if not owner:
                try:
                    # shield: a cancelled waiter must not cancel the shared fetch for everyone else.
                    return await asyncio.shield(asyncio.wrap_future(flight))
                except _Abandoned:
                    continue
            try:
                value = await fetch()
            except BaseException as exc:
                self._land(key, flight, None, exc)
                raise
            self._land(key, flight, value, None)
            return value
