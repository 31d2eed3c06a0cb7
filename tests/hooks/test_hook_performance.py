"""Token exchanges per 100 ingress calls (asserted), and hook.request's per-call cost next to a bare
httpx.Client call to the same echo endpoint (printed only: speed budgets live in benchmarks/)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook

CALLS = 100


def _median_ms(fn: Callable[[], object]) -> float:
    samples: list[float] = []
    for _ in range(CALLS):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def test_exchanges_per_100_calls_and_overhead(
    spcs: SpcsEmulator, make_hook: MakeHook, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = make_hook("key_pair")
    url = f"{spcs.ingress_url()}/bench"
    headers = hook.ingress_headers(url)  # also warms the token cache: 1 exchange
    with httpx.Client() as bare:
        bare.get(url, headers=headers)
        hook.request("GET", url)
        spcs.reset_stats()
        bare_ms = _median_ms(lambda: bare.get(url, headers=headers))
        hook_ms = _median_ms(lambda: hook.request("GET", url))
    stats = spcs.stats()
    assert stats["exchanges"] == 0  # 100 hook calls reused the one token exchanged above
    assert stats["requests"]["ingress"] == 2 * CALLS
    # cold start: a fresh process-wide cache exchanges once for 100 calls
    hook.process.tokens.clear()
    spcs.reset_stats()
    for _ in range(CALLS):
        hook.request("GET", url)
    assert spcs.stats()["exchanges"] == 1
    with capsys.disabled():
        print(
            f"\n[bench] exchanges per {CALLS} ingress calls: 1; median hook.request {hook_ms:.2f} ms vs bare httpx {bare_ms:.2f} ms"
        )
