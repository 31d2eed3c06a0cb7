"""The token cache: one fetch per key at a time, across threads and asyncio tasks.

Concurrent callers that find no fresh token for a key share a single in-flight fetch
(:class:`~airflow_provider_spcs.core.singleflight.SingleFlight`), so fifty triggers asking for the
same ingress host cause one token exchange, not fifty. Every kept token follows one rule: used
while FRESH, renewed once STALE (see :class:`~airflow_provider_spcs.core.tokens.Token`). The
process's cache is :attr:`airflow_provider_spcs.core.process.ProcessState.tokens`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable, Hashable

from airflow_provider_spcs.core.singleflight import SingleFlight
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


class TokenCache:
    """Tokens keyed by identity + audience, renewed shortly before their own expiry.

    :param clock: time source (epoch seconds).
    """

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self._tokens: dict[Hashable, Token] = {}
        self._lock = threading.Lock()
        self._flight: SingleFlight[Hashable, Token] = SingleFlight()
        self.fetches = 0
        """How many fetches ran (tests and benchmarks read it)."""

    def clear(self) -> None:
        """Forget every token and close the sessions behind them (tests; or after rotating credentials)."""
        with self._lock:
            dropped = list(self._tokens.values())
            self._tokens.clear()
        for token in dropped:
            _release(token, wait=True)

    def tokens(self) -> list[Token]:
        """The tokens kept now (tests check that none of them leaks anywhere)."""
        with self._lock:
            return list(self._tokens.values())

    def _fresh(self, key: Hashable, reject: Token | None) -> Token | None:
        """The cached token if still usable; a token the server refused is dropped first."""
        with self._lock:
            current = self._tokens.get(key)
            if current is not None and reject is not None and current.value == reject.value:
                del self._tokens[key]
                _release(current)
                current = None
            return current if current is not None and current.usable(self._clock()) else None

    def _store(self, key: Hashable, token: Token) -> Token:
        with self._lock:
            replaced = self._tokens.get(key)
            self._tokens[key] = token
        if replaced is not None and replaced is not token:
            _release(replaced)
        return token

    def _counted(self) -> None:
        with self._lock:
            self.fetches += 1

    def get(self, key: Hashable, fetch: Callable[[], Token], *, reject: Token | None = None) -> Token:
        """Return a fresh token for ``key``, running ``fetch`` if this caller is the one to do it.

        :param key: cache key (identity + audience).
        :param fetch: obtains a new token (blocking).
        :param reject: a token the server refused; never returned again.
        """

        def fetch_once() -> Token:
            token = self._fresh(key, reject)
            if token is None:
                self._counted()
                token = self._store(key, fetch())
            return token

        return self._fresh(key, reject) or self._flight.run(key, fetch_once)

    async def aget(self, key: Hashable, fetch: Callable[[], Awaitable[Token]], *, reject: Token | None = None) -> Token:
        """Async twin of :meth:`get`: waits for another caller's fetch without blocking the loop."""

        async def fetch_once() -> Token:
            token = self._fresh(key, reject)
            if token is None:
                self._counted()
                token = self._store(key, await fetch())
            return token

        return self._fresh(key, reject) or await self._flight.arun(key, fetch_once)
