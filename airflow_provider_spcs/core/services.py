"""The one decision every waiter on a service shares, and one look at a service as steps.

The sensor's ``poke``, the operators' waits and the trigger loop all run :func:`observe_service`
(read the status, :func:`decide`, read endpoints or containers when the decision needs them), so
"is this done, failed, or still going?" has exactly one answer. Statuses are those of ``DESCRIBE
SERVICE`` (see the protocol reference, section 7.3). A status this module does not know is a
failure, never "keep waiting": waiting on something we cannot interpret only hides the problem
until the deadline. Repeating a look until it is final is :func:`~.polling.poll_until_final`.
The statuses themselves, and reading them from user input, are in :mod:`.statuses` (re-exported
here).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.endpoints import endpoints_ready
from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsError
from airflow_provider_spcs.core.service_facts import ServiceFacts, normalise_status
from airflow_provider_spcs.core.statuses import ACTIVE_STATUSES as ACTIVE_STATUSES
from airflow_provider_spcs.core.statuses import JOB_SUCCESS_STATUSES as JOB_SUCCESS_STATUSES
from airflow_provider_spcs.core.statuses import STOPPING_STATUSES as STOPPING_STATUSES
from airflow_provider_spcs.core.statuses import TERMINAL_STATUSES as TERMINAL_STATUSES
from airflow_provider_spcs.core.statuses import ServiceStatus as ServiceStatus
from airflow_provider_spcs.core.statuses import parse_statuses as parse_statuses


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


# --- reading a service, and one observation, as steps --------------------------------------------

SqlSteps = Callable[[str], Steps[list[dict[str, Any]]]]
"""Runs one statement and returns its rows keyed by lowercase column name (the hook's SQL path)."""


class ServiceReads:
    """How a service's state is read, as steps over a SQL executor (``DESCRIBE`` and ``SHOW``).

    :param sql: runs one statement (see :data:`SqlSteps`).
    """

    def __init__(self, sql: SqlSteps) -> None:
        self.sql = sql

    def describe(self, name: str) -> Steps[dict[str, Any]]:
        """``DESCRIBE SERVICE`` as one row.

        :raises SpcsConfigError: the name is invalid (before anything is sent), or nothing came back.
        """
        rows = yield from self.sql(statements.describe_service(name))
        if not rows:
            raise SpcsConfigError("service", f"no description came back for service {name!r}")
        return rows[0]

    def status(self, name: str) -> Steps[str]:
        """The service's status (see :func:`normalise_status`)."""
        row = yield from self.describe(name)
        return normalise_status(row.get("status"))

    def facts(self, name: str, *, not_before: float | None = None) -> Steps[ServiceFacts]:
        """The wait-relevant facts of the service's row (``DESCRIBE SERVICE``).

        :param not_before: epoch seconds; a shared read must have started after it (a fresh
            ``DESCRIBE`` always has).
        """
        row = yield from self.describe(name)
        return ServiceFacts.from_row(row)

    def instances(self, name: str) -> Steps[list[dict[str, Any]]]:
        """``SHOW SERVICE INSTANCES IN SERVICE`` rows."""
        return (yield from self.sql(statements.show_service_instances(name)))

    def containers(self, name: str) -> Steps[list[dict[str, Any]]]:
        """``SHOW SERVICE CONTAINERS IN SERVICE`` rows."""
        return (yield from self.sql(statements.show_service_containers(name)))

    def endpoints(self, name: str) -> Steps[list[dict[str, Any]]]:
        """``SHOW ENDPOINTS IN SERVICE`` rows."""
        return (yield from self.sql(statements.show_endpoints(name)))


@dataclass(frozen=True)
class ServiceWait:
    """What a wait on a service is for: the service, the statuses that end it well, and its deadline.

    :param service: the service name as given.
    :param targets: statuses that end the wait successfully.
    :param deadline: absolute epoch-seconds deadline, or ``None``.
    :param also_wait: statuses to keep waiting through (see :func:`decide`).
    :param wait_for_endpoints: also wait until public endpoints have an ingress URL: ``True`` for
        all of them, or the endpoint names.
    """

    service: str
    targets: frozenset[ServiceStatus]
    deadline: float | None = None
    also_wait: frozenset[ServiceStatus] = frozenset()
    wait_for_endpoints: bool | tuple[str, ...] = False

    @classmethod
    def of(
        cls,
        service: str,
        targets: Iterable[ServiceStatus],
        *,
        deadline: float | None = None,
        also_wait: Iterable[ServiceStatus] = (),
        wait_for_endpoints: bool | Sequence[str] = False,
    ) -> ServiceWait:
        """Build one from any iterables (``wait_for_endpoints`` a bool or a sequence of names)."""
        endpoints = wait_for_endpoints if isinstance(wait_for_endpoints, bool) else tuple(wait_for_endpoints)
        return cls(service, frozenset(targets), deadline, frozenset(also_wait), endpoints)


@dataclass(frozen=True)
class Observation:
    """The result of one poll: the decision and, on failure, the containers' facts."""

    decision: Decision
    containers: list[dict[str, Any]]

    @property
    def final(self) -> bool:
        """True when the wait is over (success, failure or timeout)."""
        return self.decision.final


def observe_service(reads: ServiceReads, wait: ServiceWait, *, clock: Callable[[], float]) -> Steps[Observation]:
    """One look at a service: its status, the decision, and what that decision needs read next.

    Endpoints are read only once a target is reached (and only if the wait asks for them),
    containers only on failure, and a failure to read the containers does not hide the failure
    itself. The sensor, the operators and the triggers all run these steps
    (:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.observe_service`), so they cannot drift apart.

    :param reads: how the service is read.
    :param wait: what the wait is for.
    :param clock: epoch-seconds time source.
    """
    status = yield from reads.status(wait.service)
    decision = decide(status, wait.targets, now=clock(), deadline=wait.deadline, also_wait=wait.also_wait)
    if decision.outcome is Outcome.SUCCESS and wait.wait_for_endpoints:
        rows = yield from reads.endpoints(wait.service)
        _, pending = endpoints_ready(rows, wait.wait_for_endpoints)
        decision = endpoints_decision(decision, pending, now=clock(), deadline=wait.deadline)
    details: list[dict[str, Any]] = []
    if decision.outcome is Outcome.FAILED:
        details = yield from failure_details(reads, wait.service)
    return Observation(decision, details)


def failure_details(
    reads: ServiceReads, service: str, instance_ids: Collection[str] = ()
) -> Steps[list[dict[str, Any]]]:
    """The containers' facts for a failure message: those of ``instance_ids`` when given (else all).

    A failure to read them does not hide the failure itself: it gives no details.
    """
    try:
        rows = yield from reads.containers(service)
    except SpcsError:
        return []
    if instance_ids:
        rows = [r for r in rows if str(r.get("instance_id")) in instance_ids] or rows
    return container_details(rows)
