"""Runner: the one pair of drivers for :mod:`.effects` steps, sync (:meth:`Runner.run`) and async (:meth:`Runner.arun`).

A runner pairs a credential with the process state (:mod:`.process`) whose caches serve the
steps: tokens for :class:`~.effects.GetToken`, results for :class:`~.effects.Coalesced`, pooled
clients for :class:`~.effects.Send`. Every request gets the runner's timeout unless it carries
its own (the request's ``timeout`` extension).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from airflow_provider_spcs.core.effects import Blocking, Coalesced, Effect, GetToken, Send, Sleep, Steps
from airflow_provider_spcs.core.offload import in_thread

if TYPE_CHECKING:
    from airflow_provider_spcs.core.clients import ClientPool
    from airflow_provider_spcs.core.credentials import Credential
    from airflow_provider_spcs.core.process import ProcessState
    from airflow_provider_spcs.core.tokens import Token

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0


class Runner:
    """Run :mod:`.effects` steps for one credential.

    :param credential: the auth method's credential.
    :param timeout: per-request timeout in seconds (connect, read, write and pool).
    :param process: the caches and clients to use (:data:`~.process.PROCESS` by default).
    :param clients: a client pool other than the process state's (tests: one with a mock transport).
    """

    def __init__(
        self,
        credential: Credential,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        process: ProcessState | None = None,
        clients: ClientPool | None = None,
    ) -> None:
        if process is None:
            from airflow_provider_spcs.core.process import PROCESS

            process = PROCESS
        self.credential = credential
        self.timeout = httpx.Timeout(timeout)
        self.process = process
        self.clients = clients or process.clients

    # tokens ----------------------------------------------------------------------------------
    def token(self, audience: str, reject: Token | None = None) -> Token:
        """A fresh token for ``audience`` (cached process-wide where the credential allows)."""
        key = self.credential.cache_key(audience)
        if key is None:
            return self.run(self.credential.fetch(audience))
        return self.process.tokens.get(key, lambda: self.run(self.credential.fetch(audience)), reject=reject)

    async def atoken(self, audience: str, reject: Token | None = None) -> Token:
        """Async twin of :meth:`token`."""
        key = self.credential.cache_key(audience)
        if key is None:
            return await self.arun(self.credential.fetch(audience))
        return await self.process.tokens.aget(key, lambda: self.arun(self.credential.fetch(audience)), reject=reject)

    # drivers ---------------------------------------------------------------------------------
    def _with_timeout(self, request: httpx.Request) -> httpx.Request:
        # Requests built outside a client carry no timeout; every request must have one.
        request.extensions.setdefault("timeout", self.timeout.as_dict())
        return request

    def _do(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self.clients.client().send(self._with_timeout(effect.request))
        if isinstance(effect, GetToken):
            return self.token(effect.audience, effect.reject)
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, Blocking):
            return effect.fn()
        if isinstance(effect, Coalesced):
            return self.process.reads.get(effect.key, effect.fresh_for, lambda: self.run(effect.read()))
        raise TypeError(f"unknown effect {effect!r}")

    async def _ado(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            client = await self.clients.aclient_ready()
            return await client.send(self._with_timeout(effect.request))
        if isinstance(effect, GetToken):
            return await self.atoken(effect.audience, effect.reject)
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return None
        if isinstance(effect, Blocking):
            return await in_thread(effect.fn)
        if isinstance(effect, Coalesced):
            return await self.process.reads.aget(effect.key, effect.fresh_for, lambda: self.arun(effect.read()))
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
