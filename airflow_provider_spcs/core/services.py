"""Service and job-service statuses, and the one decision every waiter shares.

The sensor's ``poke``, the trigger loop and each operator's ``execute_complete`` call :func:`decide`
so that "is this done, failed, or still going?" has exactly one answer. Statuses are those of
``DESCRIBE SERVICE`` (see the protocol reference, section 7.3). A status this module does not know
is a failure, never "keep waiting": waiting on something we cannot interpret only hides the problem
until the deadline.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from airflow_provider_spcs.core.endpoints import endpoints_ready
from airflow_provider_spcs.core.errors import SpcsError


class ServiceStatus(enum.StrEnum):
    """A status reported by ``DESCRIBE SERVICE`` for a service or a job service."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    SUSPENDING = "SUSPENDING"
    SUSPENDED = "SUSPENDED"
    DELETING = "DELETING"
    DELETED = "DELETED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


S = ServiceStatus

#: Statuses that do not change on their own.
TERMINAL_STATUSES: frozenset[ServiceStatus] = frozenset(
    {S.DONE, S.FAILED, S.SUSPENDED, S.DELETED, S.INTERNAL_ERROR, S.CANCELLED}
)
#: Statuses on the way to a terminal one, and where each leads.
STOPPING_STATUSES: Mapping[ServiceStatus, ServiceStatus] = {
    S.SUSPENDING: S.SUSPENDED,
    S.DELETING: S.DELETED,
    S.CANCELLING: S.CANCELLED,
}
#: Statuses of a service that is starting or up.
ACTIVE_STATUSES: frozenset[ServiceStatus] = frozenset({S.PENDING, S.RUNNING})
#: What a job service ends in when it worked, and when it did not.
JOB_SUCCESS_STATUSES: frozenset[ServiceStatus] = frozenset({S.DONE})


class Outcome(enum.StrEnum):
    """What a waiter should do after one status observation."""

    WAIT = "wait"
    SUCCESS = "success"
    FAILED = "failed"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Decision:
    """The outcome for one observed status, with a human-readable reason."""

    outcome: Outcome
    status: str
    reason: str

    @property
    def final(self) -> bool:
        """True when the waiter should stop polling."""
        return self.outcome is not Outcome.WAIT


def parse_statuses(values: str | Iterable[str], *, field: str) -> frozenset[ServiceStatus]:
    """Turn user input (``"RUNNING"`` or ``["running", "DONE"]``) into statuses.

    :param values: one status or several, any case.
    :param field: the parameter name, used in the error message.
    :raises ValueError: for an empty set or an unknown status name.
    """
    raw = [values] if isinstance(values, str) else list(values)
    known = {s.value for s in ServiceStatus}
    wrong = sorted(v for v in raw if str(v).strip().upper() not in known)
    if wrong or not raw:
        raise ValueError(f"{field}: expected one or more of {sorted(known)}, got {raw!r}")
    return frozenset(ServiceStatus(str(v).strip().upper()) for v in raw)


def failure_statuses(
    targets: Iterable[ServiceStatus], also_wait: Iterable[ServiceStatus] = ()
) -> frozenset[ServiceStatus]:
    """The statuses that end a wait for ``targets`` as a failure.

    Terminal statuses fail unless targeted; a stopping status (``SUSPENDING``) fails unless the
    status it leads to is targeted; ``also_wait`` lists statuses to sit out instead (``SUSPENDED``
    just after ``ALTER SERVICE ... RESUME``, before the service reports ``PENDING``).
    """
    wanted = frozenset(targets)
    stopping = {s for s, leads_to in STOPPING_STATUSES.items() if leads_to not in wanted}
    return frozenset((TERMINAL_STATUSES | stopping) - wanted - frozenset(also_wait))


def decide(
    status: str | None,
    targets: Iterable[ServiceStatus],
    *,
    now: float,
    deadline: float | None,
    also_wait: Iterable[ServiceStatus] = (),
) -> Decision:
    """Decide what one observed status means for a wait.

    :param status: the ``status`` column of ``DESCRIBE SERVICE`` (any case; ``None`` if absent).
    :param targets: statuses that end the wait successfully.
    :param now: current time, epoch seconds (injected so tests need no clock tricks).
    :param deadline: absolute epoch-seconds deadline, or ``None`` for no deadline.
    :param also_wait: statuses to keep waiting through although they would otherwise fail.
    """
    observed = (status or "").strip().upper()
    wanted = frozenset(targets)
    if observed in {s.value for s in wanted}:
        return Decision(Outcome.SUCCESS, observed, f"reached {observed}")
    try:
        known = ServiceStatus(observed)
    except ValueError:
        return Decision(Outcome.FAILED, observed, f"unexpected status {observed or '<none>'!r}")
    if known in failure_statuses(wanted, also_wait):
        goal = " or ".join(sorted(s.value for s in wanted))
        return Decision(Outcome.FAILED, observed, f"reached {observed} while waiting for {goal}")
    if deadline is not None and now >= deadline:
        return Decision(Outcome.TIMEOUT, observed, f"still {observed} at the deadline")
    return Decision(Outcome.WAIT, observed, f"still {observed}")


# --- container and endpoint facts ------------------------------------------------------------

_CONTAINER_KEYS = ("instance_id", "container_name", "status", "message", "restart_count", "last_exit_code")
_MAX_MESSAGE = 500


def container_details(rows: Sequence[Mapping[str, Any]], *, limit: int = 20) -> list[dict[str, Any]]:
    """Keep the facts a failure message needs from ``SHOW SERVICE CONTAINERS IN SERVICE`` rows.

    Small on purpose: the result travels in trigger events, which live in the metadata database.

    :param rows: rows keyed by lowercase column name.
    :param limit: at most this many containers are kept.
    """
    details = []
    for row in rows[:limit]:
        item = {key: row.get(key) for key in _CONTAINER_KEYS}
        if isinstance(item["message"], str) and len(item["message"]) > _MAX_MESSAGE:
            item["message"] = item["message"][:_MAX_MESSAGE] + "..."
        details.append(item)
    return details


