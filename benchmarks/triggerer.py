"""Figure 5 — triggerer scale: K status triggers in one event loop, as in one triggerer process.

The parent creates K PENDING services (no public endpoints, so no ingress ports), starts the child,
waits until the child's triggers are polling, lets at least one poll cycle see PENDING, then flips
every service to RUNNING at a recorded instant. The child reports:

* SQL API requests per poll cycle (total SQL API requests / poll cycles, where cycles are counted
  on the clock: one at start plus one per ``poll_interval`` until the last event) — K if every
  trigger polls on its own, 1 per schema if polls were coalesced (plus one per extra result
  partition: the emulator, like Snowflake, splits large results); and SQL statements per cycle;
* JWT signatures (PyJWT ``encode`` calls, counted in the child) and token exchanges (emulator);
* peak RSS added per trigger (``VmHWM`` reset before the triggers start);
* CPU time per poll (process CPU time / SQL API requests);
* lag from the flip to the last event;
* the longest event-loop stall: a probe task sleeps :data:`PROBE_PERIOD` in a loop and records by
  how much each sleep overshoots, from before the trigger module is imported on the loop (as
  Airflow's triggerer does) through a first cold trigger and the K triggers to the last event.
  Airflow's watchdog warns at 0.1 s of stall (it sleeps 0.1 s and reports more than 0.2 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import math
import queue
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks._common import (
    REPO_ROOT,
    RESULT_MARKER,
    Admin,
    child_args,
    child_env,
    child_lines,
    delta,
    emit,
    peak_rss_kb,
    reset_peak_rss,
    rss_kb,
    stop_child,
)

STARTED_MARKER = "BENCH_STARTED "
CONN_ID = "snowflake_spcs_default"
PROBE_PERIOD = 0.005
"""Seconds the loop-lag probe sleeps between looks."""


class LoopLagProbe:
    """A task that sleeps :data:`PROBE_PERIOD` again and again and keeps the worst overshoot.

    An overshoot is time the event loop spent running something else: a stall every task of the
    loop (every trigger of a triggerer) shares. ``phase`` names what is going on, so each phase
    gets its own worst value (a stall counts for the phase its sleep began in); :data:`HOUSEKEEPING`
    is the benchmark's own work (``gc.collect``, counters), kept apart.
    """

    HOUSEKEEPING = "benchmark housekeeping"

    def __init__(self) -> None:
        self.phase = "start"
        self.worst: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> LoopLagProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def enter(self, phase: str) -> None:
        """Start ``phase``, once the probe's next sleep begins in it (a stall in work that follows
        at once, without yielding, then counts for this phase)."""
        self.phase = phase
        await asyncio.sleep(PROBE_PERIOD * 2)

    async def _run(self) -> None:
        while True:
            phase, started = self.phase, time.perf_counter()
            await asyncio.sleep(PROBE_PERIOD)
            lag = time.perf_counter() - started - PROBE_PERIOD
            if lag > self.worst.get(phase, 0.0):
                self.worst[phase] = lag

    async def stop(self) -> dict[str, float]:
        """Stop probing; the worst overshoot of each phase but housekeeping, in milliseconds."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return {phase: round(lag * 1000, 1) for phase, lag in self.worst.items() if phase != self.HOUSEKEEPING}


def _count_signatures() -> list[int]:
    """Count PyJWT ``encode`` calls from now on (the provider calls ``jwt.encode`` at sign time)."""
    import jwt

    counter = [0]
    original = jwt.encode

    def counting(*args: Any, **kwargs: Any) -> str:
        counter[0] += 1
        return original(*args, **kwargs)

    jwt.encode = counting
    return counter


async def _first_event(trigger: Any) -> tuple[float, dict[str, Any]]:
    async for event in trigger.run():
        return time.time(), dict(event.payload)
    raise RuntimeError("trigger ended without an event")


#: What a triggerer process has imported before it meets a trigger of ours.
TRIGGERER_MODULES = ("airflow.sdk", "airflow.triggers.base")


