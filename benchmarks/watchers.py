"""Figure 6 — event watchers: K ``SpcsServiceStateTrigger``\\ s and S status triggers in one event loop.

The parent creates M RUNNING services (the watched ones) and one PENDING service (the status
triggers wait on it for the whole run), then starts the child. In the child, watcher ``i`` watches
service ``i % M`` (so K distinct triggers, as K assets would have), the S status triggers wait on
the PENDING service, all of them in one schema through one connection, and a probe task measures
how late the event loop wakes it (``asyncio.sleep(0.005)`` in a loop: any lateness is time the loop
spent running something else).

Reported:

* SQL statements per poll cycle in steady state (the emulator's counter over a window of whole
  cycles) — 1 if watchers and status triggers share one ``SHOW SERVICES IN SCHEMA``, K + S if not;
* then every watched service is flipped to FAILED once: events (must be exactly K: one per watcher,
  none twice), the statements of that cycle (the listing plus one shared ``SHOW SERVICE
  CONTAINERS`` per failed service), and the lag from the flip to the last event;
* a second steady window after the flip: events in it (must be 0: edge, not level);
* the longest event-loop stall (and the 99th percentile) over the whole run, and CPU per cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from benchmarks._common import REPO_ROOT, RESULT_MARKER, Admin, child_args, child_env, delta, emit

FLIP_MARKER = "BENCH_FLIP "
CONN_ID = "snowflake_spcs_default"
SERVICES = 20
STATUS_TRIGGERS = 10
PROBE_SLEEP = 0.005


class _Probe:
    """How late the event loop wakes a task that sleeps ``PROBE_SLEEP`` seconds, again and again."""

    def __init__(self) -> None:
        self.lateness: list[float] = []

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(PROBE_SLEEP)
            self.lateness.append(max(0.0, loop.time() - before - PROBE_SLEEP))


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
            spcs_conn_id=CONN_ID, database="SPCS_DB", schema="APP", services=[services[i % len(services)]],
            poll_interval=poll,
        )
        for i in range(int(args["k"]))
    ]  # fmt: skip
    waits = [
        SpcsServiceStatusTrigger(spcs_conn_id=CONN_ID, service=f"SPCS_DB.APP.{args['pending']}", poll_interval=poll)
        for _ in range(int(args["s"]))
    ]
    events: list[tuple[float, dict[str, Any]]] = []
    all_fired = asyncio.Event()

    async def consume(trigger: Any) -> None:
        async for event in trigger.run():
            events.append((time.time(), dict(event.payload)))
            if len(events) >= len(watchers):
                all_fired.set()

    probe = _Probe()
    tasks = [asyncio.create_task(probe.run())]
    tasks += [asyncio.create_task(consume(t)) for t in [*watchers, *waits]]
    cycles = int(args["cycles"])
    try:
        await asyncio.sleep(poll * 1.5)  # the baselines, and a little more
        cpu0, before, began = time.process_time(), admin.stats(), time.time()
        await asyncio.sleep(poll * cycles)
        steady = delta(before, admin.stats())
        cpu_steady = time.process_time() - cpu0
        steady_cycles = (time.time() - began) / poll
        if events:
            raise RuntimeError(f"{len(events)} events before any change")
        sys.stdout.write(f"{FLIP_MARKER}{time.time()}\n")
        sys.stdout.flush()
        flip = float(await asyncio.to_thread(sys.stdin.readline))  # the parent flipped at this instant
        before = admin.stats()
        with contextlib.suppress(TimeoutError):  # too few events: reported, and the budget fails
            await asyncio.wait_for(all_fired.wait(), poll * 4 + 30)
        flip_counts = delta(before, admin.stats())
        fired = len(events)
        last = max((t for t, _ in events), default=float("nan"))
        await asyncio.sleep(poll * cycles)  # edge, not level: nothing more may fire
        after_flip = len(events) - fired
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        admin.close()
    lateness = sorted(probe.lateness)
    keys = [p["event_key"] for _, p in events]
    return {
        "k": len(watchers),
        "s": len(waits),
        "m": len(services),
        "poll_interval": poll,
        "steady_cycles": round(steady_cycles, 2),
        "statements_per_cycle": steady["sql_statements"] / steady_cycles,
        "requests_per_cycle": steady["requests.sql_api"] / steady_cycles,
        "cpu_ms_per_cycle": cpu_steady * 1000 / steady_cycles,
        "events": fired,
        "events_after_flip_window": after_flip,
        "duplicate_keys": len(keys) - len(set(keys)),
        "flip_statements": flip_counts["sql_statements"],
        "lag_s": last - flip,
        "loop_stall_max_ms": lateness[-1] * 1000 if lateness else 0.0,
        "loop_stall_p99_ms": lateness[int(len(lateness) * 0.99)] * 1000 if lateness else 0.0,
        "loop_stall_median_ms": statistics.median(lateness) * 1000 if lateness else 0.0,
        "probe_samples": len(lateness),
    }


def _reader(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


def run_one(emu: Any, k: int, poll_interval: float, *, cycles: int = 3, timeout: float = 300.0) -> dict[str, Any]:
    """K watchers and the status triggers in one child; the parent flips every watched service once."""
    services = [f"WATCHED_{i:03d}" for i in range(SERVICES)]
    for name in services:
        emu.add_service(name, endpoints=())
    emu.add_service("WAITED_FOR", endpoints=(), status="PENDING")
    name, value = emu.connection_env(auth_method="key_pair")
    args = {
        "account_url": emu.account_url,
        "services": services,
        "pending": "WAITED_FOR",
        "k": k,
        "s": STATUS_TRIGGERS,
        "poll_interval": poll_interval,
        "cycles": cycles,
    }
    lines: queue.Queue[str] = queue.Queue()
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
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
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
                    for service in services:
                        emu.service(service).fail("OOMKilled", exit_code=137)
                    proc.stdin.write(f"{flip}\n")
                    proc.stdin.flush()
                elif line.startswith(RESULT_MARKER):
                    result = json.loads(line[len(RESULT_MARKER) :])
        finally:
            if proc.poll() is None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            err.seek(0)
            tail = err.read()[-3000:]
        if result is None:
            raise RuntimeError(f"watchers child (K={k}) gave no result:\n{tail}")
    emu.reset()
    return result


def run(emu: Any, ks: list[int], poll_interval: float) -> dict[str, Any]:
    """One fresh child per K."""
    return {"poll_interval": poll_interval, "runs": [run_one(emu, k, poll_interval) for k in ks]}


if __name__ == "__main__":
    emit(asyncio.run(_child(child_args())))
