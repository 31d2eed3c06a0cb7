"""Figure 6 — event watchers: K ``SpcsServiceStateTrigger``\\ s and S status triggers in one event loop.

The parent creates K RUNNING services and one PENDING service (the status triggers wait on it for
the whole run), then starts the child. In the child, watcher ``i`` watches service ``i`` (K
distinct triggers, as K assets would have), the S status triggers wait on the PENDING service, all
of them in one schema through one connection, and a probe task measures how late the event loop
wakes it (``asyncio.sleep(0.005)`` in a loop: any lateness is time the loop spent running
something else; Airflow's triggerer warns when its own 0.1 s sleep comes back 0.1 s late).

Reported:

* SQL statements per poll cycle in steady state (the emulator's counter over a window of whole
  cycles) — 1 if watchers and status triggers share one ``SHOW SERVICES IN SCHEMA``, K + S if not;
* then F of the services are flipped to FAILED at once: events (must be exactly F: one per
  watcher of a failed service, none twice), the statements of that cycle (the listing plus one
  ``SHOW SERVICE CONTAINERS`` per failed service), and the lag from the flip to the last event;
* a second steady window after the flip: events in it (must be 0: edge, not level);
* the longest event-loop stall per phase (start, steady, flip, after) and its 99th percentile, as
  the probe saw it (wall clock: it includes the time the operating system ran other processes);
* the most CPU time one loop iteration took (the loop's own work, however the machine is shared):
  the budget line;
* the longest full (generation 2) garbage collection: the interpreter stops everything for it, and
  in a process that imported Airflow it takes a good part of a second on a busy machine, so the
  stall and iteration figures are also given without what a full collection overlapped; CPU per cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
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
    stop_child,
)

FLIP_MARKER = "BENCH_FLIP "
CONN_ID = "snowflake_spcs_default"
FLIPPED = 20
STATUS_TRIGGERS = 10
PROBE_SLEEP = 0.005


class _Probe:
    """How late the event loop wakes a task that sleeps ``PROBE_SLEEP`` seconds, again and again."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float, float]] = []  # (asleep at, woke at, lateness), wall clock

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, asleep = loop.time(), time.time()
            await asyncio.sleep(PROBE_SLEEP)
            self.samples.append((asleep, time.time(), max(0.0, loop.time() - before - PROBE_SLEEP)))

    def worst(self, since: float, until: float, *, skip: Sequence[tuple[float, float]] = ()) -> float:
        """The longest stall (ms) sampled between two instants, leaving out samples that overlap ``skip`` spans."""
        return 1000 * max(
            (
                late
                for asleep, woke, late in self.samples
                if since <= woke < until and not any(a < woke and asleep < b for a, b in skip)
            ),
            default=0.0,
        )


class _Iterations:
    """The event loop thread's CPU time per loop iteration (``BaseEventLoop._run_once``).

    Wall-clock lateness (the probe) also counts the time the operating system gave the CPU to
    other processes, which on a shared 2-core machine dwarfs everything; CPU time per iteration is
    what the loop's own callbacks cost, the part a trigger is answerable for.
    """

    def __init__(self) -> None:
        self.samples: list[tuple[float, float, float]] = []  # (began, ended, cpu seconds), wall clock
        # A private method of asyncio, patched in this benchmark's own process only.
        loop_class: Any = asyncio.base_events.BaseEventLoop
        self._original = original = loop_class._run_once
        samples = self.samples

        def timed(loop: Any) -> None:
            began, cpu = time.time(), time.thread_time()
            original(loop)
            samples.append((began, time.time(), time.thread_time() - cpu))

        loop_class._run_once = timed

    def close(self) -> None:
        loop_class: Any = asyncio.base_events.BaseEventLoop
        loop_class._run_once = self._original

    def worst(self, since: float, until: float, *, skip: Sequence[tuple[float, float]] = ()) -> float:
        """The most CPU (ms) one iteration took between two instants, leaving out iterations overlapping ``skip``."""
        return 1000 * max(
            (
                cpu
                for began, ended, cpu in self.samples
                if since <= ended < until and not any(a < ended and began < b for a, b in skip)
            ),
            default=0.0,
        )


