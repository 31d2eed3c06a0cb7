"""Figure 2 — cold task latency: fresh process -> hook from ``AIRFLOW_CONN_`` -> first ingress response.

What a worker pays for the first endpoint call of a task, per auth method. The parent measures wall
time from spawning the interpreter to its exit; the child splits its own part into import (airflow
SDK plus our hook), connection read + hook build, and the first request (token work included:
key parse + JWT + exchange for key_pair, the PAT as is, a connector session for spcs_token and
password).
"""

from __future__ import annotations

import os
import time
from typing import Any

from benchmarks._common import child_args, delta, emit, median, run_child

METHODS = ("key_pair", "pat", "spcs_token", "password")


def _child(url: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    t1 = time.perf_counter()
    hook = SpcsHook()
    hook.get_config()  # reads AIRFLOW_CONN_SNOWFLAKE_SPCS_DEFAULT
    t2 = time.perf_counter()
    response = hook.request("GET", url + "/cold")
    t3 = time.perf_counter()
    hook.close()
    return {
        "status": response.status_code,
        "import_ms": (t1 - t0) * 1000,
        "hook_ms": (t2 - t1) * 1000,
        "first_request_ms": (t3 - t2) * 1000,
        "in_process_ms": (t3 - t0) * 1000,
    }


def run(emu: Any, repeats: int) -> dict[str, Any]:
    """For each auth method, ``repeats`` fresh processes (methods interleaved so load drifts evenly)."""
    url = emu.ingress_url()
    samples: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
    for _ in range(repeats):
        for method in METHODS:
            name, value = emu.connection_env(auth_method=method)
            before = emu.stats()
            result, wall = run_child("benchmarks.cold_latency", {"url": url}, env={name: value})
            counts = delta(before, emu.stats())
            if result["status"] != 200:
                raise RuntimeError(f"cold {method}: HTTP {result['status']}")
            samples[method].append({**result, "wall_ms": wall * 1000, **counts})
    out: dict[str, Any] = {"repeats": repeats}
    for method, rows in samples.items():
        out[method] = {
            key: median([float(r[key]) for r in rows])
            for key in ("wall_ms", "in_process_ms", "import_ms", "hook_ms", "first_request_ms")
        }
        out[method]["exchanges"] = max(int(r["exchanges"]) for r in rows)
        out[method]["logins"] = max(int(r["logins"]) for r in rows)
        out[method]["requests"] = max(int(r["requests.total"]) for r in rows)
    return out


if __name__ == "__main__":
    emit(_child(str(child_args()["url"])))
    os._exit(0)  # skip interpreter teardown noise (connector atexit logout is measured elsewhere)
