"""Figure 6 — rollouts in the triggerer: K concurrent deferred upgrade waits in one event loop.

The parent creates K RUNNING services with two instances each (no endpoints, so no ingress
ports), each instance step taking two looks, and starts a child. The child does the worker's part
for every service (``ALTER SERVICE ... FROM`` the v2 specification, digests read before and after:
:meth:`SpcsHook.aupgrade_service`), says so, and waits for the parent's go: the parent zeroes the
emulator's counters, so what they count from then on is the triggers alone. The child then runs K
``SpcsServiceUpgradeTrigger`` s in one event loop next to two probes: a task sleeping 10 ms over
and over, recording how late it wakes (the stalls), and Airflow's own triggerer watchdog (sleep
0.1 s; warn when that took over 0.2 s). Reported:

* SQL statements per poll cycle by form (``SHOW SERVICES`` shared by all K, ``SHOW SERVICE
  INSTANCES`` per wait, any ``DESCRIBE``), per wait per cycle, and per look (every look of every
  wait counted in the child by wrapping ``UpgradeWait.observe``): the budget is at most 2 a look;
  cycles are counted on the clock, one at start plus one per ``poll_interval`` until the last event;
* the longest stall and its 99th percentile, the watchdog's warnings, and the process's full
  (generation 2) garbage collections, which stall the loop too: a heap holding Airflow takes a
  few hundred milliseconds to walk on this machine, whatever runs on the loop;
* CPU time per cycle, and the time from the first poll to the last event.

It runs twice, in fresh children: as is, and with the heap frozen after start-up
(``gc.collect(); gc.freeze()``, as a long-running triggerer process can do), which leaves only
the stalls the waits themselves cause.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from benchmarks._common import REPO_ROOT, RESULT_MARKER, child_args, child_env, emit

UPGRADED_MARKER = "BENCH_UPGRADED"
GO = "go"
CONN_ID = "snowflake_spcs_default"
STAGE = "@SPCS_DB.APP.SPECS"
SPEC_FILE = "bench_upgrade_v2.yaml"
PROBE_SLEEP = 0.010
WATCHDOG_SLEEP = 0.1  # Airflow's triggerer watchdog: sleep 0.1 s, warn when that took over 0.2 s
WATCHDOG_WARNS_AT = 0.2
LISTING = "SHOW SERVICES"
INSTANCES = "SHOW SERVICE INSTANCES IN SERVICE"
VARIANTS = ("as_is", "frozen_heap")

V2_SPEC = "spec:\n  containers:\n  - name: main\n    image: /spcs_db/app/images/main:v2\n"


async def _probe(stop: asyncio.Event, lags: list[tuple[float, float]]) -> None:
    """How late a 10 ms sleep wakes, over and over: the event loop's stalls, as (when, how late)."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        await asyncio.sleep(PROBE_SLEEP)
        lags.append((started, loop.time() - started - PROBE_SLEEP))


async def _watchdog(stop: asyncio.Event, elapsed: list[float]) -> None:
    """What Airflow's triggerer does to find a blocked loop: how long a 0.1 s sleep really takes."""
    while not stop.is_set():
        started = time.monotonic()
        await asyncio.sleep(WATCHDOG_SLEEP)
        elapsed.append(time.monotonic() - started)


def _gc_pauses() -> list[float]:
    """The duration of every full (generation 2) garbage collection from now on."""
    pauses: list[float] = []
    began = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif info.get("generation") == 2:
            pauses.append(time.perf_counter() - began[0])

    gc.callbacks.append(timed)
    return pauses


def _count_looks() -> list[int]:
    """Count every look of every upgrade wait from now on (the instrument; the look is unchanged)."""
    from airflow_provider_spcs.core.rollouts import UpgradeWait

    looks = [0]
    original = UpgradeWait.observe

    def counted(self: UpgradeWait, *args: Any, **kwargs: Any) -> Any:
        looks[0] += 1
        return original(self, *args, **kwargs)

    UpgradeWait.observe = counted  # type: ignore[method-assign]
    return looks


