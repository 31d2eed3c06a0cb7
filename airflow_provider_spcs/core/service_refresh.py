"""Restart a service on its own current spec, and wait until the rolling restart is done, as steps.

An env-var secret (``envVarName`` + ``secretKeyRef`` in the spec) is read when a service's
containers start, so a new secret value reaches it only through a new deployment:
``ALTER SERVICE ... FROM SPECIFICATION`` with the spec it already runs (``DESCRIBE SERVICE``'s
``spec`` column) restarts every instance, one at a time, with the same spec and the new value.
File-mounted secrets (``directoryPath``) need none of this: Snowflake updates the files in running
containers. The rollout is over when ``DESCRIBE SERVICE`` says ``is_upgrading`` is false.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.booleans import is_true
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsServiceFailedError, SpcsTimeoutError
from airflow_provider_spcs.core.polling import poll_until_final
from airflow_provider_spcs.core.service_facts import normalise_status
from airflow_provider_spcs.core.services import ServiceReads, ServiceStatus


def restart_on_current_spec(reads: ServiceReads, name: str) -> Steps[str]:
    """``ALTER SERVICE <name> FROM SPECIFICATION $$<its current spec>$$``; returns the status DESCRIBE showed.

    :raises SpcsConfigError: the name is invalid (nothing is sent), DESCRIBE shows no spec, or the
        spec contains ``$$`` (it cannot be sent inline).
    """
    row = yield from reads.describe(name)
    spec = row.get("spec")
    if not isinstance(spec, str) or not spec.strip():
        raise SpcsConfigError("refresh_services", f"service {name}: its description shows no spec to restart it on")
    yield from reads.sql(statements.alter_service_from_specification(name, spec))
    return normalise_status(row.get("status"))


@dataclass(frozen=True)
class RolloutLook:
    """One look at a rolling restart."""

    service: str
    status: str
    upgrading: bool

    @property
    def final(self) -> bool:
        """True once no instance is still restarting."""
        return not self.upgrading


def look_at_rollout(
    reads: ServiceReads, name: str, *, deadline: float | None, clock: Callable[[], float] = time.time
) -> Steps[RolloutLook]:
    """One ``DESCRIBE SERVICE``: is the service still rolling its instances over?

    :raises SpcsServiceFailedError: the service reached ``FAILED`` (a restarted instance did not come up).
    :raises SpcsTimeoutError: still upgrading at the deadline.
    """
    row = yield from reads.describe(name)
    look = RolloutLook(name, normalise_status(row.get("status")), is_true(row.get("is_upgrading")))
    if look.status == ServiceStatus.FAILED:
        raise SpcsServiceFailedError(f"Service {name} reached FAILED while restarting", status=look.status)
    if not look.final and deadline is not None and clock() >= deadline:
        raise SpcsTimeoutError(f"Service {name} is still upgrading at the deadline (status {look.status})")
    return look


def wait_for_rollout(
    reads: ServiceReads,
    name: str,
    *,
    interval: float,
    deadline: float | None,
    clock: Callable[[], float] = time.time,
) -> Steps[RolloutLook]:
    """Look at the service every ``interval`` seconds until ``is_upgrading`` is false."""
    return poll_until_final(
        lambda: look_at_rollout(reads, name, deadline=deadline, clock=clock),
        interval=interval,
        deadline=deadline,
        clock=clock,
    )
