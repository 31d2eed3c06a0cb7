"""Service and job-service statuses: the vocabulary, and reading it from user input.

A small module with no I/O and no steps, so a trigger class can validate its statuses when Airflow
builds it on the triggerer's event loop without importing the rest of core
(:mod:`.services` holds the decision that uses these statuses).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from airflow_provider_spcs.core.errors import SpcsConfigError


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


class PoolState(enum.StrEnum):
    """A compute pool's ``state``."""

    IDLE = "IDLE"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    STARTING = "STARTING"
    STOPPING = "STOPPING"
    RESIZING = "RESIZING"


def parse_pool_states(values: str | Iterable[str], *, field: str) -> frozenset[PoolState]:
    """Turn user input (``"IDLE"`` or ``["active", "IDLE"]``) into states.

    :raises SpcsConfigError: an empty set or an unknown state, naming ``field``.
    """
    raw = [values] if isinstance(values, str) else list(values)
    known = {s.value for s in PoolState}
    wrong = sorted(str(v) for v in raw if str(v).strip().upper() not in known)
    if wrong or not raw:
        raise SpcsConfigError(field, f"expected one or more of {', '.join(sorted(known))}, got {raw!r}")
    return frozenset(PoolState(str(v).strip().upper()) for v in raw)
