"""Connection settings and runners shared by every SpcsHook in the process.

A triggerer may run a thousand status triggers for one connection. Each builds its own hook, so
reading the connection (secrets backends, masker registration) and setting up credentials per hook
would cost far more than the polls themselves. :data:`SHARED` reads each connection once per
:data:`CONFIG_TTL` and hands every hook for it the same settings and runner.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_spcs.core.config import SpcsConfig
    from airflow_provider_spcs.core.retry import RetryPolicy
    from airflow_provider_spcs.core.runner import Runner


CONFIG_TTL = 60.0
"""Seconds a connection's settings are reused without reading the connection again (see :class:`SharedConnections`)."""

_SPCS_ENV = ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_HOST", "SNOWFLAKE_DATABASE", "SNOWFLAKE_SCHEMA")
"""Environment the settings depend on (in-SPCS defaults); part of every cache key."""


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class _Abandoned(Exception):
    """The reading caller was cancelled; waiters read for themselves."""


@dataclass
class _Entry:
    stamp: str
    content: str
    config: SpcsConfig
    expires: float


class SharedConnections:
    """Process-wide connection settings and runners, so K hooks on one connection read it once.

    Reading a connection costs a few milliseconds of CPU (secrets backends, masker registration);
    a triggerer with a thousand deferred sensors on one connection would pay it a thousand times,
    and build a thousand credentials. So, per ``spcs_conn_id``:

    * **settings** (:class:`SpcsConfig`) are reused for :data:`CONFIG_TTL` seconds without reading
      the connection, as long as a cheap *stamp* is unchanged: the ``AIRFLOW_CONN_<ID>`` variable and
      the ``SNOWFLAKE_*`` variables the settings default from (``os.environ`` lookups, no I/O). A
      connection defined in the environment therefore takes effect at once when it changes; one in
      the metadata database or a secrets backend takes effect within :data:`CONFIG_TTL` seconds
      (call :meth:`clear` to make it immediate). Concurrent misses share one read (single flight).
    * When the TTL is over the connection is read again, and if its **content** (digest of login,
      password, extras and stamp) is unchanged the same settings object is kept, so everything keyed
      on it survives: the runner, its credential and parsed key.
    * **runners** are shared per (connection id, settings, timeout, retry policy): one credential
      set-up for all hooks. Tokens live in the process-wide token cache either way.

    Nothing here caches a token value: the SPCS session token file is still read for every new
    session, and a failed read or invalid settings are never cached. Only digests are stored apart
    from the settings object itself.

    :param ttl: seconds settings are reused without a read.
    :param clock: monotonic time source.
    """

    def __init__(self, ttl: float = CONFIG_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._flights: dict[tuple[str, str], Future[SpcsConfig]] = {}
        self._runners: dict[Hashable, Runner] = {}
        self.reads = 0
        """How many times a connection was read (tests and benchmarks read it)."""

    def clear(self) -> None:
        """Forget every connection's settings and runners (tests; or to pick up a changed connection now)."""
        with self._lock:
            self._entries.clear()
            self._runners.clear()

    @staticmethod
    def stamp(conn_id: str) -> str:
        """The cheap key: this connection's environment variable and the in-SPCS defaults."""
        env = os.environ
        return _digest(env.get(f"AIRFLOW_CONN_{conn_id.upper()}"), [env.get(name) for name in _SPCS_ENV])

    def _claim(self, conn_id: str, stamp: str) -> tuple[SpcsConfig | None, Future[SpcsConfig], bool]:
        with self._lock:
            entry = self._entries.get(conn_id)
            if entry is not None and entry.stamp == stamp and self._clock() < entry.expires:
                return entry.config, Future(), False
            flight = self._flights.get((conn_id, stamp))
            if flight is not None:
                return None, flight, False
            flight = Future()
            self._flights[(conn_id, stamp)] = flight
            self.reads += 1
            return None, flight, True

    def _known(self, conn_id: str, content: str) -> SpcsConfig | None:
        """The current settings if the connection read has the same content (TTL renewed)."""
        with self._lock:
            entry = self._entries.get(conn_id)
            if entry is not None and entry.content == content:
                return entry.config
        return None

    def _settle(
        self,
        conn_id: str,
        stamp: str,
        flight: Future[SpcsConfig],
        result: tuple[str, SpcsConfig] | None,
        error: BaseException | None,
    ) -> None:
        with self._lock:
            self._flights.pop((conn_id, stamp), None)
            if result is not None:
                content, config = result
                old = self._entries.get(conn_id)
                if old is not None and old.config is not config:
                    # settings changed: runners for the old ones go (hooks holding them keep them)
                    for key in [k for k in self._runners if isinstance(k, tuple) and k[0] == conn_id]:
                        del self._runners[key]
                self._entries[conn_id] = _Entry(stamp, content, config, self._clock() + self.ttl)
        if flight.done():
            return
        if result is not None:
            flight.set_result(result[1])
        else:
            flight.set_exception(error if isinstance(error, Exception) else _Abandoned())

    def get(self, conn_id: str, read: Callable[[], Any], build: Callable[[Any], SpcsConfig]) -> SpcsConfig:
        """Settings for ``conn_id``: cached, or ``build(read())`` by one caller while others wait.

        :param read: reads the Airflow connection (blocking).
        :param build: validates it into :class:`SpcsConfig` (blocking: stats files).
        """
        stamp = self.stamp(conn_id)
        while True:
            config, flight, owner = self._claim(conn_id, stamp)
            if config is not None:
                return config
            if not owner:
                try:
                    return flight.result()
                except _Abandoned:
                    continue
            try:
                conn = read()
                content = _digest(conn.login, conn.password, conn.extra_dejson, stamp)
                built = self._known(conn_id, content) or build(conn)
            except BaseException as exc:
                self._settle(conn_id, stamp, flight, None, exc)
                raise
            self._settle(conn_id, stamp, flight, (content, built), None)
            return built

    async def aget(
        self, conn_id: str, read: Callable[[], Awaitable[Any]], build: Callable[[Any], SpcsConfig]
    ) -> SpcsConfig:
        """Async twin of :meth:`get`: ``read`` is awaited, ``build`` runs in a worker thread."""
        stamp = self.stamp(conn_id)
        while True:
            config, flight, owner = self._claim(conn_id, stamp)
            if config is not None:
                return config
            if not owner:
                try:
                    # shield: a cancelled waiter must not cancel the shared read for everyone else.
                    return await asyncio.shield(asyncio.wrap_future(flight))
                except _Abandoned:
                    continue
            try:
                conn = await read()
                content = _digest(conn.login, conn.password, conn.extra_dejson, stamp)
                known = self._known(conn_id, content)
                built = known if known is not None else await asyncio.to_thread(build, conn)
            except BaseException as exc:
                self._settle(conn_id, stamp, flight, None, exc)
                raise
            self._settle(conn_id, stamp, flight, (content, built), None)
            return built

    def runner(self, key: tuple[str, SpcsConfig, float, RetryPolicy], build: Callable[[], Runner]) -> Runner:
        """The runner shared under ``key`` (connection id, settings, timeout, policy); built once (blocking)."""
        full = (*key, key[3].random)
        with self._lock:
            runner = self._runners.get(full)
        if runner is not None:
            return runner
        with self._build_lock:  # one credential set-up (key parsing) even when many ask at once
            with self._lock:
                runner = self._runners.get(full)
            if runner is None:
                runner = build()
                with self._lock:
                    entry = self._entries.get(key[0])
                    if entry is None or entry.config is key[1]:  # still current: share it
                        self._runners[full] = runner
            return runner

    def known_runner(self, key: tuple[str, SpcsConfig, float, RetryPolicy]) -> Runner | None:
        """The shared runner under ``key`` if it is built already (no blocking)."""
        with self._lock:
            return self._runners.get((*key, key[3].random))


SHARED = SharedConnections()