class _FullCollections:
    """When the interpreter ran full (generation 2) garbage collections: ``(start, end)`` wall clock."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._began = 0.0
        gc.callbacks.append(self._observe)

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.time()
        else:
            self.spans.append((self._began, time.time()))

    def close(self) -> None:
        gc.callbacks.remove(self._observe)

    @property
    def longest_ms(self) -> float:
        return 1000 * max((b - a for a, b in self.spans), default=0.0)


async def _child(args: dict[str, Any]) -> dict[str, Any]:
    from airflow_provider_spcs.hooks.spcs import SpcsHook
    from airflow_provider_spcs.triggers.spcs import SpcsServiceStateTrigger, SpcsServiceStatusTrigger

    admin = Admin(args["account_url"])
    hook = SpcsHook(CONN_ID)
    await hook.aget_service_status("ECHO_SERVICE")  # warm-up: lazy imports, key, token
    await hook.aclose()
    poll = float(args["poll_interval"])
    services: list[str] = args["services"]
    watchers = [
        SpcsServiceStateTrigger(
            spcs_conn_id=CONN_ID, database="SPCS_DB", schema="APP", services=[service], poll_interval=poll
        )
        for service in services
    ]  # fmt: skip
    waits = [
        SpcsServiceStatusTrigger(spcs_conn_id=CONN_ID, service=f"SPCS_DB.APP.{args['pending']}", poll_interval=poll)
        for _ in range(int(args["s"]))
    ]
    events: list[tuple[float, dict[str, Any]]] = []
    per_trigger: dict[int, int] = {}
    all_fired = asyncio.Event()

    async def consume(trigger: Any) -> None:
        async for event in trigger.run():
            events.append((time.time(), dict(event.payload)))
            per_trigger[id(trigger)] = per_trigger.get(id(trigger), 0) + 1
            if len(events) >= int(args["flipped"]):
                all_fired.set()

    async def stats() -> dict[str, Any]:
        return await asyncio.to_thread(admin.stats)  # a blocking call must not stall the loop measured

    probe, collections, iterations = _Probe(), _FullCollections(), _Iterations()
    tasks = [asyncio.create_task(probe.run())]
    cycles = int(args["cycles"])
    started = time.time()
    try:
        for trigger in [*watchers, *waits]:
            # As the triggerer starts its triggers: one task each, yielding to the loop in between.
            tasks.append(asyncio.create_task(consume(trigger)))
            await asyncio.sleep(0)
        await asyncio.sleep(poll * 1.5)  # the baselines, and a little more
        cpu0, before, began = time.process_time(), await stats(), time.time()
        await asyncio.sleep(poll * cycles)
        steady = delta(before, await stats())
        cpu_steady = time.process_time() - cpu0
        steady_cycles = (time.time() - began) / poll
        if events:
            raise RuntimeError(f"{len(events)} events before any change")
        sys.stdout.write(f"{FLIP_MARKER}{time.time()}\n")
        sys.stdout.flush()
        flip = float(await asyncio.to_thread(sys.stdin.readline))  # the parent flipped at this instant
        before = await stats()
        with contextlib.suppress(TimeoutError):  # too few events: reported, and the budget fails
            await asyncio.wait_for(all_fired.wait(), poll * 4 + 30)
        flip_counts = delta(before, await stats())
        fired = len(events)
        last = max((t for t, _ in events), default=float("nan"))
        settled = time.time()
        await asyncio.sleep(poll * cycles)  # edge, not level: nothing more may fire
        after_flip = len(events) - fired
        ended = time.time()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        admin.close()
        collections.close()
        iterations.close()
    lateness = sorted(late for _, _, late in probe.samples)
    phases = {
        "start and baselines": (started, began),
        "steady": (began, flip),
        "flip to last event": (flip, settled),
        "after": (settled, ended),
    }
    return {
        "k": len(watchers),
        "s": len(waits),
        "flipped": int(args["flipped"]),
        "poll_interval": poll,
        "steady_cycles": round(steady_cycles, 2),
        "statements_per_cycle": steady["sql_statements"] / steady_cycles,
        "requests_per_cycle": steady["requests.sql_api"] / steady_cycles,
        "cpu_ms_per_cycle": cpu_steady * 1000 / steady_cycles,
        "events": fired,
        "events_after_flip_window": after_flip,
        "watchers_firing_twice": sum(1 for n in per_trigger.values() if n > 1),
        "flip_statements": flip_counts["sql_statements"],
        "lag_s": last - flip,
        "loop_stall_max_ms": lateness[-1] * 1000 if lateness else 0.0,
        "loop_stall_ms_by_phase": {name: probe.worst(*span) for name, span in phases.items()},
        "loop_stall_without_gc_ms_by_phase": {
            name: probe.worst(*span, skip=collections.spans) for name, span in phases.items()
        },
        "loop_stall_without_gc_max_ms": probe.worst(started, ended, skip=collections.spans),
        "loop_iteration_cpu_ms_by_phase": {
            name: iterations.worst(*span, skip=collections.spans) for name, span in phases.items()
        },
        "loop_iteration_cpu_max_ms": iterations.worst(started, ended, skip=collections.spans),
        "full_gc_longest_ms": collections.longest_ms,
        "full_gc_count": len(collections.spans),
        "loop_stall_p99_ms": lateness[int(len(lateness) * 0.99)] * 1000 if lateness else 0.0,
        "loop_stall_median_ms": statistics.median(lateness) * 1000 if lateness else 0.0,
        "probe_samples": len(lateness),
    }


def run_one(emu: Any, k: int, poll_interval: float, *, cycles: int = 3, timeout: float = 300.0) -> dict[str, Any]:
    """K watchers and the status triggers in one child; the parent makes F watched services fail once."""
    services = [f"WATCHED_{i:04d}" for i in range(k)]
    for name in services:
        emu.add_service(name, endpoints=())
    emu.add_service("WAITED_FOR", endpoints=(), status="PENDING")
    name, value = emu.connection_env(auth_method="key_pair")
    args = {
        "account_url": emu.account_url,
        "services": services,
        "pending": "WAITED_FOR",
        "flipped": min(k, FLIPPED),
        "s": STATUS_TRIGGERS,
        "poll_interval": poll_interval,
        "cycles": cycles,
    }
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.watchers", json.dumps(args)],
            env=child_env({name: value}),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=REPO_ROOT,
        )
        assert proc.stdout is not None
        assert proc.stdin is not None
        lines = child_lines(proc.stdout)
        result: dict[str, Any] | None = None
        until = time.monotonic() + timeout
        try:
            while time.monotonic() < until and result is None:
                try:
                    line = lines.get(timeout=1.0)
                except queue.Empty:
                    continue
                if line == "":
                    break
                if line.startswith(FLIP_MARKER):
                    flip = time.time()
                    for service in services[: args["flipped"]]:
                        emu.service(service).fail("OOMKilled", exit_code=137)
                    proc.stdin.write(f"{flip}\n")
                    proc.stdin.flush()
                elif line.startswith(RESULT_MARKER):
                    result = json.loads(line[len(RESULT_MARKER) :])
        finally:
            tail = stop_child(proc, err)
        if result is None:
            raise RuntimeError(f"watchers child (K={k}) gave no result:\n{tail}")
    emu.reset()
    return result


def run(emu: Any, ks: list[int], poll_interval: float) -> dict[str, Any]:
    """One fresh child per K."""
    return {"poll_interval": poll_interval, "runs": [run_one(emu, k, poll_interval) for k in ks]}


if __name__ == "__main__":
    emit(asyncio.run(_child(child_args())))
