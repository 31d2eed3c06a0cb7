"""The shared client pool: one TLS context, one sync client, one async client per event loop,
closed with its loop without warnings; runners without a transport use it, hooks do not close it."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings

import httpx

from airflow_provider_spcs.core.cache import TokenCache
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import credential_for
from airflow_provider_spcs.core.runner import ClientPool, Runner


def _config() -> SpcsConfig:
    return SpcsConfig.from_connection(login="alice", password=None, extra={"account": "a", "token": "the-pat"}, env={})


def test_one_tls_context_and_one_sync_client() -> None:
    pool = ClientPool()
    a = Runner(credential_for(_config()), pool=pool, cache=TokenCache())
    b = Runner(credential_for(_config()), pool=pool, cache=TokenCache(), timeout=5.0)
    assert pool.ssl_context() is pool.ssl_context()
    assert a.client() is b.client()
    assert pool.created == 1
    seen: list[httpx.Client] = []
    threads = [threading.Thread(target=lambda: seen.append(pool.client())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {id(c) for c in seen} == {id(a.client())}
    a.close()  # a runner closes only what it owns
    assert not pool.client().is_closed
    pool.close()
    assert pool.client() is not seen[0]


def test_async_client_per_loop_closed_with_the_loop() -> None:
    pool = ClientPool()
    runners = [Runner(credential_for(_config()), pool=pool, cache=TokenCache()) for _ in range(3)]
    clients: list[httpx.AsyncClient] = []

    async def main() -> None:
        mine = {id(r.aclient()) for r in runners}
        assert len(mine) == 1
        clients.append(runners[0].aclient())
        for r in runners:
            await r.aclose()  # nothing of the pool's
        assert not clients[-1].is_closed

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        asyncio.run(main())
        gc.collect()
    assert clients[0] is not clients[1]
    assert all(c.is_closed for c in clients), "asyncio.run's shutdown closed each loop's client"
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert pool.created == 2


async def test_pool_aclose_rebuilds() -> None:
    pool = ClientPool()
    first = pool.aclient()
    await pool.aclose()
    assert first.is_closed
    second = pool.aclient()
    assert second is not first
    assert not second.is_closed
    await pool.aclose()


def test_a_runner_with_a_transport_owns_its_clients() -> None:
    pool = ClientPool()
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    runner = Runner(credential_for(_config()), pool=pool, cache=TokenCache(), transport=transport)
    own = runner.client()
    assert own is not pool.client()
    runner.close()
    assert own.is_closed
    pool.close()
