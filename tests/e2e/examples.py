"""What the run expects of each example DAG, and in which order the examples run.

Every DAG found in ``example_dags/`` is triggered and must succeed. A DAG without a row in
:data:`PLANS` runs in the first phase with no further expectation, so a new example is covered the
day it lands; give it a row when it needs more (an order, a held service, tasks that must defer).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

from tests.e2e.stack import EXAMPLE_DAGS


@dataclass(frozen=True)
class Phase:
    """DAGs of one phase run together; phases run one after the other.

    :param name: shown in the report.
    :param hold: services the emulator keeps PENDING from the phase's start until every
        ``waits`` task of the phase was seen waiting (so waiting is proven, not assumed).
    :param slow: services whose endpoints take ``DEFERRED_CALL_SECONDS`` to answer during the
        phase (the phase's deferrable endpoint calls; see :mod:`tests.e2e.emulator`).
    """

    name: str
    hold: tuple[str, ...] = ()
    slow: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """One DAG's row.

    :param phase: the :class:`Phase` name it runs in.
    :param defers: tasks that must be seen in state ``deferred`` (and then succeed).
    :param waits: ``{task_id: state}`` a task must be seen in while the phase's services are held.
    """

    phase: str = "services"
    defers: tuple[str, ...] = ()
    waits: dict[str, str] = field(default_factory=dict)


#: Phases in the order they run. The lifecycle examples suspend and resume ECHO_SERVICE, which the
#: endpoint examples call, so they run after them, one at a time. The compute pool examples suspend
#: SPCS_POOL with every service on it (the deployed ones and ECHO_SERVICE), so they come last.
PHASES: tuple[Phase, ...] = (
    Phase("services", hold=("ECHO_SERVICE",), slow=("ECHO_SERVICE",)),
    Phase("suspend"),
    Phase("resume"),
    Phase("suspend, deferrable"),
    Phase("resume, deferrable"),
    Phase("pool suspend"),
    Phase("pool resume"),
    Phase("pool suspend, deferrable"),
    Phase("pool resume, deferrable"),
)

#: DAGs scheduled on a watched asset: no phase runs them; their own step makes their events happen.
EVENTS = "events"

PLANS: dict[str, Plan] = {
    "example_spcs_endpoint": Plan(waits={"wait_for_service": "up_for_reschedule"}),
    "example_spcs_endpoint_deferrable": Plan(
        defers=("wait_for_service", "call_endpoint"), waits={"wait_for_service": "deferred"}
    ),
    "example_spcs_job": Plan(),
    "example_spcs_job_deferrable": Plan(defers=("run_job",)),
    "example_spcs_pagination": Plan(),
    "example_spcs_pagination_deferrable": Plan(defers=("fetch_catalog",)),
    "example_spcs_nightly_suspend": Plan(phase="suspend"),
    "example_spcs_morning_resume": Plan(phase="resume"),
    "example_spcs_nightly_suspend_deferrable": Plan(phase="suspend, deferrable", defers=("suspend",)),
    "example_spcs_morning_resume_deferrable": Plan(phase="resume, deferrable", defers=("resume",)),
    "example_spcs_deploy": Plan(),
    "example_spcs_deploy_deferrable": Plan(defers=("create_service", "upgrade_to_v2", "scale_out")),
    "example_spcs_pool_nightly_suspend": Plan(phase="pool suspend"),
    "example_spcs_pool_morning_resume": Plan(phase="pool resume"),
    "example_spcs_pool_nightly_suspend_deferrable": Plan(phase="pool suspend, deferrable", defers=("suspend_pool",)),
    "example_spcs_pool_morning_resume_deferrable": Plan(
        phase="pool resume, deferrable", defers=("resume_pool", "resume_service")
    ),
    "example_spcs_on_failure": Plan(phase=EVENTS),
}

DEFAULT_PLAN = Plan()


def example_files() -> list[str]:
    """The example DAG files, as the DAG processor names them (relative to the DAGs folder)."""
    return sorted(p.name for p in pathlib.Path(EXAMPLE_DAGS).glob("*.py") if not p.name.startswith("_"))


def plan_for(dag_id: str) -> Plan:
    return PLANS.get(dag_id, DEFAULT_PLAN)


def check_table() -> None:
    """Every row names a known phase (a typo would silently skip a DAG)."""
    names = {p.name for p in PHASES} | {EVENTS}
    for dag_id, plan in PLANS.items():
        if plan.phase not in names:
            raise ValueError(f"PLANS[{dag_id!r}] names unknown phase {plan.phase!r}")
