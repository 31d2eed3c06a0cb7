"""The pooled httpx clients: one TLS context, one sync client, one async client per event loop.

Building an httpx client costs a TLS context (about 34 ms of CPU and 0.8 MB on a small machine), so
a thousand triggers with a client each spent most of their time and memory there. The shared
clients carry nothing per connection: credentials come with each request (see
:mod:`airflow_provider_spcs.core.auth`), and so does the timeout (the request's ``timeout``
extension), so hooks with different connections, roles and timeouts share one pool. A pool built
with a transport (tests) sends through it instead of the network; the bookkeeping is the same.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import http.cookiejar
import threading
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.core.offload import in_thread

if TYPE_CHECKING:
    import ssl

    import httpx

MAX_CONNECTIONS = 100
"""Connections of each shared client, all of them kept alive between polls (for 5 s)."""
KEEPALIVE_EXPIRY = 5.0


def _no_cookies() -> httpx.Cookies:
    import httpx

    # A shared client must not collect one connection's cookies for everyone (requests are built
    # outside the client, so a jar would only grow): this jar refuses every cookie.
    return httpx.Cookies(http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])))


@dataclass
class _LoopClient:
    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    closer: AsyncGenerator[None, None]


class ClientPool:
    """A process's (or a test's) pooled clients.

    * :meth:`ssl_context`: one ``ssl.SSLContext`` (system/certifi CA bundle, ``SSL_CERT_FILE``
      honoured), given as ``verify=`` to every client the pool builds;
    * :meth:`client`: one thread-safe ``httpx.Client``, closed at interpreter exit;
    * :meth:`aclient`: one ``httpx.AsyncClient`` per running event loop, closed when that loop
      shuts down (``asyncio.run`` finalises async generators; the pool keeps one per loop that
      closes the client), so no unclosed-transport warning is left behind; :meth:`aclient_ready`
      is the same for code on the loop (the runner's async driver): it builds a first TLS context
      in a worker thread.

    :meth:`close` closes the sync client and :meth:`aclose` the running loop's; both are rebuilt
    on next use. After ``fork`` the child starts with no clients (pooled sockets belong to the parent).

    :param transport: send sync requests through this transport (tests) instead of the network.
    :param async_transport: the same for async requests.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._transport = transport
        self._async_transport = async_transport
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None
        self._client: httpx.Client | None = None
        self._aclients: dict[int, _LoopClient] = {}
        self._atexit = False
        self.created = 0
        """How many clients this pool built (tests and benchmarks read it)."""

    def ssl_context(self) -> ssl.SSLContext:
        """The pool's TLS context (CA bundle loaded once)."""
        import httpx

        with self._lock:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            return self._ssl

    def _options(self) -> dict[str, Any]:
        """What every client of the pool is built with (the transport aside)."""
        import httpx

        limits = httpx.Limits(
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=MAX_CONNECTIONS,
            keepalive_expiry=KEEPALIVE_EXPIRY,
        )
        return {"verify": self.ssl_context(), "limits": limits, "cookies": _no_cookies(), "follow_redirects": False}

    def client(self) -> httpx.Client:
        """The sync client (created on first use)."""
        import httpx

        with self._lock:
            client = self._client
        if client is not None and not client.is_closed:
            return client  # the common case, without building any options
        options = self._options()
        with self._lock:
            if self._client is None or self._client.is_closed:
                self._client = httpx.Client(transport=self._transport, **options)
                self.created += 1
                if not self._atexit:
                    atexit.register(self.close)
                    self._atexit = True
            return self._client

    def aclient(self) -> httpx.AsyncClient:
        """The async client of the running event loop (created on first use in that loop)."""
        import httpx

        loop = asyncio.get_running_loop()
        entry = self._aclients.get(id(loop))
        if entry is not None and entry.loop is loop and not entry.client.is_closed:
            return entry.client  # the common case, without building any options
        options = self._options()
        with self._lock:
            self._forget_closed_loops()
            entry = self._aclients.get(id(loop))
            if entry is not None and entry.loop is loop and not entry.client.is_closed:
                return entry.client
            client = httpx.AsyncClient(transport=self._async_transport, **options)
            self.created += 1
            closer = self._closer(loop, client)
            self._aclients[id(loop)] = _LoopClient(loop, client, closer)
        # Start the closer in this loop: the loop now tracks it and closes it at shutdown.
        with contextlib.suppress(StopIteration):
            closer.__anext__().send(None)
        return client

    async def aclient_ready(self) -> httpx.AsyncClient:
        """:meth:`aclient`, with a first TLS context built in a worker thread.

        Loading the CA bundle takes tens of milliseconds of CPU: on the event loop, the first
        request of a process would stall every other task of the loop for that long.
        """
        if self._ssl is None:
            await in_thread(self.ssl_context)
        return self.aclient()

    def _forget_closed_loops(self) -> None:
        # A finished loop's client can be neither used nor closed any more.
        for key, entry in list(self._aclients.items()):
            if entry.loop.is_closed():
                del self._aclients[key]

    async def _closer(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            with self._lock:
                entry = self._aclients.get(id(loop))
                if entry is not None and entry.client is client:
                    del self._aclients[id(loop)]
            await client.aclose()

    async def aclose(self) -> None:
        """Close the running loop's async client now (it is rebuilt on next use)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._aclients.pop(id(loop), None)
        if entry is not None and entry.loop is loop:
            await entry.closer.aclose()  # its finally closes the client

    def close(self) -> None:
        """Close the sync client (it is rebuilt on next use); async clients close with their loops."""
        with self._lock:
            client, self._client = self._client, None
            self._forget_closed_loops()
        if client is not None:
            client.close()

    def after_fork(self) -> None:
        """In a forked child: drop the parent's clients without touching their sockets."""
        self._lock = threading.Lock()
        self._client = None
        self._aclients = {}
