"""A status that moves on when someone looks at it, or when the world clock says so.

Every emulated object with a lifecycle (services and their instances, job services, compute pools) is a
:class:`PollDriven`: it sits in one status and may have a *next* status that it reaches after a
number of polls in the current one, or at a clock time, whichever comes first. A *poll* is one look
through SQL (DESCRIBE, SHOW, a status function); the k-th poll reports the status reached *before*
it is counted, so "RUNNING after 2 polls" means two polls see PENDING and the third sees RUNNING.

Subclasses name their statuses in :attr:`PollDriven.STATUSES`, react to entering a status in
:meth:`PollDriven._on_enter` and choose what reaching the next status means in
:meth:`PollDriven._transition` (a job that reaches RUNNING schedules its outcome, for example).
"""

from __future__ import annotations

import threading
from typing import ClassVar

from airflow_provider_spcs.testing.model.clock import Clock
from airflow_provider_spcs.testing.model.pacing import Pace

# Zero-poll phases (e.g. a job with pending_polls=0, run_polls=0) chain in one step, up to this many.
_MAX_CHAINED_TRANSITIONS = 8


class PollDriven:
    """The poll/clock state machine shared by every object with a lifecycle."""

    KIND: ClassVar[str] = "object"
    """What error messages call objects of this kind."""
    STATUSES: ClassVar[frozenset[str]] = frozenset()
    """Every status objects of this kind can be in."""

    def __init__(self, clock: Clock, lock: threading.RLock) -> None:
        self._clock = clock
        self._lock = lock
        self._status = ""
        self._polls_in_state = 0
        # How the current status ends: after this many polls / at this clock time / never (None).
        self._next_status: str | None = None
        self._after_polls: int | None = None
        self._after_time: float | None = None
        self.poll_count = 0
        self.updated_on = clock()
        self._advancing = False

    def poll(self) -> str:
        """Count one poll (one look through SQL) and return the status it observes."""
        with self._lock:
            self._advance()
            observed = self._status
            self.count_poll()
            return observed

    def count_poll(self) -> None:
        """Count one poll of the status as it is now, without advancing first.

        For owners that advance several objects together before they count (a service and its
        instances): the poll then observes the status those transitions reached.
        """
        with self._lock:
            self._polls_in_state += 1
            self.poll_count += 1

    @property
    def status(self) -> str:
        """The current status (clock-driven transitions apply; does not count as a poll)."""
        with self._lock:
            self._advance()
            return self._status

    # -- for subclasses -------------------------------------------------------------------------

    def _enter(
        self,
        status: str,
        next_status: str | None = None,
        *,
        polls: int | None = None,
        seconds: float | None = None,
    ) -> None:
        """Enter ``status`` now; reach ``next_status`` after ``polls`` polls or ``seconds`` seconds."""
        if status not in self.STATUSES:
            raise ValueError(f"unknown {self.KIND} status {status!r}")
        now = self._clock()
        self._status = status
        self._polls_in_state = 0
        self._next_status = next_status
        self._after_polls = polls if next_status else None
        self._after_time = now + seconds if (next_status and seconds) else None
        self.updated_on = now
        self._on_enter(status, now)

    def _schedule(self, next_status: str, *, polls: int | None = None, seconds: float | None = None) -> None:
        """Keep the current status, and reach ``next_status`` after ``polls`` more polls or
        ``seconds`` seconds from now (replacing any scheduled transition)."""
        if next_status not in self.STATUSES:
            raise ValueError(f"unknown {self.KIND} status {next_status!r}")
        self._next_status = next_status
        self._after_polls = self._polls_in_state + polls if polls else None
        self._after_time = self._clock() + seconds if seconds else None

    def _enter_paced(self, status: str, next_status: str, pace: Pace) -> None:
        """Enter ``status`` now and reach ``next_status`` when ``pace`` has passed."""
        polls, seconds = pace.bounds()
        self._enter(status, next_status, polls=polls, seconds=seconds)

    def _on_enter(self, status: str, now: float) -> None:
        """Called on entering ``status`` at clock time ``now``."""

    def _transition(self, status: str) -> None:
        """Reach the scheduled next ``status`` (default: just enter it)."""
        self._enter(status)

    def _due(self) -> bool:
        if self._next_status is None:
            return False
        if self._after_polls is not None and self._polls_in_state >= self._after_polls:
            return True
        return self._after_time is not None and self._clock() >= self._after_time

    def _advance(self) -> None:
        # Objects look at each other while they advance (a service at its pool, a pool at its
        # jobs); an object already advancing further up the stack answers with its status as is.
        if self._advancing:
            return
        self._advancing = True
        try:
            for _ in range(_MAX_CHAINED_TRANSITIONS):
                if not self._due():
                    break
                assert self._next_status is not None
                self._transition(self._next_status)
            self._settle()
        finally:
            self._advancing = False

    def _settle(self) -> None:
        """Called at the end of every advance: owners advance what they own here (a service its
        instances) and derive what follows from it."""
