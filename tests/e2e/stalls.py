"""What blocks the triggerer's event loop: py-spy samples the triggerer, this reads the samples.

Airflow's watchdog only says *that* the loop was blocked. py-spy (``record --idle --format
speedscope``) keeps every sample of every thread in order, idle ones included, 100 per second.
Consecutive samples of the trigger runner's event-loop thread inside a loop callback
(``Handle._run`` in asyncio) are time the loop could not run anything else; a run of them longer
than a threshold is a stall, and the call chains sampled inside it say what blocked.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

PY_SPY = shutil.which("py-spy", path=str(pathlib.Path(sys.executable).parent))
#: Frames worth naming in a chain: the provider's, and the libraries that can block the loop.
INTERESTING = ("airflow_provider_spcs", "snowflake", "cryptography", "jwt", "httpx", "ssl", "secrets_masker",
               "json", "triggerer_job_runner", "airflow/sdk", "greenback", "structlog")  # fmt: skip
LOOP_CALLBACK = "Handle._run"
RUNNER_MARK = "TriggerRunner.arun"  # the runner's loop thread (not the supervisor's)


class Sampler:
    """``py-spy record`` attached to one process (and its subprocesses) until that process exits."""

    def __init__(self, pid: int, output: pathlib.Path, log: pathlib.Path) -> None:
        self.output = output
        self.popen: subprocess.Popen[bytes] | None = None
        if PY_SPY is None:
            return
        with log.open("ab") as sink:
            self.popen = subprocess.Popen(
                [PY_SPY, "record", "--pid", str(pid), "--subprocesses", "--idle", "--function", "--nonblocking",
                 "--rate", "100", "--format", "speedscope", "--output", str(output)],
                stdout=sink, stderr=sink, start_new_session=True,
            )  # fmt: skip

    def finish(self, timeout: float = 30.0) -> pathlib.Path | None:
        """Wait for py-spy to write its file (it does once the sampled process is gone)."""
        if self.popen is None:
            return None
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.terminate()
            self.popen.wait(10)
        return self.output if self.output.exists() else None


@dataclass
class Stall:
    """A stretch of samples in which the event loop ran one callback (or several back to back)."""

    thread: str
    offset: float  # seconds from the thread's first sample
    seconds: float
    chains: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # chain -> seconds

    def top(self, n: int = 4) -> list[tuple[str, float]]:
        return sorted(self.chains.items(), key=lambda item: -item[1])[:n]


def _short(frame: dict[str, Any]) -> str:
    filename = str(frame.get("file", ""))
    short = filename.split("site-packages/")[-1].split("/work/wt/")[-1]
    return f"{frame['name']} ({short}:{frame.get('line', '?')})"


def _chain(frames: list[str]) -> str:
    """The frames below the loop callback: the interesting ones and the innermost."""
    kept = [f for f in frames[:-1] if any(word in f for word in INTERESTING)]
    return " > ".join([*kept[-6:], frames[-1]]) if frames else "(the callback itself)"


def find_stalls(trace: pathlib.Path, threshold: float = 0.2, marker: str = RUNNER_MARK) -> list[Stall]:
    """Stalls of the event loop in the threads whose stacks include ``marker`` (the trigger runner)."""
    data: dict[str, Any] = json.loads(trace.read_text(encoding="utf-8"))
    names = [_short(f) for f in data["shared"]["frames"]]
    callback = {i for i, f in enumerate(data["shared"]["frames"]) if f["name"] == LOOP_CALLBACK}
    marked = {i for i, name in enumerate(names) if marker in name}
    stalls: list[Stall] = []
    for profile in data["profiles"]:
        samples: list[list[int]] = profile["samples"]
        weights: list[float] = profile["weights"]
        if not any(i in marked for stack in samples for i in stack):
            continue
        clock = 0.0
        current: Stall | None = None
        for stack, weight in zip(samples, weights, strict=True):
            depth = next((k for k, i in enumerate(stack) if i in callback), None)
            if depth is None:
                if current is not None and current.seconds >= threshold:
                    stalls.append(current)
                current = None
            else:
                if current is None:
                    current = Stall(profile["name"], clock, 0.0)
                current.seconds += weight
                current.chains[_chain([names[i] for i in stack[depth + 1 :]])] += weight
            clock += weight
        if current is not None and current.seconds >= threshold:
            stalls.append(current)
    return stalls


def describe(stalls: list[Stall], limit: int = 8) -> str:
    lines = []
    for stall in sorted(stalls, key=lambda s: -s.seconds)[:limit]:
        lines.append(f"  {stall.seconds:.2f} s blocked ({stall.thread}, {stall.offset:.1f} s after its first sample):")
        for chain, seconds in stall.top():
            if seconds < 0.005:
                continue
            lines.append(f"      {seconds:6.3f} s  {chain}")
    return "\n".join(lines)
