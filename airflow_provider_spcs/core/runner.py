"""Runner: the one pair of drivers for :mod:`.effects` steps, sync (:meth:`Runner.run`) and async (:meth:`Runner.arun`).

A runner pairs a credential with the process state (:mod:`.process`) whose caches serve the
steps: tokens for :class:`~.effects.GetToken`, results for :class:`~.effects.Coalesced`, pooled
clients for :class:`~.effects.Send`. Every request gets the runner's timeout unless it carries
its own (the request's ``timeout`` extension), shortened to end by the call's deadline when the
request carries one (:data:`~.effects.DEADLINE_EXTENSION`). A request with
:data:`~.effects.MAX_BYTES_EXTENSION` is streamed and its body read up to that many bytes only.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from airflow_provider_spcs.core.effects import (
    DEADLINE_EXTENSION,
    MAX_BYTES_EXTENSION,
    Blocking,
    Coalesced,
    Effect,
    GetToken,
    Send,
    Sleep,
    Steps,
)
from airflow_provider_spcs.core.errors import SpcsApiError
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
        timeout = dict(request.extensions.get("timeout") or self.timeout.as_dict())
        deadline = request.extensions.get(DEADLINE_EXTENSION)
        if deadline is not None:
            left = max(0.001, float(deadline) - time.monotonic())
            timeout = {key: left if value is None else min(float(value), left) for key, value in timeout.items()}
        request.extensions["timeout"] = timeout
        return request

    def _do(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            request = self._with_timeout(effect.request)
            limit = request.extensions.get(MAX_BYTES_EXTENSION)
            if limit is None:
                return self.clients.client().send(request)
            response = self.clients.client().send(request, stream=True)
            try:
                body = _Body(response, int(limit))
                for chunk in response.iter_bytes():
                    body.add(chunk)
            finally:
                response.close()
            return body.response()
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
            request = self._with_timeout(effect.request)
            limit = request.extensions.get(MAX_BYTES_EXTENSION)
            client = await self.clients.aclient_ready()
            if limit is None:
                return await client.send(request)
            response = await client.send(request, stream=True)
            try:
                body = _Body(response, int(limit))
                async for chunk in response.aiter_bytes():
                    body.add(chunk)
            finally:
                await response.aclose()
            return body.response()
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


class _Body:
    """A streamed response's body, read up to ``limit`` decoded bytes (then an error, not more memory)."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.streamed = response
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            request = self.streamed.request
            raise SpcsApiError(
                f"{request.method} {request.url.scheme}://{request.url.netloc.decode()}{request.url.path}: the response "
                f"is larger than max_response_bytes ({self.limit} bytes); stopped reading. Raise max_response_bytes, "
                "or ask the endpoint for less (pages, filters)",
                status_code=self.streamed.status_code,
                retryable=False,
            )
        self.chunks.append(chunk)

    def response(self) -> httpx.Response:
        """The same response, with the body read (already decoded, so no Content-Encoding)."""
        headers = self.streamed.headers.copy()
        for name in ("content-encoding", "content-length", "transfer-encoding"):
            headers.pop(name, None)
        read = httpx.Response(
            self.streamed.status_code,
            headers=headers,
            content=b"".join(self.chunks),
            request=self.streamed.request,
            extensions=self.streamed.extensions,
        )
        read.next_request = self.streamed.next_request
        return read