async def _child(args: dict[str, Any]) -> dict[str, Any]:
    from airflow_provider_spcs.core.specs import ServiceSpec
    from airflow_provider_spcs.hooks.spcs import SpcsHook
    from airflow_provider_spcs.triggers.spcs import SpcsServiceUpgradeTrigger

    poll = float(args["poll_interval"])
    hook = SpcsHook(CONN_ID)
    spec = ServiceSpec.stage_file(STAGE, SPEC_FILE)
    deadline = time.time() + float(args["deadline_s"])
    triggers = []
    for name in args["services"]:  # the worker's part of each task: the ALTER, before deferring
        change = await hook.aupgrade_service(name, spec)
        assert change.new_spec_digest is not None
        triggers.append(
            SpcsServiceUpgradeTrigger(
                spcs_conn_id=CONN_ID,
                service=name,
                spec_digest=change.new_spec_digest,
                previous_spec_digest=change.old_spec_digest,
                not_before=change.altered_at,
                deadline=deadline,
                poll_interval=poll,
            )
        )
    await hook.aclose()
    if args["freeze_heap"]:
        gc.collect()
        gc.freeze()
    sys.stdout.write(UPGRADED_MARKER + "\n")
    sys.stdout.flush()
    if sys.stdin.readline().strip() != GO:
        raise RuntimeError("the parent did not say go")

    async def consume(trigger: SpcsServiceUpgradeTrigger) -> tuple[float, dict[str, Any]]:
        async for event in trigger.run():
            return time.time(), dict(event.payload)
        raise RuntimeError("trigger ended without an event")

    stop = asyncio.Event()
    lags: list[tuple[float, float]] = []
    watched: list[float] = []
    gc_pauses = _gc_pauses()
    looks = _count_looks()
    probes = [asyncio.create_task(_probe(stop, lags)), asyncio.create_task(_watchdog(stop, watched))]
    cpu0 = time.process_time()
    started = time.time()
    loop_started = asyncio.get_running_loop().time()
    results = await asyncio.wait_for(asyncio.gather(*(consume(t) for t in triggers)), float(args["deadline_s"]) + 30)
    cpu = time.process_time() - cpu0
    stop.set()
    await asyncio.gather(*probes)
    last = max(t for t, _ in results)
    cycles = 1 + math.floor((last - started) / poll)
    ordered = sorted(lag for _, lag in lags)
    worst_at, _ = max(lags, key=lambda sample: sample[1]) if lags else (loop_started, 0.0)
    return {
        "k": len(triggers),
        "poll_interval": poll,
        "heap": "frozen" if args["freeze_heap"] else "as is",
        "statuses": sorted({str(p.get("status")) for _, p in results}),
        "messages": sorted({str(p.get("message")) for _, p in results})[:3],
        "poll_cycles": cycles,
        "looks": looks[0],
        "elapsed_s": last - started,
        "cpu_ms_per_cycle": cpu * 1000 / cycles,
        "probe_samples": len(ordered),
        "longest_stall_ms": ordered[-1] * 1000 if ordered else 0.0,
        "p99_stall_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000 if ordered else 0.0,
        "longest_stall_at_s": worst_at - loop_started,
        "watchdog_longest_s": max(watched, default=0.0),
        "watchdog_warnings": sum(1 for e in watched if e > WATCHDOG_WARNS_AT),
        "gc_full_collections": len(gc_pauses),
        "gc_longest_ms": max(gc_pauses, default=0.0) * 1000,
    }


def _reader(stream: Any, lines: list[str], ready: threading.Event) -> None:
    for line in stream:
        lines.append(line)
        if line.startswith(UPGRADED_MARKER):
            ready.set()
    ready.set()


def run_one(emu: Any, k: int, poll_interval: float, *, freeze_heap: bool, timeout: float = 240.0) -> dict[str, Any]:
    """K rollouts waited on in one child's event loop; the emulator's statement counts for them."""
    from airflow_provider_spcs.testing.model import Pace

    names = [f"SPCS_DB.APP.BENCH_ROLL_{i:04d}" for i in range(k)]
    emu.add_stage_file(STAGE, SPEC_FILE, V2_SPEC)
    for name in names:
        emu.add_service(name.rsplit(".", 1)[1], endpoints=(), instances=2).instance_pace = Pace(polls=2)
    env_name, env_value = emu.connection_env(auth_method="key_pair")
    args = {"services": names, "poll_interval": poll_interval, "deadline_s": timeout - 60, "freeze_heap": freeze_heap}
    lines: list[str] = []
    ready = threading.Event()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.upgrades", json.dumps(args)],
            env=child_env({env_name: env_value}),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=REPO_ROOT,
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        reader = threading.Thread(target=_reader, args=(proc.stdout, lines, ready), daemon=True)
        reader.start()
        try:
            if not ready.wait(timeout) or not any(line.startswith(UPGRADED_MARKER) for line in lines):
                raise RuntimeError("the child did not start its upgrades")
            emu.reset_stats()  # from here on the counters see the triggers only
            proc.stdin.write(GO + "\n")
            proc.stdin.flush()
            proc.wait(timeout=timeout)
            reader.join(timeout=10)  # the result line may still be in the pipe
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            err.seek(0)
            tail = err.read()[-3000:]
    found = [line for line in lines if line.startswith(RESULT_MARKER)]
    if not found:
        raise RuntimeError(f"upgrade child (K={k}) gave no result:\n{tail}")
    result: dict[str, Any] = json.loads(found[-1][len(RESULT_MARKER) :])
    counts = emu.statement_counts()
    cycles = result["poll_cycles"]
    statements = sum(counts.values())
    result.update(
        {
            "statement_counts": counts,
            "statements_per_cycle": statements / cycles,
            "listings_per_cycle": counts.get(LISTING, 0) / cycles,
            "instance_reads_per_cycle": counts.get(INSTANCES, 0) / cycles,
            "statements_per_wait_per_cycle": statements / (cycles * k),
            "statements_per_look": statements / max(1, result["looks"]),
        }
    )
    emu.reset()  # drop the K services before the next run
    return result


def run(emu: Any, k: int, poll_interval: float) -> dict[str, Any]:
    """Both variants (:data:`VARIANTS`), each in a fresh child."""
    return {
        "k": k,
        "poll_interval": poll_interval,
        **{v: run_one(emu, k, poll_interval, freeze_heap=v == "frozen_heap") for v in VARIANTS},
    }


if __name__ == "__main__":
    emit(asyncio.run(_child(child_args())))
