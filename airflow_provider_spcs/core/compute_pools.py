"""Compute pools: their states, the one decision every wait on a pool shares, and the steps that operate one.

``state`` (``DESCRIBE COMPUTE POOL``): ``STARTING`` after a create or resume, then ``IDLE`` or
``ACTIVE`` (services or jobs run on it); ``STOPPING`` on the way to ``SUSPENDED``; ``RESIZING``
while its node bounds change. None of them is final (a suspended pool with AUTO_RESUME comes back
when work arrives), so a wait fails fast only when the pool reports an ``error_code`` (e.g.
``392507``: no capacity) -- with its ``status_message`` -- or a state this module does not know;
otherwise it waits until a target state or its deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.service_facts import count_of, normalise_status
from airflow_provider_spcs.core.services import Decision, Outcome, ServiceReads, SqlSteps
from airflow_provider_spcs.core.statuses import PoolState as PoolState
from airflow_provider_spcs.core.statuses import parse_pool_states as parse_pool_states

#: States of a pool that services and jobs can run on.
UP_STATES: frozenset[PoolState] = frozenset({PoolState.ACTIVE, PoolState.IDLE})


@dataclass(frozen=True)
class ComputePoolFacts:
    """What one look at a pool says (a ``DESCRIBE COMPUTE POOL`` or ``SHOW COMPUTE POOLS`` row).

    :param name: the pool's name.
    :param state: ``state``, normalised.
    :param error_code: why the pool cannot get where it is going (``None`` when fine).
    :param status_message: Snowflake's words for it.
    :param num_services: services and jobs running on the pool.
    """

    name: str
    state: str
    error_code: str | None = None
    status_message: str | None = None
    num_services: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ComputePoolFacts:
        """The facts of one row (lowercase column names)."""
        code = row.get("error_code")
        message = row.get("status_message")
        return cls(
            name=str(row.get("name") or ""),
            state=normalise_status(row.get("state")),
            error_code=None if code in (None, "", 0, "0") else str(code),
            status_message=None if message in (None, "") else str(message),
            num_services=count_of(row.get("num_services")),
        )


def decide_compute_pool(
    facts: ComputePoolFacts, targets: Iterable[PoolState], *, now: float, deadline: float | None
) -> Decision:
    """What one look at a pool means for a wait for ``targets`` (see the module docstring)."""
    state = facts.state
    wanted = frozenset(targets)
    if state in {t.value for t in wanted}:
        return Decision(Outcome.SUCCESS, state, f"reached {state}")
    if facts.error_code:
        detail = f": {facts.status_message}" if facts.status_message else ""
        return Decision(Outcome.FAILED, state, f"is {state or 'in no state'} with error {facts.error_code}{detail}")
    if state not in {s.value for s in PoolState}:
        return Decision(Outcome.FAILED, state, f"reports an unexpected state {state or '<none>'!r}")
    if deadline is not None and now >= deadline:
        return Decision(Outcome.TIMEOUT, state, f"still {state} at the deadline")
    goal = " or ".join(sorted(t.value for t in wanted))
    return Decision(Outcome.WAIT, state, f"still {state}, waiting for {goal}")


@dataclass(frozen=True)
class ComputePoolObservation:
    """One look at a pool: the decision and the facts it was made on."""

    decision: Decision
    facts: ComputePoolFacts

    @property
    def final(self) -> bool:
        """True when the wait is over (success, failure or timeout)."""
        return self.decision.final


class ComputePools:
    """Operating compute pools, as steps over a SQL executor.

    :param sql: runs one statement (see :data:`~airflow_provider_spcs.core.services.SqlSteps`).
    """

    def __init__(self, sql: SqlSteps) -> None:
        self.sql = sql

    def describe(self, name: str) -> Steps[dict[str, Any]]:
        """``DESCRIBE COMPUTE POOL`` as one row.

        :raises SpcsConfigError: the name is invalid (before anything is sent), or nothing came back.
        """
        rows = yield from self.sql(statements.describe_compute_pool(name))
        if not rows:
            raise SpcsConfigError("compute_pool", f"no description came back for compute pool {name!r}")
        return rows[0]

    def facts(self, name: str) -> Steps[ComputePoolFacts]:
        """The pool's :class:`ComputePoolFacts`."""
        row = yield from self.describe(name)
        return ComputePoolFacts.from_row(row)

    def show(self, like: str | None = None) -> Steps[list[dict[str, Any]]]:
        """``SHOW COMPUTE POOLS [LIKE ...]`` rows."""
        return (yield from self.sql(statements.show_compute_pools(like)))

    def suspend(self, name: str, *, stop_all: bool = False, if_exists: bool = False) -> Steps[None]:
        """Suspend the pool; with ``stop_all``, first drop its services and cancel its jobs (``STOP ALL``)."""
        actions = ("STOP ALL", "SUSPEND") if stop_all else ("SUSPEND",)
        for statement in [statements.alter_compute_pool(name, a, if_exists=if_exists) for a in actions]:
            yield from self.sql(statement)

    def resume(self, name: str, *, if_exists: bool = False) -> Steps[None]:
        """Resume the pool (it goes STARTING, then IDLE or ACTIVE)."""
        yield from self.sql(statements.alter_compute_pool(name, "RESUME", if_exists=if_exists))


@dataclass(frozen=True)
class ComputePoolWait:
    """A wait for a compute pool to reach one of ``targets``.

    :param compute_pool: the pool's name.
    :param targets: states that end the wait successfully.
    :param deadline: absolute epoch-seconds deadline, or ``None``.
    """

    compute_pool: str
    targets: frozenset[PoolState]
    deadline: float | None = None

    @classmethod
    def of(
        cls, compute_pool: str, targets: Iterable[PoolState | str], *, deadline: float | None = None
    ) -> ComputePoolWait:
        """Build one from any states (names in any case)."""
        return cls(compute_pool, parse_pool_states([str(t) for t in targets], field="target_states"), deadline)

    def observe(self, reads: ServiceReads, *, clock: Callable[[], float]) -> Steps[ComputePoolObservation]:
        """One look: ``DESCRIBE COMPUTE POOL`` and the decision (one statement)."""
        facts = yield from ComputePools(reads.sql).facts(self.compute_pool)
        return ComputePoolObservation(
            decide_compute_pool(facts, self.targets, now=clock(), deadline=self.deadline), facts
        )
