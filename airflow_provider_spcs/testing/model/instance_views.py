"""What one look at a service's instances and containers shows (SHOW SERVICE CONTAINERS/INSTANCES,
the instance counts of SHOW SERVICES).

A long-running service reports each instance as it is (:mod:`.service_instances`); a job's replicas
all follow the job's status through :func:`instance_and_container_status` (a job's DONE is a
SUCCEEDED instance).
"""

from __future__ import annotations

from dataclasses import dataclass

FAILURE_MESSAGE = "Encountered fatal error while running, check container logs"
RUNNING_MESSAGE = "Running"
PENDING_MESSAGE = "Waiting to start"
TERMINATING_MESSAGE = "Terminating"


@dataclass
class ContainerState:
    """A snapshot of one container of one instance (one SHOW SERVICE CONTAINERS row)."""

    instance_id: str
    instance_status: str
    container_name: str
    status: str
    message: str
    image_name: str
    image_digest: str
    restart_count: int
    start_time: float | None
    last_exit_code: int | None
    last_restart_time: float | None


@dataclass
class InstanceState:
    """A snapshot of one instance (one SHOW SERVICE INSTANCES row)."""

    instance_id: str
    status: str
    spec_digest: str
    creation_time: float
    start_time: float | None
    ip_address: str


@dataclass(frozen=True)
class InstanceCounts:
    """SHOW SERVICES ``current_instances`` (READY now), ``target_instances`` and the configured bounds."""

    current: int
    target: int
    min_ready: int
    minimum: int
    maximum: int


def instance_and_container_status(status: str, message: str | None) -> tuple[str, str, str]:
    """``(instance status, container status, container message)`` for a service in ``status``.

    ``message`` is a scripted container message; it replaces the default one of a finished or
    failed service.
    """
    if status == "RUNNING":
        return "READY", "READY", RUNNING_MESSAGE
    if status == "DONE":
        return "SUCCEEDED", "DONE", message or "Completed successfully"
    if status in {"FAILED", "INTERNAL_ERROR"}:
        return "FAILED", "FAILED", message or FAILURE_MESSAGE
    if status == "CANCELLED":
        return "FAILED", "FAILED", message or "Job was cancelled"
    if status in {"SUSPENDING", "CANCELLING"}:
        return "TERMINATING", "TERMINATING", TERMINATING_MESSAGE
    return "PENDING", "PENDING", PENDING_MESSAGE
