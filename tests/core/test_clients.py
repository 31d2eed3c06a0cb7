"""The client pool: one TLS context, one sync client, one async client per event loop, closed with its
loop without warnings; runners share their process state's pool; a pool with a transport uses it."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings

import httpx

from airflow_provider_spcs.core.clients import ClientPool
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import credential_for
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.core.runner import Runner


def _config() -> SpcsConfig:
    return SpcsConfig.from_connection(login="alice", password=None, extra={"account": "a", "token": "the-pat"}, env={})


def test_one_tls_context_and_one_sync_client() -> None:
    process = ProcessState()
    a = Runner(credential_for(_config()), process=process)
    b = Runner(credential_for(_config()), process=process, timeout=5.0)
    pool = process.clients
    assert pool.ssl_context() is pool.ssl_context()
    assert a.clients.client() is b.clients.client()
    assert pool.created == 1
    seen: list[httpx.Client] = []
    threads = [threading.Thread(target=lambda: seen.append(pool.client())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {id(c) for c in seen} == {id(a.clients.client())}
    process.reset()  # one close path: rebuilt on next use
    assert seen[0].is_closed
    assert pool.client() is not seen[0]
    pool.close()


def test_async_client_per_loop_closed_with_the_loop() -> None:
    process = ProcessState()
    runners = [Runner(credential_for(_config()), process=process) for _ in range(3)]
    clients: list[httpx.AsyncClient] = []

    async def main() -> None:
        mine = {id(r.clients.aclient()) for r in runners}
        assert len(mine) == 1
        clients.append(runners[0].clients.aclient())
        assert not clients[-1].is_closed

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        asyncio.run(main())
        gc.collect()
    assert clients[0] is not clients[1]
    assert all(c.is_closed for c in clients), "asyncio.run's shutdown closed each loop's client"
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert process.clients.created == 2


async def test_pool_aclose_rebuilds() -> None:
    pool = ClientPool()
    first = pool.aclient()
    await pool.aclose()
    assert first.is_closed
    second = pool.aclient()
    assert second is not first
    assert not second.is_closed
    await pool.aclose()


async def test_a_pool_with_a_transport_sends_through_it() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(204)

    transport = httpx.MockTransport(handler)
    pool = ClientPool(transport=transport, async_transport=transport)
    assert pool.client().get("https://h.example/sync").status_code == 204
    assert (await pool.aclient().get("https://h.example/async")).status_code == 204
    assert seen == ["https://h.example/sync", "https://h.example/async"]
    pool.close()
    await pool.aclose()
