"""Connection settings and runners shared by every hook of a process (see :mod:`.process`).

A triggerer may run a thousand status triggers for one connection. Each builds its own hook, so
reading the connection (secrets backends, masker registration) and setting up credentials per hook
would cost far more than the polls themselves. :class:`SharedConnections` reads each connection
once per :data:`CONFIG_TTL` and hands every hook for it the same settings and runner. It knows
nothing of Airflow: the hook passes in how to read and how to validate a connection.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.core.offload import in_thread
from airflow_provider_spcs.core.singleflight import SingleFlight

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


@dataclass(frozen=True)
class RunnerKey:
    """What one shared runner is for: a connection's settings with a timeout and a retry policy.

    Two policies that differ only in their jitter source (``RetryPolicy.random``, left out of the
    policy's own equality) get runners of their own.
    """

    conn_id: str
    config: SpcsConfig
    timeout: float
    policy: RetryPolicy
    jitter: Callable[[], float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "jitter", self.policy.random)


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
        self._flight: SingleFlight[tuple[str, str], SpcsConfig] = SingleFlight()
        self._runners: dict[RunnerKey, Runner] = {}
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

    def _fresh(self, conn_id: str, stamp: str) -> SpcsConfig | None:
        """The settings if read under this stamp less than :data:`CONFIG_TTL` seconds ago."""
        with self._lock:
            entry = self._entries.get(conn_id)
            if entry is not None and entry.stamp == stamp and self._clock() < entry.expires:
                return entry.config
        return None

    def _read(self, conn_id: str, stamp: str, conn: Any) -> tuple[str, SpcsConfig | None]:
        """Count a connection read; its content digest, and the current settings if it is unchanged."""
        content = _digest(conn.conn_type, conn.login, conn.password, conn.schema, conn.extra, stamp)
        with self._lock:
            self.reads += 1
            entry = self._entries.get(conn_id)
            return content, (entry.config if entry is not None and entry.content == content else None)

    def _store(self, conn_id: str, stamp: str, content: str, config: SpcsConfig) -> SpcsConfig:
        with self._lock:
            old = self._entries.get(conn_id)
            if old is not None and old.config is not config:
                # settings changed: runners for the old ones go (hooks holding them keep them)
                for key in [k for k in self._runners if k.conn_id == conn_id]:
                    del self._runners[key]
            self._entries[conn_id] = _Entry(stamp, content, config, self._clock() + self.ttl)
        return config

    def get(self, conn_id: str, read: Callable[[], Any], build: Callable[[Any], SpcsConfig]) -> SpcsConfig:
        """Settings for ``conn_id``: cached, or ``build(read())`` by one caller while others wait.

        :param read: reads the Airflow connection (blocking).
        :param build: validates it into :class:`SpcsConfig` (blocking: stats files).
        """
        stamp = self.stamp(conn_id)

        def read_once() -> SpcsConfig:
            config = self._fresh(conn_id, stamp)
            if config is None:
                conn = read()
                content, known = self._read(conn_id, stamp, conn)
                config = self._store(conn_id, stamp, content, known if known is not None else build(conn))
            return config

        fresh = self._fresh(conn_id, stamp)
        return fresh if fresh is not None else self._flight.run((conn_id, stamp), read_once)

    async def aget(
        self, conn_id: str, read: Callable[[], Awaitable[Any]], build: Callable[[Any], SpcsConfig]
    ) -> SpcsConfig:
        """Async twin of :meth:`get`: ``read`` is awaited, ``build`` runs in a worker thread."""
        stamp = self.stamp(conn_id)

        async def read_once() -> SpcsConfig:
            config = self._fresh(conn_id, stamp)
            if config is None:
                conn = await read()
                content, known = self._read(conn_id, stamp, conn)
                if known is None:
                    known = await in_thread(build, conn)
                config = self._store(conn_id, stamp, content, known)
            return config

        fresh = self._fresh(conn_id, stamp)
        return fresh if fresh is not None else await self._flight.arun((conn_id, stamp), read_once)

    def runner(self, key: RunnerKey, build: Callable[[], Runner]) -> Runner:
        """The runner shared under ``key``; built once (blocking: a first key parsing)."""
        with self._lock:
            runner = self._runners.get(key)
        if runner is not None:
            return runner
        with self._build_lock:  # one credential set-up (key parsing) even when many ask at once
            with self._lock:
                runner = self._runners.get(key)
            if runner is None:
                runner = build()
                with self._lock:
                    entry = self._entries.get(key.conn_id)
                    if entry is None or entry.config is key.config:  # still current: share it
                        self._runners[key] = runner
            return runner

    def known_runner(self, key: RunnerKey) -> Runner | None:
        """The shared runner under ``key`` if it is built already (no blocking)."""
        with self._lock:
            return self._runners.get(key)
