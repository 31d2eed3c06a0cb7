"""``python -m benchmarks`` (``make bench``): run every figure, print one table, write JSON.

Usage: ``python -m benchmarks [--quick] [--out PATH] [--only FIGURE ...]``. ``--quick`` shrinks
repeats, N, C and K for a fast sanity run; its numbers are not the published ones.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from benchmarks import calls, cold_latency, machine, parse_cost, report, triggerer, upgrades, watchers

FIGURES = ("parse", "cold", "calls", "triggers", "upgrades", "watchers")
DEFAULT_OUT = pathlib.Path(__file__).resolve().parent / "results" / "latest.json"
TRIGGER_POLL_INTERVAL = 2.0
UPGRADE_WAITS = 100
UPGRADE_POLL_INTERVAL = 2.0


def _emulator_sends_at_once() -> bool:
    """Whether the emulator's sockets get TCP_NODELAY (asyncio sets it only for ``IPPROTO_TCP`` sockets).

    Without it every keep-alive request waits ~40 ms for Nagle + delayed ACK, which would bury
    every client-side figure; the run says so instead of publishing such numbers silently.
    """
    from airflow_provider_spcs.testing import server

    probe = server.bind_socket("127.0.0.1", 0)
    try:
        return bool(probe.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)) or probe.proto == socket.IPPROTO_TCP
    finally:
        probe.close()


def _figure(results: dict[str, Any], name: str, fn: Callable[[], dict[str, Any]]) -> None:
    started = time.perf_counter()
    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
    try:
        results[name] = fn()
    except Exception as exc:  # one broken figure must not hide the others: it shows as FAIL lines
        traceback.print_exc(file=sys.stderr)
        results[name] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    results.setdefault("figure_seconds", {})[name] = round(time.perf_counter() - started, 1)
    print(f"[bench] {name} done in {results['figure_seconds'][name]} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes and single repeats (sanity run)")
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT, help="JSON results path")
    parser.add_argument("--only", nargs="+", choices=FIGURES, help="run only these figures")
    args = parser.parse_args(argv)
    only = set(args.only or FIGURES)
    started = time.perf_counter()
    results: dict[str, Any] = {"quick": args.quick, "machine": machine.describe()}

    if "parse" in only:
        _figure(results, "parse", lambda: parse_cost.run(1 if args.quick else 5))

    if only & {"cold", "calls", "triggers", "upgrades", "watchers"}:
        results["emulator_tcp_nodelay"] = _emulator_sends_at_once()
        if not results["emulator_tcp_nodelay"]:
            print("[bench] WARNING: emulator sockets lack TCP_NODELAY: ~40 ms per keep-alive call", file=sys.stderr)
        from airflow_provider_spcs.testing import SpcsEmulator

        with SpcsEmulator() as emu:
            if "cold" in only:
                _figure(results, "cold", lambda: cold_latency.run(emu, 1 if args.quick else 3))
            if "calls" in only:
                emu.reset()
                _figure(results, "calls", lambda: calls.run(emu, args.quick))
            if "triggers" in only:
                emu.reset()
                ks = [10] if args.quick else [10, 100, 1000]
                poll = 0.5 if args.quick else TRIGGER_POLL_INTERVAL
                _figure(results, "triggers", lambda: triggerer.run(emu, ks, poll))
            if "upgrades" in only:
                emu.reset()
                waits = 10 if args.quick else UPGRADE_WAITS
                every = 0.5 if args.quick else UPGRADE_POLL_INTERVAL
                _figure(results, "upgrades", lambda: upgrades.run(emu, waits, every))
            if "watchers" in only:
                emu.reset()
                ks = [10] if args.quick else [10, 100, 1000]
                poll = 0.5 if args.quick else TRIGGER_POLL_INTERVAL
                _figure(results, "watchers", lambda: watchers.run(emu, ks, poll))

    results["budgets"] = report.budgets(results)
    results["machine"]["load_average_end"] = machine.load_average()
    results["runtime_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")

    m = results["machine"]
    print(
        f"Machine: {m['nproc']} x {m['cpu_model']}, Python {m['python']}, {m['os']}, "
        f"load {m['load_average_start']} -> {m['load_average_end']}, commit {m['git_commit']}"
    )
    print("Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))
    print(report.render(results))
    print(f"\nRuntime {results['runtime_s']} s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
