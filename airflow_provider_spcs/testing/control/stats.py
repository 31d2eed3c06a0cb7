"""Counters the emulator keeps for tests and benchmarks: requests per route and named events."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    """Thread-safe counters: requests per route, named event counters, and SQL statements by form."""

    EVENTS = ("jwts_verified", "tokens_minted", "exchanges", "sql_statements", "logins")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._events: Counter[str] = Counter()
        self._forms: Counter[str] = Counter()

    def count_request(self, route: str) -> None:
        """Count one request on ``route``."""
        with self._lock:
            self._requests[route] += 1

    def incr(self, event: str, n: int = 1) -> None:
        """Count ``n`` occurrences of ``event`` (one of :attr:`EVENTS`, or any extra name)."""
        with self._lock:
            self._events[event] += n

    def count_statement(self, form: str) -> None:
        """Count one SQL statement of ``form`` (its leading keywords, e.g. ``SHOW SERVICES``)."""
        with self._lock:
            self._forms[form] += 1

    def statement_forms(self) -> dict[str, int]:
        """SQL statements run, by form (a copy)."""
        with self._lock:
            return dict(self._forms)

    def snapshot(self) -> dict[str, Any]:
        """``{"requests": {route: n}, "jwts_verified": n, ...}`` (a copy)."""
        with self._lock:
            out: dict[str, Any] = {"requests": dict(self._requests)}
            for name in self.EVENTS:
                out[name] = self._events[name]
            for name, value in self._events.items():
                out.setdefault(name, value)
            return out

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self._requests.clear()
            self._events.clear()
            self._forms.clear()
