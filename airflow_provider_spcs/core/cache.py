"""The process-wide token cache: one fetch per key at a time, across threads and asyncio tasks.

Concurrent callers that find no fresh token for a key share a single in-flight fetch (a
``concurrent.futures.Future``): threads wait on it, tasks await it through ``asyncio.wrap_future``.
So fifty triggers asking for the same ingress host cause one token exchange, not fifty.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future

from airflow_provider_spcs.core.tokens import SYSTEM_CLOCK, Clock, Token

log = logging.getLogger(__name__)


def _release(token: Token | None, *, wait: bool = False) -> None:
    """Close what kept a dropped token alive (a connector session logs out), off the caller's path."""
    close = getattr(token.holder, "close", None) if token is not None else None
    if close is None:
        return

    def quietly() -> None:
        try:
            close()
        except Exception:  # logout is best effort; the session expires on its own anyway
            log.debug("closing a released session failed", exc_info=True)

    if wait:
        quietly()
    else:
        threading.Thread(target=quietly, name="spcs-session-close", daemon=True).start()


class _Abandoned(Exception):
    """The fetching task was cancelled; waiters should try again themselves."""


class TokenCache:
    """Tokens keyed by identity + audience, renewed shortly before their own expiry.

    :param clock: time source (epoch seconds).
    """

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._tokens: dict[Hashable, Token] = {}
        self._flights: dict[Hashable, Future[Token]] = {}
        self._lock = threading.Lock()
        self.fetches = 0
        """How many fetches ran (tests and benchmarks read it)."""

    def clear(self) -> None:
        """Forget every token and close the sessions behind them (tests; or after rotating credentials)."""
        with self._lock:
            dropped = list(self._tokens.values())
            self._tokens.clear()
        for token in dropped:
            _release(token, wait=True)

    def _claim(self, key: Hashable, reject: Token | None) -> tuple[Token | None, Future[Token], bool]:
        with self._lock:
            current = self._tokens.get(key)
            if current is not None and reject is not None and current.value == reject.value:
                del self._tokens[key]
                _release(current)
                current = None
            if current is not None and current.usable(self._clock()):
                return current, Future(), False
            flight = self._flights.get(key)
            if flight is not None:
                return None, flight, False
            flight = Future()
            self._flights[key] = flight
            self.fetches += 1
            return None, flight, True

    def _settle(self, key: Hashable, flight: Future[Token], token: Token | None, error: BaseException | None) -> None:
        with self._lock:
            self._flights.pop(key, None)
            replaced = self._tokens.get(key)
            if token is not None:
                self._tokens[key] = token
        if token is not None and replaced is not None and replaced is not token:
            _release(replaced)
        if flight.done():
            return
        if token is not None:
            flight.set_result(token)
        else:
            flight.set_exception(error if isinstance(error, Exception) else _Abandoned())

    def get(self, key: Hashable, fetch: Callable[[], Token], *, reject: Token | None = None) -> Token:
        """Return a fresh token for ``key``, running ``fetch`` if this caller is the one to do it.

        :param key: cache key (identity + audience); ``None`` disables caching.
        :param fetch: obtains a new token (blocking).
        :param reject: a token the server refused; never returned again.
        """
        while True:
            token, flight, owner = self._claim(key, reject)
            if token is not None:
                return token
            if owner:
                try:
                    token = fetch()
                except BaseException as exc:
                    self._settle(key, flight, None, exc)
                    raise
                self._settle(key, flight, token, None)
                return token
            try:
                return flight.result()
            except _Abandoned:
                continue

    async def aget(self, key: Hashable, fetch: Callable[[], Awaitable[Token]], *, reject: Token | None = None) -> Token:
        """Async twin of :meth:`get`: waits for another caller's fetch without blocking the loop."""
        while True:
            token, flight, owner = self._claim(key, reject)
            if token is not None:
                return token
            if owner:
                try:
                    token = await fetch()
                except BaseException as exc:
                    self._settle(key, flight, None, exc)
                    raise
                self._settle(key, flight, token, None)
                return token
            try:
                # shield: a cancelled waiter must not cancel the shared fetch for everyone else.
                return await asyncio.shield(asyncio.wrap_future(flight))
            except _Abandoned:
                continue


TOKEN_CACHE = TokenCache()
"""The cache every hook in this process shares."""
