"""Submitted SQL statements (SQL API and connector) and their progress.

A statement is finished (result or error) or still pending; a pending statement advances only when
someone polls it, which is what makes poll-counted state machines (jobs) deterministic in tests.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Literal

from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.result_sets import Pending, ResultSet

StatementState = Literal["pending", "done", "failed", "cancelled"]


def new_handle() -> str:
    """A UUID-shaped statement handle (real ones look like ``019c06a4-0000-df4f-0000-00100006589e``)."""
    return str(uuid.uuid4())


@dataclass
class StatementRecord:
    """One statement: who ran it, when, and where it stands."""

    handle: str
    user: str
    request_id: str | None = None
    sql_text: str = ""
    """The statement text with every secret literal redacted (``'***'``); never the raw text."""
    created_on: int = field(default_factory=lambda: int(time.time() * 1000))
    state: StatementState = "pending"
    result: ResultSet | None = None
    error: SqlError | None = None
    pending: Pending | None = None
    children: list[str] | None = None  # multi-statement: child handles
    nullable: bool = True  # SQL API ``nullable``: given on the POST, applies to every fetch of the result

    def finish(self, result: ResultSet) -> None:
        """Record a successful result."""
        self.state, self.result, self.pending = "done", result, None

    def fail(self, error: SqlError) -> None:
        """Record a failure."""
        self.state, self.error, self.pending = "failed", error, None

    def poll(self) -> StatementState:
        """Advance a pending statement by one poll and return the new state."""
        if self.state == "pending" and self.pending is not None:
            try:
                result = self.pending.poll()
            except SqlError as exc:
                self.fail(exc)
            else:
                if result is not None:
                    self.finish(result)
        return self.state


class StatementStore:
    """Thread-safe map of handle -> record, plus requestId -> handle for idempotent retries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, StatementRecord] = {}
        self._by_request: dict[tuple[str, str], str] = {}

    def add(self, record: StatementRecord) -> None:
        """Store ``record`` (and remember its requestId for its user)."""
        with self._lock:
            self._records[record.handle] = record
            if record.request_id:
                self._by_request[(record.user, record.request_id)] = record.handle

    def get(self, handle: str) -> StatementRecord | None:
        """The record for ``handle``, if known."""
        with self._lock:
            return self._records.get(handle)

    def by_request_id(self, user: str, request_id: str) -> StatementRecord | None:
        """The statement ``user`` submitted earlier with ``request_id``, if any."""
        with self._lock:
            handle = self._by_request.get((user, request_id))
            return self._records.get(handle) if handle else None