def format_container_details(details: Sequence[Mapping[str, Any]]) -> str:
    """One line per container: ``instance 0 / main: FAILED, restarts 2, exit code 1: <message>``."""
    if not details:
        return "no container details available"
    lines = []
    for d in details:
        where = f"instance {d.get('instance_id') if d.get('instance_id') is not None else '?'} / {d.get('container_name') or '?'}"
        facts = [str(d.get("status") or "UNKNOWN")]
        if d.get("restart_count") not in (None, ""):
            facts.append(f"restarts {d['restart_count']}")
        if d.get("last_exit_code") not in (None, ""):
            facts.append(f"exit code {d['last_exit_code']}")
        message = f": {d['message']}" if d.get("message") else ""
        lines.append(f"{where}: {', '.join(facts)}{message}")
    return "\n".join(lines)


def failure_message(subject: str, reason: str, details: Sequence[Mapping[str, Any]], tail: str = "") -> str:
    """The message of a service-failure error: what happened, each container's state, then ``tail``.

    :param subject: what failed, e.g. ``Service DB.S.SVC`` or ``Job service AIRFLOW_JOB_...``.
    :param reason: the decision's reason (``reached FAILED while waiting for RUNNING``).
    :param details: per-container facts (see :func:`container_details`).
    :param tail: more lines to append (a job's last log lines).
    """
    return f"{subject} {reason}.\n{format_container_details(details)}{tail}"


def endpoints_decision(decision: Decision, pending: Sequence[str], *, now: float, deadline: float | None) -> Decision:
    """Hold a successful decision back while wanted endpoints are still provisioning."""
    if decision.outcome is not Outcome.SUCCESS or not pending:
        return decision
    names = ", ".join(pending)
    if deadline is not None and now >= deadline:
        return Decision(Outcome.TIMEOUT, decision.status, f"endpoints still provisioning at the deadline: {names}")
    return Decision(Outcome.WAIT, decision.status, f"{decision.reason}; endpoints still provisioning: {names}")


# --- one observation, as a flow that sync and async drivers run ------------------------------


class Query(enum.Enum):
    """What an observation flow asks its driver to fetch for the service."""

    STATUS = "status"
    ENDPOINTS = "endpoints"
    CONTAINERS = "containers"


@dataclass(frozen=True)
class Observation:
    """The result of one poll: the decision and, on failure, the containers' facts."""

    decision: Decision
    containers: list[dict[str, Any]]


ObservationFlow = Generator[Query, Any, Observation]


def observe(
    targets: Iterable[ServiceStatus],
    *,
    now: Callable[[], float],
    deadline: float | None,
    also_wait: Iterable[ServiceStatus] = (),
    wait_for_endpoints: bool | Sequence[str] = False,
) -> ObservationFlow:
    """One poll of a service as a generator: it yields what it needs and receives the rows.

    Written once, run by :func:`run_observation` (worker) and :func:`arun_observation`
    (triggerer), so the sensor, the operators and the triggers cannot drift apart.
    """
    status = yield Query.STATUS
    decision = decide(status, targets, now=now(), deadline=deadline, also_wait=also_wait)
    if decision.outcome is Outcome.SUCCESS and wait_for_endpoints:
        rows = yield Query.ENDPOINTS
        _, pending = endpoints_ready(rows, wait_for_endpoints)
        decision = endpoints_decision(decision, pending, now=now(), deadline=deadline)
    details: list[dict[str, Any]] = []
    if decision.outcome is Outcome.FAILED:
        details = container_details((yield Query.CONTAINERS) or [])
    return Observation(decision, details)


class ServiceReader(Protocol):
    """The part of ``SpcsHook`` an observation needs (sync)."""

    def get_service_status(self, name: str) -> str: ...
    def get_service_endpoints(self, name: str) -> list[dict[str, Any]]: ...
    def get_service_containers(self, name: str) -> list[dict[str, Any]]: ...


class AsyncServiceReader(Protocol):
    """The part of ``SpcsHook`` an observation needs (async)."""

    async def aget_service_status(self, name: str) -> str: ...
    async def aget_service_endpoints(self, name: str) -> list[dict[str, Any]]: ...
    async def aget_service_containers(self, name: str) -> list[dict[str, Any]]: ...


def run_observation(flow: ObservationFlow, reader: ServiceReader, service: str) -> Observation:
    """Drive ``flow`` with blocking hook calls."""
    fetch = {
        Query.STATUS: reader.get_service_status,
        Query.ENDPOINTS: reader.get_service_endpoints,
        Query.CONTAINERS: reader.get_service_containers,
    }
    try:
        query = next(flow)
        while True:
            try:
                result: Any = fetch[query](service)
            except SpcsError:
                if query is not Query.CONTAINERS:
                    raise
                result = []  # the failure itself matters more than its details
            query = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def arun_observation(flow: ObservationFlow, reader: AsyncServiceReader, service: str) -> Observation:
    """Drive ``flow`` with awaited hook calls (the triggerer's event loop)."""
    fetch = {
        Query.STATUS: reader.aget_service_status,
        Query.ENDPOINTS: reader.aget_service_endpoints,
        Query.CONTAINERS: reader.aget_service_containers,
    }
    try:
        query = next(flow)
        while True:
            try:
                result: Any = await fetch[query](service)
            except SpcsError:
                if query is not Query.CONTAINERS:
                    raise
                result = []
            query = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
