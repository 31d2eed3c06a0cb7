"""Figure 1 — parse cost: what importing our DAG-facing modules adds to ``import airflow.sdk``.

The scheduler's DAG processor imports every DAG file again and again; a DAG file imports the
package root, operators and sensors. The child measures, in one fresh interpreter, ``import
airflow.sdk`` and then each of our modules on top of it: extra wall time, extra RSS and which new
modules came in. Heavy ones (the connector, PyJWT, cryptography's key code, requests, aiohttp) must
not: they belong to run time, not parse time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from benchmarks._common import CHILD_TIMEOUT, REPO_ROOT, child_args, child_env, emit, median, rss_kb, run_child

HEAVY_PREFIXES = (
    "snowflake.connector",
    "jwt",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.asymmetric",
    "requests",
    "aiohttp",
)
"""Modules a DAG file must not pull in through us (prefix match on the dotted name)."""

OUR_MODULES = ("airflow_provider_spcs", "airflow_provider_spcs.operators.spcs", "airflow_provider_spcs.sensors.spcs")


def is_heavy(module: str) -> bool:
    """Whether ``module`` is one of :data:`HEAVY_PREFIXES` or below one of them."""
    return any(module == p or module.startswith(p + ".") for p in HEAVY_PREFIXES)


IMPORTTIME_MARKER = "BENCH_OURS_START"


def _child() -> dict[str, Any]:
    import importlib

    t0 = time.perf_counter()
    rss0 = rss_kb()
    importlib.import_module("airflow.sdk")
    t1 = time.perf_counter()
    rss1 = rss_kb()
    before = set(sys.modules)
    sys.stderr.write(IMPORTTIME_MARKER + "\n")  # -X importtime lines after this are ours
    sys.stderr.flush()
    steps: dict[str, float] = {}
    for name in OUR_MODULES:
        start = time.perf_counter()
        importlib.import_module(name)
        steps[name] = (time.perf_counter() - start) * 1000
    t2 = time.perf_counter()
    rss2 = rss_kb()
    new = sorted(set(sys.modules) - before)
    return {
        "sdk_ms": (t1 - t0) * 1000,
        "sdk_rss_mb": (rss1 - rss0) / 1024,
        "extra_ms": (t2 - t1) * 1000,
        "extra_rss_mb": (rss2 - rss1) / 1024,
        "steps_ms": steps,
        "new_modules": len(new),
        "heavy_new": sorted(m for m in new if is_heavy(m)),
        "heavy_already_loaded_by_sdk": sorted({m.split(".")[0] for m in before if is_heavy(m)}),
        "httpx_new": any(m == "httpx" for m in new),
    }


def slowest_imports(top: int = 8) -> list[dict[str, Any]]:
    """One extra child under ``-X importtime``: the modules our imports pull in, by self time.

    Names what to make lazy when the time budget fails (one run: attribution, not a figure).
    """
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "benchmarks.parse_cost", "{}"],
        env=child_env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    lines = proc.stderr.splitlines()
    if IMPORTTIME_MARKER not in lines:
        return []
    rows: list[dict[str, Any]] = []
    for line in lines[lines.index(IMPORTTIME_MARKER) + 1 :]:
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|", 2))
        rows.append(
            {"module": name.strip(), "self_ms": int(self_us) / 1000, "cumulative_ms": int(cumulative_us) / 1000}
        )
    rows.sort(key=lambda r: -r["self_ms"])
    return rows[:top]


def run(repeats: int) -> dict[str, Any]:
    """Median over ``repeats`` fresh interpreters, after one discarded warm-up.

    The warm-up writes ``__pycache__`` in a fresh clone and fills the OS file cache; without it
    the first sample measures the compiler and the disk.
    """
    run_child("benchmarks.parse_cost", {})
    samples = [run_child("benchmarks.parse_cost", {})[0] for _ in range(repeats)]
    heavy = sorted({m for s in samples for m in s["heavy_new"]})
    return {
        "repeats": repeats,
        "sdk_ms": median([s["sdk_ms"] for s in samples]),
        "sdk_rss_mb": median([s["sdk_rss_mb"] for s in samples]),
        "extra_ms": median([s["extra_ms"] for s in samples]),
        "extra_rss_mb": median([s["extra_rss_mb"] for s in samples]),
        "steps_ms": {k: median([s["steps_ms"][k] for s in samples]) for k in OUR_MODULES},
        "new_modules": samples[0]["new_modules"],
        "heavy_modules": heavy,
        "heavy_already_loaded_by_sdk": samples[0]["heavy_already_loaded_by_sdk"],
        "httpx_pulled_in": any(s["httpx_new"] for s in samples),
        "slowest_imports": slowest_imports(),
    }


if __name__ == "__main__":
    child_args()
    emit(_child())
