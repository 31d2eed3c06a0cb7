"""Single flight: at most one fetch per key at a time, shared by threads and asyncio tasks alike.

Callers that arrive while a fetch for their key is under way wait for it instead of starting their
own: threads block on a ``concurrent.futures.Future``, tasks of another event loop await it through
``asyncio.wrap_future`` (so a triggerer's event loop never blocks), and tasks of the fetching task's
own loop await a plain asyncio future (a thousand triggers waiting on one shared listing must not
cost a thousand cross-thread wake-ups). The token cache, the shared connection settings and the
coalesced reads are all built on it.

Waiting tasks do not all resume in the loop iteration their flight lands in: they take turns, at
most :data:`RESUME_BATCH` per iteration (:class:`_Turns`). A thousand status triggers waiting on one
shared listing each still have their own work to do with it (a decision, a log line, the next
sleep); done in one iteration, that is a stall of the whole loop as long as all of it together.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


RESUME_BATCH = 50
"""Waiting tasks of one event loop that resume per loop iteration once their flight has landed."""


class _Abandoned(Exception):
    """The fetching caller was cancelled; waiters should fetch for themselves."""


class _Turns:
    """Hands out turns to resume, :data:`RESUME_BATCH` per iteration of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._releasing = False

    def take(self) -> asyncio.Future[None]:
        """A future that is done when it is the caller's turn (this iteration's, or a later one)."""
        turn: asyncio.Future[None] = self._loop.create_future()
        self._waiting.append(turn)
        if not self._releasing:
            self._releasing = True
            self._loop.call_soon(self._release)
        return turn

    def _release(self) -> None:
        for _ in range(min(RESUME_BATCH, len(self._waiting))):
            turn = self._waiting.popleft()
            if not turn.done():  # a cancelled waiter gave its turn up
                turn.set_result(None)
        if self._waiting:
            self._loop.call_soon(self._release)
        else:
            self._releasing = False


_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turns] = weakref.WeakKeyDictionary()
_turns_lock = threading.Lock()


async def _take_turn() -> None:
    loop = asyncio.get_running_loop()
    with _turns_lock:
        turns = _turns.get(loop)
        if turns is None:
            turns = _turns[loop] = _Turns(loop)
    await turns.take()


@dataclass
class _Flight(Generic[V]):
    """One fetch under way: its result for anyone, and for waiters in the fetching task's loop."""

    done: Future[V]
    loop: asyncio.AbstractEventLoop | None = None
    here: asyncio.Future[V] | None = None


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
        self._flights: dict[K, _Flight[V]] = {}

    def _join(self, key: K, loop: asyncio.AbstractEventLoop | None = None) -> tuple[_Flight[V], bool]:
        """The flight for ``key`` and whether this caller started it (and so must run the fetch).

        :param loop: the starting caller's running loop, if it is a task (its loop's waiters then
            get the result without crossing threads).
        """
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None:
                return flight, False
            here = loop.create_future() if loop is not None else None
            flight = self._flights[key] = _Flight(Future(), loop, here)
            return flight, True

    def _land(self, key: K, flight: _Flight[V], value: V | None, error: BaseException | None) -> None:
        with self._lock:
            self._flights.pop(key, None)
        failure = None if error is None else (error if isinstance(error, Exception) else _Abandoned())
        if failure is None:
            flight.done.set_result(value)  # type: ignore[arg-type]  # value is a V when error is None
        else:
            flight.done.set_exception(failure)
        if flight.here is not None:  # we are in that loop: the owner lands its own flight
            if failure is None:
                flight.here.set_result(value)  # type: ignore[arg-type]
            else:
                flight.here.set_exception(failure)
                flight.here.exception()  # retrieved: no "never retrieved" warning when nobody waited

    def run(self, key: K, fetch: Callable[[], V]) -> V:
        """``fetch()`` if no flight for ``key`` is under way, else wait (blocking) for that one's result."""
        while True:
            flight, owner = self._join(key)
            if not owner:
                try:
                    return flight.done.result()
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
        loop = asyncio.get_running_loop()
        while True:
            flight, owner = self._join(key, loop)
            if not owner:
                here = flight.here if flight.loop is loop else None
                waited = here if here is not None else asyncio.wrap_future(flight.done)
                try:
                    # shield: a cancelled waiter must not cancel the shared fetch for everyone else.
                    value = await asyncio.shield(waited)
                except _Abandoned:
                    continue
                except Exception:
                    await _take_turn()
                    raise
                await _take_turn()
                return value
            try:
                value = await fetch()
            except BaseException as exc:
                self._land(key, flight, None, exc)
                raise
            self._land(key, flight, value, None)
            return value