async def _child(args: dict[str, Any]) -> dict[str, Any]:
    for name in TRIGGERER_MODULES:
        importlib.import_module(name)
    probe = LoopLagProbe().start()
    # As in a triggerer: the trigger class is imported on the event loop, then a first trigger
    # runs cold (every lazily imported module, the connection, the key, the TLS context). It also
    # warms up, so the RSS baseline below holds code, not triggers.
    await probe.enter("import")
    triggers_module = importlib.import_module("airflow_provider_spcs.triggers.spcs")
    trigger_class = triggers_module.SpcsServiceStatusTrigger
    await probe.enter("first trigger")
    await _first_event(trigger_class(spcs_conn_id=CONN_ID, service="ECHO_SERVICE", poll_interval=0.5))
    await probe.enter(probe.HOUSEKEEPING)
    from benchmarks.repeated import reset_token_caches

    admin = Admin(args["account_url"])
    reset_token_caches()
    signatures = _count_signatures()
    poll = float(args["poll_interval"])
    deadline = time.time() + float(args["deadline_s"])
    triggers = [
        trigger_class(spcs_conn_id=CONN_ID, service=name, poll_interval=poll, deadline=deadline)
        for name in args["services"]
    ]
    before = admin.stats()
    gc.collect()
    peak_reset = reset_peak_rss()
    rss0 = rss_kb()
    cpu0 = time.process_time()

    started = time.time()
    sys.stdout.write(f"{STARTED_MARKER}{started}\n")
    sys.stdout.flush()
    await probe.enter("k triggers")
    running = []
    for trigger in triggers:  # one per loop step, as Airflow's triggerer starts them
        running.append(asyncio.ensure_future(_first_event(trigger)))
        await asyncio.sleep(0)
    results = await asyncio.wait_for(asyncio.gather(*running), float(args["deadline_s"]) + 30)
    stalls = await probe.stop()
    cpu = time.process_time() - cpu0
    peak = peak_rss_kb() if peak_reset else rss_kb()
    counts = delta(before, admin.stats())
    admin.close()
    last = max(t for t, _ in results)
    statuses = sorted({str(p.get("status")) for _, p in results})
    polls = counts.get("requests.sql_api", 0)
    cycles = 1 + math.floor((last - started) / poll)
    return {
        "k": len(triggers),
        "started": started,
        "last_event": last,
        "statuses": statuses,
        "sql_api_requests": polls,
        "poll_cycles": cycles,
        "requests_per_cycle": polls / cycles,
        # Statements, not requests: a large result comes back in several SQL API partitions.
        "sql_statements": counts.get("sql_statements", 0),
        "statements_per_cycle": counts.get("sql_statements", 0) / cycles,
        "jwt_signatures": signatures[0],
        "exchanges": counts["exchanges"],
        "tokens": signatures[0] + counts["exchanges"],
        "rss_added_kb_per_trigger": (peak - rss0) / len(triggers),
        "peak_rss_exact": peak_reset,
        "cpu_ms_per_poll": cpu * 1000 / polls if polls else 0.0,
        "cpu_ms_per_cycle": cpu * 1000 / cycles,
        # the longest event-loop stall of each phase, and of the whole run
        "stall_ms": stalls,
        "max_stall_ms": max(stalls.values(), default=0.0),
    }


def run_one(emu: Any, k: int, poll_interval: float, timeout: float = 240.0) -> dict[str, Any]:
    """K triggers in one child; the parent flips the services once the child polls."""
    names = [f"BENCH_K{k}_{i:04d}" for i in range(k)]
    for name in names:
        emu.add_service(name, endpoints=(), status="PENDING")
    name, value = emu.connection_env(auth_method="key_pair")
    args = {
        "account_url": emu.account_url,
        "services": names,
        "poll_interval": poll_interval,
        "deadline_s": timeout - 60,
    }
    with tempfile.TemporaryFile("w+") as err:
        import json

        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.triggerer", json.dumps(args)],
            env=child_env({name: value}),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=REPO_ROOT,
        )
        assert proc.stdout is not None
        lines = child_lines(proc.stdout)
        try:
            result = _drive(emu, names, lines, poll_interval, time.monotonic() + timeout)
        finally:
            tail = stop_child(proc, err)
        if result is None:
            raise RuntimeError(f"triggerer child (K={k}) gave no result:\n{tail}")
    emu.reset()  # drop the K services (and zero counters) before the next figure
    return result


def _drive(emu: Any, names: list[str], lines: queue.Queue[str], poll: float, until: float) -> dict[str, Any] | None:
    flip: float | None = None
    while time.monotonic() < until:
        try:
            line = lines.get(timeout=max(0.1, min(1.0, until - time.monotonic())))
        except queue.Empty:
            continue
        if line == "":
            return None  # the child exited
        if line.startswith(STARTED_MARKER) and flip is None:
            # Let at least one full poll cycle see PENDING before the flip.
            time.sleep(poll * 1.5)
            flip = time.time()
            for name in names:
                emu.service(name).set_status("RUNNING")
        elif line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json_loads(line[len(RESULT_MARKER) :])
            assert flip is not None
            result["flip"] = flip
            result["lag_s"] = result["last_event"] - flip
            result["poll_interval"] = poll
            return result
    return None


def json_loads(text: str) -> dict[str, Any]:
    """``json.loads`` typed as a dict (children only emit objects)."""
    import json

    value: dict[str, Any] = json.loads(text)
    return value


def run(emu: Any, ks: list[int], poll_interval: float) -> dict[str, Any]:
    """One fresh child per K (so RSS and caches start clean each time)."""
    return {"poll_interval": poll_interval, "runs": [run_one(emu, k, poll_interval) for k in ks]}


if __name__ == "__main__":
    emit(asyncio.run(_child(child_args())))
