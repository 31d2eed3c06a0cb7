"""Compute pools: the account-level objects services and jobs run in, and their lifecycle.

``state`` (reference second-wave section 2): a new or resumed pool is ``STARTING`` for its
start pace, then up: ``ACTIVE`` while services or jobs run on it, ``IDLE`` otherwise.
``SUSPEND`` suspends the pool's services (as the ALTER COMPUTE POOL docs say; jobs run on until
they end), the pool is ``STOPPING`` until its jobs are done and its change pace has passed, then
``SUSPENDED``. New node bounds make an up pool ``RESIZING`` for its change pace. ``STOP ALL``
drops the pool's services and cancels its jobs; the pool stays up.

Services and jobs wait (PENDING) while their pool is not up; a suspended pool with
``AUTO_RESUME = TRUE`` resumes when work is submitted to it, one with ``FALSE`` refuses the work.

Scripting: :meth:`ComputePool.fail_to_start` makes starts hang in ``STARTING`` with an
``error_code`` / ``status_message`` (e.g. 392507, no capacity); :attr:`ComputePool.refuse_busy_suspend`
makes SUSPEND refuse while services or jobs run, the stricter reading some references give.

Nodes: every instance of a service or running job needs a node slot; ``target_nodes`` is that demand
clamped to ``[min_nodes, max_nodes]``, ``active_nodes`` the busy part, ``idle_nodes`` the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.testing.model.catalog import Catalog
from airflow_provider_spcs.testing.model.job_services import JobService
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.pacing import Pace
from airflow_provider_spcs.testing.model.poll_machine import PollDriven
from airflow_provider_spcs.testing.model.refusals import InvalidSetting, StateConflict

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.service_base import BaseService
    from airflow_provider_spcs.testing.model.world import World

POOL_STATES = frozenset({"STARTING", "ACTIVE", "IDLE", "SUSPENDED", "STOPPING", "RESIZING"})
"""Every ``state`` SHOW COMPUTE POOLS can report."""

CAPACITY_ERROR = "392507"
"""``error_code`` of a pool that cannot get nodes (no capacity in the region)."""

_FAMILY = re.compile(r"(CPU|HIGHMEM|GPU)_[A-Z0-9_]+")
_UP = frozenset({"IDLE", "RESIZING"})
# What no longer runs on the pool: a SUSPENDING service is already on its way out.
_WORKLOAD_DONE = frozenset({"SUSPENDING", "SUSPENDED", "DELETED", "DONE", "CANCELLED", "INTERNAL_ERROR"})
_DEFAULTS: dict[str, Any] = {"AUTO_RESUME": True, "AUTO_SUSPEND_SECS": 3600, "COMMENT": None}

PoolFields = Mapping[str, Any]
"""Property name (uppercase, as in SQL) -> value: ``MIN_NODES``, ``MAX_NODES``, ``INSTANCE_FAMILY``,
``AUTO_RESUME``, ``AUTO_SUSPEND_SECS``, ``COMMENT``, ``TAG`` (a dict)."""


@dataclass(frozen=True)
class Nodes:
    """What SHOW COMPUTE POOLS counts: ``active_nodes``, ``idle_nodes``, ``target_nodes``."""

    active: int
    idle: int
    target: int


class ComputePool(PollDriven):
    """One compute pool. Create one with :meth:`.World.add_compute_pool` (or CREATE COMPUTE POOL)."""

    KIND = "compute pool"
    # IDLE is the internal "up" status; `state` shows ACTIVE while work runs on the pool.
    STATUSES = frozenset({"STARTING", "IDLE", "SUSPENDED", "STOPPING", "RESIZING"})

    def __init__(
        self,
        world: World,
        name: str,
        fields: PoolFields,
        *,
        owner_role: str = "SPCS_ROLE",
        initially_suspended: bool = False,
        start_pace: Pace | None = None,
    ) -> None:
        super().__init__(world.now, world.lock)
        self._world = world
        self.name = name
        self.owner_role = owner_role
        self.min_nodes = 1
        self.max_nodes = 1
        self.instance_family = ""
        self.auto_resume = True
        self.auto_suspend_secs = 3600
        self.comment: str | None = None
        self.tags: dict[str, str] = {}
        self.change_pace = world.timings.pool_change
        self.refuse_busy_suspend = False
        """When set, SUSPEND is refused while services or jobs run on the pool."""
        self.start_failure: tuple[str, str] | None = None
        """``(error_code, status_message)`` that every start of the pool hangs with, if scripted."""
        missing = [key for key in ("MIN_NODES", "MAX_NODES", "INSTANCE_FAMILY") if key not in fields]
        if missing:
            raise InvalidSetting(f"Missing required property {missing[0]} for compute pool {name}.")
        self._configure(fields)
        self.created_on = self._clock()
        self.resumed_on: float | None = None
        if initially_suspended:
            self._enter("SUSPENDED")
        elif start_pace is None:
            self.resumed_on = self.created_on
            self._enter("IDLE")
        else:
            self.resumed_on = self.created_on
            self._start(start_pace)

    # -- properties -----------------------------------------------------------------------------

    def _configure(self, fields: PoolFields) -> None:
        min_nodes = int(fields.get("MIN_NODES", self.min_nodes))
        max_nodes = int(fields.get("MAX_NODES", self.max_nodes))
        if min_nodes < 1:
            raise InvalidSetting(f"Invalid value [{min_nodes}] for parameter 'MIN_NODES': it must be at least 1.")
        if max_nodes < min_nodes:
            raise InvalidSetting(
                f"Invalid value [{max_nodes}] for parameter 'MAX_NODES': it must be at least MIN_NODES ({min_nodes})."
            )
        if "INSTANCE_FAMILY" in fields:
            family = str(fields["INSTANCE_FAMILY"]).upper()
            if not _FAMILY.fullmatch(family):
                raise InvalidSetting(f"Invalid value [{family}] for parameter 'INSTANCE_FAMILY'.")
            self.instance_family = family
        if "AUTO_SUSPEND_SECS" in fields and int(fields["AUTO_SUSPEND_SECS"]) < 0:
            raise InvalidSetting("Invalid value for parameter 'AUTO_SUSPEND_SECS': it must not be negative.")
        self.min_nodes, self.max_nodes = min_nodes, max_nodes
        if "AUTO_RESUME" in fields:
            self.auto_resume = bool(fields["AUTO_RESUME"])
        if "AUTO_SUSPEND_SECS" in fields:
            self.auto_suspend_secs = int(fields["AUTO_SUSPEND_SECS"])
        if "COMMENT" in fields:
            self.comment = fields["COMMENT"]
        if "TAG" in fields:
            self.tags.update(fields["TAG"])

    def alter(self, fields: PoolFields) -> None:
        """ALTER COMPUTE POOL ... SET: new node bounds make an up pool RESIZING for its change pace."""
        with self._lock:
            self._advance()
            before = (self.min_nodes, self.max_nodes)
            self._configure(fields)
            if (self.min_nodes, self.max_nodes) != before and self._status in _UP:
                self._enter_paced("RESIZING", "IDLE", self.change_pace)

    def unset(self, names: list[str]) -> None:
        """ALTER COMPUTE POOL ... UNSET: back to the defaults (AUTO_RESUME, AUTO_SUSPEND_SECS, COMMENT)."""
        for name in names:
            if name not in _DEFAULTS:
                raise InvalidSetting(f"Property {name} of a compute pool cannot be unset.")
        with self._lock:
            self._configure({name: _DEFAULTS[name] for name in names})

    # -- lifecycle ------------------------------------------------------------------------------

    def _start(self, pace: Pace) -> None:
        if self.start_failure is not None:
            self._enter("STARTING")  # hangs: no next status until the failure is cleared
        else:
            self._enter_paced("STARTING", "IDLE", pace)

    def is_up(self) -> bool:
        """Whether services and jobs can start on the pool now."""
        with self._lock:
            self._advance()
            return self._status in _UP

    def suspend(self) -> None:
        """ALTER COMPUTE POOL ... SUSPEND: suspend its services; STOPPING until its jobs end, then SUSPENDED.

        :raises StateConflict: :attr:`refuse_busy_suspend` is set and services or jobs run on it.
        """
        with self._lock:
            self._advance()
            if self._status in {"SUSPENDED", "STOPPING"}:
                return
            if self.refuse_busy_suspend and self.num_services() > 0:
                raise StateConflict(
                    f"Cannot suspend compute pool {self.name}: {self.num_services()} service(s) or job(s) are "
                    f"running on it. Suspend or drop them first, or run ALTER COMPUTE POOL {self.name} STOP ALL."
                )
            for service in self.workloads():
                if isinstance(service, Service):
                    service.suspend()
            self._enter_paced("STOPPING", "SUSPENDED", self.change_pace)

    def resume(self) -> None:
        """ALTER COMPUTE POOL ... RESUME: STARTING for the start pace, then up (no-op unless suspended)."""
        with self._lock:
            self._advance()
            if self._status not in {"SUSPENDED", "STOPPING"}:
                return
            self.resumed_on = self._clock()
            self._start(self._world.timings.pool_start)

    def stop_all(self) -> None:
        """ALTER COMPUTE POOL ... STOP ALL: drop every service on the pool and cancel its jobs."""
        with self._lock:
            for service in self.workloads():
                if isinstance(service, JobService):
                    service.cancel()
                else:
                    self._world.drop_service(service)

    def admit_work(self) -> None:
        """Called when a service or job is submitted to the pool: a suspended pool auto-resumes.

        :raises StateConflict: the pool is suspended and AUTO_RESUME is FALSE.
        """
        with self._lock:
            self._advance()
            if self._status not in {"SUSPENDED", "STOPPING"}:
                return
            if not self.auto_resume:
                raise StateConflict(
                    f"Compute pool {self.name} is suspended. Resume it with ALTER COMPUTE POOL {self.name} RESUME, "
                    f"or set AUTO_RESUME = TRUE on it."
                )
            self.resume()

    def fail_to_start(self, error_code: str = CAPACITY_ERROR, status_message: str | None = None) -> None:
        """Script failing starts: the pool (now, if up or starting; else at its next RESUME) hangs in
        STARTING and shows ``error_code`` / ``status_message`` until :meth:`clear_start_failure`."""
        message = status_message or "Compute pool cannot acquire nodes: insufficient capacity in the region."
        with self._lock:
            self._advance()
            self.start_failure = (str(error_code), message)
            if self._status in {*_UP, "STARTING"}:
                self._enter("STARTING")

    def clear_start_failure(self) -> None:
        """Undo :meth:`fail_to_start`; a hanging start then completes after the start pace."""
        with self._lock:
            self._advance()
            self.start_failure = None
            if self._status == "STARTING" and self._next_status is None:
                self._start(self._world.timings.pool_start)

    def _due(self) -> bool:
        # STOPPING lasts until the pool's jobs are done, however long its pace.
        if self._next_status == "SUSPENDED" and self._job_demand() > 0:
            return False
        return super()._due()

    # -- what SHOW shows ------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The ``state`` SHOW COMPUTE POOLS reports now (not a poll)."""
        with self._lock:
            self._advance()
            return self._display()

    def poll(self) -> str:
        """Count one look (SHOW / DESCRIBE COMPUTE POOL) and return the ``state`` it observes."""
        with self._lock:
            super().poll()
            return self._display()

    def _display(self) -> str:
        if self._status == "IDLE" and self.num_services() > 0:
            return "ACTIVE"
        return self._status

    @property
    def error(self) -> tuple[str, str] | None:
        """``(error_code, status_message)`` while a scripted start failure holds the pool STARTING."""
        with self._lock:
            self._advance()
            return self.start_failure if self._status == "STARTING" else None

    def workloads(self) -> list[BaseService]:
        """The services and job services that run on the pool (not suspended, dropped or finished)."""
        return [
            s
            for s in self._world.list_services()
            if s.compute_pool == self.name
            and s.status not in _WORKLOAD_DONE
            and not (s.is_job and s.status == "FAILED")
        ]

    def num_services(self) -> int:
        """SHOW COMPUTE POOLS ``num_services``: services *and* jobs running on the pool (as documented)."""
        return len(self.workloads())

    def num_jobs(self) -> int:
        """SHOW COMPUTE POOLS ``num_jobs``."""
        return sum(1 for s in self.workloads() if s.is_job)

    def _job_demand(self) -> int:
        return sum(s.node_demand() for s in self.workloads() if s.is_job)

    def nodes(self) -> Nodes:
        """Node counts for the current state (see the module docstring)."""
        with self._lock:
            self._advance()
            if self._status == "SUSPENDED":
                return Nodes(0, 0, 0)
            if self._status == "STARTING":
                return Nodes(0, 0, self.min_nodes)
            if self._status == "STOPPING":
                busy = min(self._job_demand(), self.max_nodes)
                return Nodes(busy, 0, busy)
            demand = sum(s.node_demand() for s in self.workloads())
            target = max(self.min_nodes, min(self.max_nodes, demand))
            active = min(demand, target)
            return Nodes(active, target - active, target)

    def __repr__(self) -> str:
        return f"ComputePool({self.name!r}, state={self._status!r})"


class ComputePools(Catalog[str, ComputePool]):
    """The account's compute pools, by stored name."""

    def is_up(self, name: str) -> bool:
        """Whether work can start on pool ``name`` now (a pool the world does not know counts as up)."""
        pool = self.get(name)
        return pool is None or pool.is_up()
