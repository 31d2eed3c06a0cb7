"""Figure 4 — async fan-out: C concurrent ``arequest`` calls from one hook in one event loop.

Measures throughput (calls per second, first call to last answer, token work included) and how many
token exchanges the burst caused: with a single-flight cache it is one, however large C is.
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


def measure(admin: Admin, url: str, c: int, repeats: int) -> dict[str, Any]:
    """``repeats`` bursts of ``c`` concurrent calls, each from cold token caches and a new loop."""
    elapsed: list[float] = []
    counts: list[dict[str, int]] = []
    for _ in range(repeats):
        reset_token_caches()
        before = admin.stats()
        elapsed.append(asyncio.run(_burst(url, c)))
        counts.append(delta(before, admin.stats()))
    seconds = median(elapsed)
    return {
        "c": c,
        "repeats": repeats,
        "elapsed_ms": seconds * 1000,
        "calls_per_s": c / seconds if seconds else 0.0,
        "requests": int(median([x["requests.total"] for x in counts])),
        "exchanges": max(x["exchanges"] for x in counts),
        "exchanges_min": min(x["exchanges"] for x in counts),
    }
