"""TokenCache: renewal before expiry, reject handling, single flight across threads and tasks."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from airflow_provider_spcs.core.cache import TokenCache
from airflow_provider_spcs.core.tokens import Token


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_reuse_until_stale_then_refetch() -> None:
    clock = Clock()
    cache = TokenCache(clock)
    made: list[int] = []

    def fetch() -> Token:
        made.append(1)
        return Token(f"t{len(made)}", clock.now + 600, clock.now)

    assert cache.get("k", fetch).value == "t1"
    clock.now += 500
    assert cache.get("k", fetch).value == "t1"
    clock.now += 50  # within the 60 s renewal margin
    assert cache.get("k", fetch).value == "t2"
    assert cache.fetches == 2


def test_reject_drops_only_the_refused_token() -> None:
    cache = TokenCache(Clock())
    values = iter(["a", "b", "c"])

    def fetch() -> Token:
        return Token(next(values), float("inf"))

    a = cache.get("k", fetch)
    b = cache.get("k", fetch, reject=a)
    assert b.value == "b"
    assert cache.get("k", fetch, reject=a).value == "b"  # someone already replaced it: no new fetch


def test_errors_reach_every_waiter_and_do_not_stick() -> None:
    cache = TokenCache(Clock())

    def boom() -> Token:
        raise RuntimeError("exchange failed")

    with pytest.raises(RuntimeError):
        cache.get("k", boom)
    assert cache.get("k", lambda: Token("ok", float("inf"))).value == "ok"


def _slow_async_fetch(calls: list[int], started: threading.Event) -> Callable[[], Awaitable[Token]]:
    async def fetch() -> Token:
        calls.append(1)
        started.set()
        await asyncio.sleep(0.2)
        return Token("shared", time.time() + 600, time.time())

    return fetch


def test_single_flight_threads_and_tasks() -> None:
    cache = TokenCache()
    started = threading.Event()
    calls: list[int] = []

    def slow_fetch() -> Token:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return Token("shared", time.time() + 600, time.time())

    slow_afetch = _slow_async_fetch(calls, started)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow_fetch).value)) for _ in range(8)]
    for t in threads:
        t.start()

    async def tasks() -> list[str]:
        tokens = await asyncio.gather(*(cache.aget("k", slow_afetch) for _ in range(8)))
        return [t.value for t in tokens]

    results += asyncio.run(tasks())
    for t in threads:
        t.join()
    assert results == ["shared"] * 16
    assert len(calls) == 1


async def test_cancelled_waiter_does_not_cancel_the_fetch() -> None:
    cache = TokenCache()

    async def fetch() -> Token:
        await asyncio.sleep(0.1)
        return Token("v", time.time() + 600, time.time())

    owner = asyncio.create_task(cache.aget("k", fetch))
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(cache.aget("k", fetch))
    await asyncio.sleep(0.01)
    waiter.cancel()
    assert (await owner).value == "v"
    assert cache.fetches == 1


async def test_cancelled_owner_lets_waiters_retry() -> None:
    cache = TokenCache()
    count = 0

    async def fetch() -> Token:
        nonlocal count
        count += 1
        await asyncio.sleep(0.1)
        return Token(f"v{count}", time.time() + 600, time.time())

    owner = asyncio.create_task(cache.aget("k", fetch))
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(cache.aget("k", fetch))
    await asyncio.sleep(0.01)
    owner.cancel()
    assert (await waiter).value == "v2"


def test_single_flight_across_event_loops() -> None:
    cache = TokenCache()
    started = threading.Event()
    calls: list[int] = []

    slow_afetch = _slow_async_fetch(calls, started)
    results: list[str] = []

    def in_own_loop() -> None:
        async def ask() -> str:
            return (await cache.aget("k", slow_afetch)).value

        results.append(asyncio.run(ask()))

    first = threading.Thread(target=in_own_loop)
    first.start()
    started.wait(5)
    others = [threading.Thread(target=in_own_loop) for _ in range(3)]  # each a loop of its own
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join()
    assert results == ["shared"] * 4
    assert len(calls) == 1
