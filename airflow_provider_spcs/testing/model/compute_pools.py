"""Compute pools: the account-level objects services and jobs run in.

Today a pool is a name that EXECUTE JOB SERVICE checks; services register theirs when created.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from airflow_provider_spcs.testing.model.catalog import Catalog
from airflow_provider_spcs.testing.model.clock import Clock


@dataclass
class ComputePool:
    """One compute pool (stored name: uppercase unless quoted)."""

    name: str
    created_on: float


class ComputePools(Catalog[str, ComputePool]):
    """The account's compute pools, by stored name."""

    def __init__(self, clock: Clock, lock: threading.RLock) -> None:
        super().__init__(lock)
        self._clock = clock

    def ensure(self, name: str) -> ComputePool:
        """The pool with stored name ``name``, created if it does not exist yet."""
        with self._lock:
            found = self.get(name)
            return found if found is not None else self.put(name, ComputePool(name, self._clock()))
