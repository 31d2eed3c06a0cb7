"""Steps with a verdict and a duration, and the summary printed at the end of the run."""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

PASS, FAIL, ALLOWED = "PASS", "FAIL", "ALLOWED"


class CheckFailed(AssertionError):
    """A check found something wrong; the message lists what."""


@dataclass
class Step:
    name: str
    verdict: str = PASS
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Report:
    """Collects steps; a failing step prints its reason and the process logs that explain it."""

    def __init__(self, log_tails: Callable[[tuple[str, ...]], str]) -> None:
        self.started = time.monotonic()
        self.steps: list[Step] = []
        self.timings: list[tuple[str, float]] = []
        self.figures: list[tuple[str, str]] = []
        self._loads = [os.getloadavg()[0]]
        self._log_tails = log_tails

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def timing(self, label: str, seconds: float) -> None:
        self.timings.append((label, seconds))
        print(f"  [time] {label}: {seconds:.1f} s", flush=True)

    def figure(self, label: str, value: str) -> None:
        """A measurement that is not a duration (a count, a ratio), shown with the timings."""
        self.figures.append((label, value))
        print(f"  [figure] {label}: {value}", flush=True)

    @contextlib.contextmanager
    def step(self, name: str, *, logs: tuple[str, ...] = (), fatal: bool = False) -> Iterator[Step]:
        """Run one step. ``logs`` names the processes whose log tails explain a failure."""
        step = Step(name)
        self.steps.append(step)
        print(f"\n=== {name} (t+{self.elapsed():.0f} s)", flush=True)
        began = time.monotonic()
        try:
            yield step
        except Exception as exc:
            step.verdict = FAIL
            reason = str(exc) if isinstance(exc, CheckFailed) else "".join(traceback.format_exception(exc))
            step.notes.append(reason.strip())
            print(f"--- {name}: FAILED\n{reason}", flush=True)
            tails = self._log_tails(logs)
            if tails:
                print(tails, flush=True)
            if fatal:
                raise
        finally:
            step.seconds = time.monotonic() - began
            self._loads.append(os.getloadavg()[0])
            if step.verdict != FAIL:
                print(f"--- {name}: {step.verdict} ({step.seconds:.1f} s)", flush=True)

    def note(self, step: Step, line: str) -> None:
        step.notes.append(line)
        print(f"  {line}", flush=True)

    @property
    def failed(self) -> bool:
        return any(s.verdict == FAIL for s in self.steps)

    def summary(self) -> str:
        lines = ["", "=" * 78, "make e2e summary", "=" * 78]
        for s in self.steps:
            lines.append(f"{s.verdict:8} {s.seconds:6.1f} s  {s.name}")
            if s.verdict != PASS:
                lines += [f"{'':18}{line}" for note in s.notes[-3:] for line in note.splitlines()[:12]]
        lines += ["", "timings:"]
        lines += [f"  {label:58} {seconds:7.1f} s" for label, seconds in self.timings]
        lines.append(f"  {'total':58} {self.elapsed():7.1f} s")
        lines += [f"  {label:58} {value:>9}" for label, value in self.figures]
        # Timings on a shared machine are noisy: say how busy it was.
        loads = self._loads
        lines.append(f"  {'1-min load average (start / mean / max over steps)':58} "
                     f"{loads[0]:.1f} / {sum(loads) / len(loads):.1f} / {max(loads):.1f}")  # fmt: skip
        passed = sum(s.verdict != FAIL for s in self.steps)
        lines.append(f"\n{passed} passed, {len(self.steps) - passed} failed")
        return "\n".join(lines)
