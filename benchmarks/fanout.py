"""Figure 4 — async fan-out: C concurrent ``arequest`` calls from one hook in one event loop.

Measures throughput (calls per second, first call to last answer, token work included) and how many
token exchanges the burst caused: with a single-flight cache it is one, however large C is. Next to
it, the limit: the same burst from one bare ``httpx.AsyncClient`` (default pool limits, like the
hook's) with a header made beforehand.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks._common import Admin, delta, median
from benchmarks.repeated import reset_token_caches


async def _burst(url: str, c: int) -> float:
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    hook = SpcsHook()
    await hook.aget_config()
    try:
        started = time.perf_counter()
        responses = await asyncio.wait_for(asyncio.gather(*(hook.arequest("GET", url) for _ in range(c))), 300)
        elapsed = time.perf_counter() - started
    finally:
        await hook.aclose()
    bad = [r.status_code for r in responses if r.status_code != 200]
    if bad:
        raise RuntimeError(f"fan-out: {len(bad)} calls failed (e.g. HTTP {bad[0]})")
    return elapsed


async def _bare_burst(url: str, c: int, headers: dict[str, str]) -> float:
    import httpx

    async with httpx.AsyncClient(headers=headers, timeout=30.0) as client:
        started = time.perf_counter()
        responses = await asyncio.wait_for(asyncio.gather(*(client.get(url) for _ in range(c))), 300)
        elapsed = time.perf_counter() - started
    if any(r.status_code != 200 for r in responses):
        raise RuntimeError("bare fan-out: some calls failed")
    return elapsed


def _headers(url: str) -> dict[str, str]:
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    hook = SpcsHook()
    try:
        return hook.ingress_headers(url)
    finally:
        hook.close()


def measure(admin: Admin, url: str, c: int, repeats: int) -> dict[str, Any]:
    """``repeats`` bursts of ``c`` concurrent calls, each from cold token caches and a new loop."""
    elapsed: list[float] = []
    bare: list[float] = []
    counts: list[dict[str, int]] = []
    for _ in range(repeats):
        reset_token_caches()
        before = admin.stats()
        elapsed.append(asyncio.run(_burst(url, c)))
        counts.append(delta(before, admin.stats()))
        bare.append(asyncio.run(_bare_burst(url, c, _headers(url))))  # interleaved: same load
    seconds = median(elapsed)
    bare_s = median(bare)
    return {
        "c": c,
        "repeats": repeats,
        "elapsed_ms": seconds * 1000,
        "calls_per_s": c / seconds if seconds else 0.0,
        "bare_elapsed_ms": bare_s * 1000,
        "bare_calls_per_s": c / bare_s if bare_s else 0.0,
        "requests": int(median([x["requests.total"] for x in counts])),
        "exchanges": max(x["exchanges"] for x in counts),
        "exchanges_min": min(x["exchanges"] for x in counts),
    }
