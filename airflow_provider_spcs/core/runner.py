"""Runner: drives effect generators with pooled httpx clients, sync or async.

One runner per hook. It owns one ``httpx.Client`` and one ``httpx.AsyncClient`` per event loop
(an async client must not cross loops), and resolves tokens through the process-wide cache.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, TypeVar

import httpx

from airflow_provider_spcs.core.cache import TOKEN_CACHE, TokenCache
from airflow_provider_spcs.core.credentials import Credential
from airflow_provider_spcs.core.effects import Blocking, Effect, GetToken, Send, Sleep, Steps
from airflow_provider_spcs.core.tokens import Token

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0


class Runner:
    """Run :mod:`.effects` generators for one credential.

    :param credential: the auth method's credential.
    :param timeout: per-request timeout in seconds (connect, read, write and pool).
    :param cache: token cache (the process-wide one by default).
    :param transport: optional httpx transport for the sync client (tests).
    :param async_transport: optional httpx transport for async clients (tests).
    """

    def __init__(
        self,
        credential: Credential,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        cache: TokenCache = TOKEN_CACHE,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.credential = credential
        self.timeout = httpx.Timeout(timeout)
        self.cache = cache
        self._transport = transport
        self._async_transport = async_transport
        self._client: httpx.Client | None = None
        self._aclients: dict[int, tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {}
        self._lock = threading.Lock()

    # clients ---------------------------------------------------------------------------------
    def client(self) -> httpx.Client:
        """The pooled sync client (created on first use)."""
        with self._lock:
            if self._client is None or self._client.is_closed:
                self._client = httpx.Client(timeout=self.timeout, transport=self._transport, follow_redirects=False)
            return self._client

    def aclient(self) -> httpx.AsyncClient:
        """The pooled async client of the running event loop (created on first use in that loop)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            for key, (other, _client) in list(self._aclients.items()):
                if other.is_closed():  # a finished loop's client cannot be used or closed any more
                    del self._aclients[key]
            entry = self._aclients.get(id(loop))
            if entry is None or entry[0] is not loop or entry[1].is_closed:
                client = httpx.AsyncClient(
                    timeout=self.timeout, transport=self._async_transport, follow_redirects=False
                )
                self._aclients[id(loop)] = (loop, client)
                return client
            return entry[1]

    def close(self) -> None:
        """Close the sync client; async clients of loops that are gone are dropped."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    async def aclose(self) -> None:
        """Close the current loop's async client and the sync client."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._aclients.pop(id(loop), None)
        if entry is not None:
            await entry[1].aclose()
        self.close()

    # tokens ----------------------------------------------------------------------------------
    def token(self, audience: str, reject: Token | None = None) -> Token:
        """A fresh token for ``audience`` (cached process-wide where the credential allows)."""
        key = self.credential.cache_key(audience)
        if key is None:
            return self.run(self.credential.fetch(audience))
        return self.cache.get(key, lambda: self.run(self.credential.fetch(audience)), reject=reject)

    async def atoken(self, audience: str, reject: Token | None = None) -> Token:
        """Async twin of :meth:`token`."""
        key = self.credential.cache_key(audience)
        if key is None:
            return await self.arun(self.credential.fetch(audience))
        return await self.cache.aget(key, lambda: self.arun(self.credential.fetch(audience)), reject=reject)

    # drivers ---------------------------------------------------------------------------------
    def _with_timeout(self, request: httpx.Request) -> httpx.Request:
        # Requests built outside a client carry no timeout; every request must have one.
        request.extensions.setdefault("timeout", self.timeout.as_dict())
        return request

    def _do(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self.client().send(self._with_timeout(effect.request), auth=effect.auth or httpx.USE_CLIENT_DEFAULT)
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, Blocking):
            return effect.fn()
        if isinstance(effect, GetToken):
            return self.token(effect.audience, effect.reject)
        raise TypeError(f"unknown effect {effect!r}")

    async def _ado(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return await self.aclient().send(
                self._with_timeout(effect.request), auth=effect.auth or httpx.USE_CLIENT_DEFAULT
            )
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return None
        if isinstance(effect, Blocking):
            return await asyncio.to_thread(effect.fn)
        if isinstance(effect, GetToken):
            return await self.atoken(effect.audience, effect.reject)
        raise TypeError(f"unknown effect {effect!r}")

    def run(self, steps: Steps[T]) -> T:
        """Drive ``steps`` to completion with blocking I/O."""
        value: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = steps.throw(error) if error is not None else steps.send(value)
            except StopIteration as stop:
                result: T = stop.value
                return result
            value, error = None, None
            try:
                value = self._do(effect)
            except Exception as exc:  # handed to the generator, which decides (retry or re-raise)
                error = exc

    async def arun(self, steps: Steps[T]) -> T:
        """Drive ``steps`` to completion on the running event loop."""
        value: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = steps.throw(error) if error is not None else steps.send(value)
            except StopIteration as stop:
                result: T = stop.value
                return result
            value, error = None, None
            try:
                value = await self._ado(effect)
            except Exception as exc:
                error = exc
