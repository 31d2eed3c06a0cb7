"""The process state: every cache the provider keeps for the life of a process, in one object.

What is kept, for how long, and how a change takes effect:

* **tokens** (:class:`~.cache.TokenCache`): every token that is worth keeping -- key-pair JWTs
  (one per account, user and key fingerprint; 59 minutes), exchanged ingress tokens (one per
  identity, role and ingress host; until their own ``exp``), connector session tokens, OAuth grant
  tokens -- under one rule: a token is renewed once it is stale, a minute before it expires (a
  tenth of its life for short ones; :meth:`~.tokens.Token.skew`), and a token a server refused is
  dropped at once. One fetch per key runs at a time. A PAT sent as is and the SPCS session token
  file are not kept: the file is read again for every request and every new session, so a
  rotated token file takes effect at once.
* **keys** (:class:`~.keys.KeyCache`): parsed private keys, by digest of the PEM (and for a key file
  its path, mtime and size). A rotated key file has another mtime or content: the next credential
  set-up (see *connections*) parses it, and its JWT has a new fingerprint, hence a new cache key.
  Being addressed by content, a parsed key never goes stale, so :meth:`ProcessState.reset` keeps
  them (parsing one costs tens of milliseconds); ``keys.clear()`` drops them.
* **connections** (:class:`~.connections.SharedConnections`): each connection's validated settings
  and the runners (credential + timeout + retry policy) built on them. A connection defined in
  the environment (``AIRFLOW_CONN_<ID>``) takes effect at once when it changes; one in the metadata
  database or a secrets backend within :data:`~.connections.CONFIG_TTL` seconds; :meth:`ProcessState.reset`
  makes it immediate.
* **clients** (:class:`~.clients.ClientPool`): the TLS context, the sync client and one async
  client per event loop; the sync client closes at exit, each async client with its loop.
* **reads** (:class:`~.coalesce.CoalescedReads`): results of coalesced reads (a trigger's shared
  ``SHOW SERVICES IN SCHEMA``), each served while its effect says it is fresh (about a second).
* **known_ingress** (:class:`~.destinations.KnownIngress`): the ingress hosts ``SHOW ENDPOINTS``
  reported, per account, which may receive that account's credentials (see
  :mod:`~.destinations`); kept until :meth:`ProcessState.reset`.
* **secrets** (:class:`~.secrets.SecretSinks`): who hears about secrets (Airflow's masker) and
  digests of what each sink heard. The masker is one per process, so every state shares
  :data:`~.secrets.SINKS`; what it heard stays registered for the life of the process.

:data:`PROCESS` is the state every hook uses unless it is given another (``SpcsHook(...,
process=ProcessState())``, for tests). :meth:`ProcessState.reset` empties every cache that can go
stale.
"""

from __future__ import annotations

import os

from airflow_provider_spcs.core.cache import TokenCache
from airflow_provider_spcs.core.clients import ClientPool
from airflow_provider_spcs.core.coalesce import CoalescedReads
from airflow_provider_spcs.core.connections import SharedConnections
from airflow_provider_spcs.core.destinations import KnownIngress
from airflow_provider_spcs.core.keys import KeyCache
from airflow_provider_spcs.core.secrets import SINKS, SecretSinks
from airflow_provider_spcs.core.tokens import SYSTEM_CLOCK, Clock


class ProcessState:
    """The caches of one process (or of one test).

    :param clock: epoch-seconds time source for token freshness.
    :param connections: the connection-settings cache (e.g. one with a fake clock or a short TTL).
    :param clients: the client pool (e.g. one with a mock transport).
    """

    def __init__(
        self,
        *,
        clock: Clock = SYSTEM_CLOCK,
        connections: SharedConnections | None = None,
        clients: ClientPool | None = None,
    ) -> None:
        self.tokens = TokenCache(clock)
        self.keys = KeyCache()
        self.connections = connections or SharedConnections()
        self.clients = clients or ClientPool()
        self.reads = CoalescedReads()
        self.known_ingress = KnownIngress()
        self.secrets: SecretSinks = SINKS

    def reset(self) -> None:
        """Forget everything that can go stale: tokens (sessions behind them are closed), settings,
        runners, read results and known ingress hosts; close the sync client (async ones close with their loops).
        Everything is rebuilt on next use. Parsed keys stay, being addressed by content; so does
        the memory of reported secrets, since the masker that heard them keeps them (after a
        masker reset, call ``secrets.forget()``)."""
        self.tokens.clear()
        self.connections.clear()
        self.reads.clear()
        self.known_ingress.clear()
        self.clients.close()

    def after_fork(self) -> None:
        """In a forked child: the parent's pooled sockets are not ours to use."""
        self.clients.after_fork()


PROCESS = ProcessState()
"""The state every hook uses unless given another."""

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=PROCESS.after_fork)
