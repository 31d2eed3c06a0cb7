"""Runs figures 3 (repeated calls) and 4 (async fan-out) in one client process.

One process saves an Airflow import (seconds on a busy 2-core machine); every timed run still
starts from cold token caches. The parent passes the plan; the child switches the emulator's
latency through its admin API between phases.
"""

from __future__ import annotations

from typing import Any

from benchmarks import fanout, repeated
from benchmarks._common import Admin, child_args, emit, run_child

CALL_COUNTS = (1, 10, 100, 1000)
CONCURRENCY = (10, 100, 500)
VARIANTS = ("hook", "bare", "tutorial")
WAN_LATENCY = 0.020
"""Seconds the emulator adds to every request in the second phase (a realistic WAN round trip)."""
TUTORIAL_CAP = 100
"""The tutorial pattern builds two new clients (TLS context included) per call: ~0.2 s a call here,
so N=1000 would take minutes per phase and tell nothing N=100 does not. It is capped at N=100."""


def repeats_for(n: int, variant: str, quick: bool) -> int:
    """Fewer repeats for bigger N (each run already has N per-call samples) and for the slow tutorial."""
    if quick:
        return 1
    if variant == "tutorial":
        return {1: 5, 10: 3}.get(n, 1)
    return {1: 7, 10: 5, 100: 3}.get(n, 1)


def plan(quick: bool) -> dict[str, Any]:
    """What the child runs (quick: small N and C, for smoke runs)."""
    return {
        "counts": [1, 10] if quick else list(CALL_COUNTS),
        "concurrency": [10] if quick else list(CONCURRENCY),
        "quick": quick,
    }


def _interleaved(admin: Admin, url: str, n: int, tutorial: repeated.Tutorial, quick: bool) -> list[dict[str, Any]]:
    """All variants for one N, repeat by repeat (hook, bare, tutorial, hook, ...), so that load
    drifting on a shared machine hits every variant alike."""
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for rep in range(max(repeats_for(n, v, quick) for v in VARIANTS)):
        for variant in VARIANTS:
            if variant == "tutorial" and n > TUTORIAL_CAP:
                continue
            if rep < repeats_for(n, variant, quick):
                runs[variant].append(repeated.run_once(admin, url, variant, n, tutorial))
    return [repeated.summarize(v, n, runs[v]) if runs[v] else {"variant": v, "n": n, "skipped": True} for v in VARIANTS]


def _child(args: dict[str, Any]) -> dict[str, Any]:
    admin = Admin(args["account_url"])
    url = args["url"]
    rows: list[dict[str, Any]] = []
    tutorial = repeated.Tutorial()
    try:
        for phase, latency in (("loopback", 0.0), ("wan20ms", WAN_LATENCY)):
            admin.clear_faults()
            if latency:
                admin.inject_latency(latency, args["routes"])
            for n in args["counts"]:
                rows.extend({"phase": phase, **row} for row in _interleaved(admin, url, n, tutorial, args["quick"]))
        admin.clear_faults()
        fan = [fanout.measure(admin, url, c, 1 if args["quick"] else 3) for c in args["concurrency"]]
    finally:
        admin.clear_faults()
        admin.close()
    return {"repeated": rows, "fanout": fan}


def run(emu: Any, quick: bool) -> dict[str, Any]:
    """Run the child with a key_pair connection (the method that exchanges tokens)."""
    from airflow_provider_spcs.testing.control.faults import ROUTES

    name, value = emu.connection_env(auth_method="key_pair")
    args = {**plan(quick), "account_url": emu.account_url, "url": emu.ingress_url(), "routes": list(ROUTES)}
    result, wall = run_child("benchmarks.calls", args, env={name: value}, timeout=900)
    result["wall_s"] = wall
    return result


if __name__ == "__main__":
    emit(_child(child_args()))
