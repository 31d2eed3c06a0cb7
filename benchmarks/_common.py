"""Small pure helpers shared by the figures: statistics, RSS, child processes, emulator admin API."""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

#: Children print exactly one line starting with this marker, followed by their JSON result.
RESULT_MARKER = "BENCH_RESULT "

#: Bound on any one child process: a stuck child must not hang ``make bench``.
CHILD_TIMEOUT = 300.0

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The checkout the runner belongs to (children run from here)."""

_home: list[str] = []


def _airflow_home() -> str:
    """One private AIRFLOW_HOME per runner process, removed at exit (children inherit the path)."""
    if not _home:
        path = tempfile.mkdtemp(prefix="spcs-bench-airflow-home-")
        atexit.register(shutil.rmtree, path, True)
        _home.append(path)
    return _home[0]


def median(values: Sequence[float]) -> float:
    """Median of ``values`` (0.0 for none: a figure that measured nothing shows as zero, not a crash)."""
    return float(statistics.median(values)) if values else 0.0


def rss_kb() -> int:
    """Current resident set size of this process in KiB (Linux ``/proc``)."""
    return _status_field("VmRSS")


def peak_rss_kb() -> int:
    """Peak resident set size (``VmHWM``) of this process in KiB."""
    return _status_field("VmHWM")


def reset_peak_rss() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux >= 4.0: write ``5`` to ``clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _status_field(name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a child: a private AIRFLOW_HOME (never the user's) and quiet logging."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env.update(
        {
            "AIRFLOW_HOME": _airflow_home(),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
            "PYTHONWARNINGS": "ignore",
            # Loopback only: a proxy from the environment must never see emulator traffic.
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if extra:
        env.update(extra)
    return env


def run_child(
    module: str, args: Mapping[str, Any], env: Mapping[str, str] | None = None, timeout: float = CHILD_TIMEOUT
) -> tuple[dict[str, Any], float]:
    """Run ``python -m <module> '<json args>'``; return its JSON result and the wall time it took.

    :raises RuntimeError: the child failed or printed no result (its stderr tail is included).
    """
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", module, json.dumps(dict(args))],
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO_ROOT,  # ``-m benchmarks.<figure>`` must resolve to this checkout
    )
    wall = time.perf_counter() - started
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
            return result, wall
    raise RuntimeError(f"{module} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}\n{proc.stdout[-1000:]}")


def child_lines(stream: Any) -> queue.Queue[str]:
    """A queue fed with a child's output lines by a daemon thread; ``""`` once the child closed it."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return lines


def stop_child(proc: subprocess.Popen[str], err: Any) -> str:
    """Let a child finish (killed after 30 s); the tail of its stderr file ``err``."""
    if proc.poll() is None:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    err.seek(0)
    tail: str = err.read()[-3000:]
    return tail


def emit(result: Mapping[str, Any]) -> None:
    """Child side of :func:`run_child`: print the result line."""
    sys.stdout.write(RESULT_MARKER + json.dumps(dict(result)) + "\n")
    sys.stdout.flush()


def child_args() -> dict[str, Any]:
    """Child side of :func:`run_child`: the JSON arguments."""
    parsed: dict[str, Any] = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    return parsed


class Admin:
    """The emulator's HTTP admin API, for children that do not own the emulator object."""

    def __init__(self, account_url: str) -> None:
        import httpx

        self._client = httpx.Client(base_url=account_url, timeout=30.0)

    def stats(self) -> dict[str, Any]:
        """Counters (``requests`` per route, ``exchanges``, ``jwts_verified``, ...)."""
        body: dict[str, Any] = self._client.get("/_emulator/stats").json()
        return body

    def inject_latency(self, seconds: float, routes: Sequence[str]) -> None:
        """Delay every request on ``routes`` by ``seconds`` (a fault with a practically endless count)."""
        for route in routes:
            r = self._client.post("/_emulator/inject", json={"route": route, "latency": seconds, "count": 10**9})
            r.raise_for_status()

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self._client.post("/_emulator/clear_faults").raise_for_status()

    def close(self) -> None:
        """Close the admin client."""
        self._client.close()


def delta(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, int]:
    """Counter differences: ``requests.<route>`` and the named event counters (admin calls excluded)."""
    out: dict[str, int] = {}
    routes = set(before.get("requests", {})) | set(after.get("requests", {}))
    total = 0
    for route in routes:
        if route == "admin":
            continue
        n = int(after.get("requests", {}).get(route, 0)) - int(before.get("requests", {}).get(route, 0))
        out[f"requests.{route}"] = n
        total += n
    out["requests.total"] = total
    for name in ("exchanges", "jwts_verified", "tokens_minted", "sql_statements", "logins"):
        out[name] = int(after.get(name, 0)) - int(before.get(name, 0))
    return out
