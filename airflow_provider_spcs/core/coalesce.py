"""Coalesced reads: one read per key at a time, its result served to everyone while it is fresh.

This is what serves the :class:`~airflow_provider_spcs.core.effects.Coalesced` effect: callers that
ask for the same key while a read is under way wait for it (single flight, threads and tasks
alike), and callers that come later get the stored result until it is older than the freshness
the caller's effect allows for it. Errors reach every caller of the read that failed and are not
stored, so the next caller reads again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from airflow_provider_spcs.core.singleflight import SingleFlight

T = TypeVar("T")


class CoalescedReads:
    """Results of shared reads by key, each with the (monotonic) time it was read.

    :param clock: monotonic time source.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._results: dict[Hashable, tuple[Any, float]] = {}
        self._flight: SingleFlight[Hashable, Any] = SingleFlight()
        self.reads = 0
        """How many reads ran (tests and benchmarks read it)."""

    def clear(self) -> None:
        """Forget every stored result."""
        with self._lock:
            self._results.clear()

    def forget(self, key: Hashable) -> None:
        """Forget the stored result of ``key`` (the next caller reads again)."""
        with self._lock:
            self._results.pop(key, None)

    def _fresh(self, key: Hashable, fresh_for: Callable[[Any], float]) -> tuple[bool, Any]:
        with self._lock:
            stored = self._results.get(key)
        if stored is None:
            return False, None
        value, read_at = stored
        return self._clock() - read_at < fresh_for(value), value

    def _store(self, key: Hashable, value: T) -> T:
        with self._lock:
            self.reads += 1
            self._results[key] = (value, self._clock())
        return value

    def get(self, key: Hashable, fresh_for: Callable[[Any], float], read: Callable[[], T]) -> T:
        """A fresh stored result for ``key``, or ``read()``'s, run by one caller while the others wait."""

        def read_once() -> T:
            fresh, value = self._fresh(key, fresh_for)
            return value if fresh else self._store(key, read())

        fresh, value = self._fresh(key, fresh_for)
        return cast(T, value) if fresh else cast(T, self._flight.run(key, read_once))

    async def aget(self, key: Hashable, fresh_for: Callable[[Any], float], read: Callable[[], Awaitable[T]]) -> T:
        """Async twin of :meth:`get`: waits for another caller's read without blocking the loop."""

        async def read_once() -> T:
            fresh, value = self._fresh(key, fresh_for)
            return value if fresh else self._store(key, await read())

        fresh, value = self._fresh(key, fresh_for)
        return cast(T, value) if fresh else cast(T, await self._flight.arun(key, read_once))
