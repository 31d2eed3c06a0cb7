"""Job services: the specs they run from and their lifecycle.

``PENDING`` (``pending_polls`` polls) -> ``RUNNING`` (``run_polls`` polls) -> ``DONE`` | ``FAILED``
as the job's :class:`JobSpec` says. Cancelling gives ``CANCELLING`` (seen by one poll) then
``CANCELLED``. A job's containers log the spec's lines when it starts running.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from airflow_provider_spcs.testing.model.instance_views import (
    FAILURE_MESSAGE,
    ContainerState,
    InstanceCounts,
    InstanceState,
    instance_and_container_status,
)
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_settings import ServiceSettings
from airflow_provider_spcs.testing.model.spec_yaml import SpecError, parse_spec, render_service_spec, scripted_setting

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.world import World

JobOutcome = Literal["DONE", "FAILED"]

JOB_TERMINAL_STATUSES = frozenset({"DONE", "FAILED", "CANCELLED", "INTERNAL_ERROR"})
"""Statuses a job service never leaves."""

_NO_INSTANCES = frozenset({"PENDING", "SUSPENDED", "DELETED", "DELETING"})
_INSTANCES_UP = frozenset({"RUNNING", "SUSPENDING", "CANCELLING"})

#: The exit code SPCS reports for a container stopped by cancelling its job (SIGTERM).
CANCELLED_EXIT_CODE = 143


@dataclass
class JobSpec:
    """How a job service started from a spec behaves.

    ``logs`` is either a list of lines (every container of every instance logs them) or a mapping
    of container name to lines. ``containers`` names the spec's containers. ``stage`` and
    ``file`` say where the spec lives (empty for an inline spec).
    """

    stage: str
    file: str
    outcome: JobOutcome = "DONE"
    run_polls: int = 2
    pending_polls: int = 1
    logs: list[str] | dict[str, list[str]] = field(default_factory=list)
    exit_code: int = 0
    message: str | None = None
    containers: list[str] = field(default_factory=lambda: ["main"])
    spec_text: str | None = None

    def logs_for(self, container: str) -> list[str]:
        """The log lines that ``container`` writes."""
        if isinstance(self.logs, dict):
            return list(self.logs.get(container, []))
        return list(self.logs)


def job_spec_from_text(text: str) -> JobSpec:
    """The :class:`JobSpec` of an inline spec, scripted by its ``EMULATOR_*`` container env.

    See :mod:`.spec_yaml` for the knobs. :raises SpecError: the text is no valid spec, or a knob
    has a bad value.
    """
    containers = parse_spec(text)

    def setting(key: str, default: int) -> int:
        value = scripted_setting(containers, key)
        try:
            return int(value) if value is not None else default
        except ValueError:
            raise SpecError(f"Invalid spec: {key} must be an integer.") from None

    outcome = (scripted_setting(containers, "EMULATOR_OUTCOME") or "DONE").upper()
    if outcome not in {"DONE", "FAILED"}:
        raise SpecError("Invalid spec: EMULATOR_OUTCOME must be DONE or FAILED.")
    logs: dict[str, list[str]] = {}
    for container in containers:
        if "EMULATOR_LOGS" in container.env:
            logs[container.name] = container.env["EMULATOR_LOGS"].splitlines()
        elif container.command:
            logs[container.name] = [" ".join(container.command)]
    return JobSpec(
        stage="",
        file="",
        outcome="FAILED" if outcome == "FAILED" else "DONE",
        run_polls=setting("EMULATOR_RUN_POLLS", 2),
        pending_polls=setting("EMULATOR_PENDING_POLLS", 1),
        logs=logs,
        exit_code=setting("EMULATOR_EXIT_CODE", 1 if outcome == "FAILED" else 0),
        message=scripted_setting(containers, "EMULATOR_MESSAGE"),
        containers=[c.name for c in containers],
        spec_text=text,
    )


class JobService(BaseService):
    """A job service (what EXECUTE JOB SERVICE starts). Create one with :meth:`.World.add_job`."""

    is_job = True

    def __init__(
        self,
        world: World,
        name: str,
        job_spec: JobSpec,
        *,
        database: str,
        schema: str,
        compute_pool: str,
        owner_role: str,
        replicas: int = 1,
        is_async: bool = False,
        query_warehouse: str | None = None,
        external_access_integrations: Iterable[str] = (),
        comment: str | None = None,
    ) -> None:
        super().__init__(
            world,
            name,
            database=database,
            schema=schema,
            compute_pool=compute_pool,
            owner_role=owner_role,
            access_roles=(),
            endpoints=(),
            containers=job_spec.containers,
            spec=(
                job_spec.spec_text
                if job_spec.spec_text is not None
                else render_service_spec(database, schema, job_spec.containers, ())
            ),
            settings=ServiceSettings.of(
                replicas,
                auto_resume=False,
                external_access_integrations=external_access_integrations,
                query_warehouse=query_warehouse,
                comment=comment,
            ),
        )
        self.instances = replicas
        """How many replicas the job runs (``REPLICAS``)."""
        self.job_spec = job_spec
        self.is_async_job = is_async
        # Container-level detail shown by SHOW SERVICE CONTAINERS; set by the outcome or by fail().
        self.message: str | None = None
        self.restart_count = 0
        self.last_exit_code: int | None = None
        self.last_restart_time: float | None = None
        self._enter("PENDING", "RUNNING", polls=job_spec.pending_polls)

    def failure_facts(self) -> tuple[str | None, int | None]:
        return self.message, self.last_exit_code

    def _fail(
        self, message: str = "Container exited with an error", exit_code: int = 1, restart_count: int = 0
    ) -> None:
        """Script a failure: status FAILED, every container FAILED with ``message`` and exit code."""
        with self._lock:
            self._enter("FAILED")
            self.message = message
            self.last_exit_code = exit_code
            self.restart_count = restart_count
            if restart_count > 0:
                self.last_restart_time = self._clock()
                self._keep_previous_logs()

    def cancel(self) -> bool:
        """Cancel the job: CANCELLING for one poll, then CANCELLED. False if already finished."""
        with self._lock:
            self._advance()
            if self._status in JOB_TERMINAL_STATUSES or self._status == "CANCELLING":
                return False
            self._enter("CANCELLING", "CANCELLED", polls=1)
            return True

    # -- views: every replica follows the job's status -------------------------------------------

    def instance_ids(self) -> list[str]:
        """``"0"`` .. ``"n-1"`` for the job's replicas."""
        return [str(i) for i in range(self.instances)]

    def counts(self) -> InstanceCounts:
        """Replicas up now, and ``REPLICAS`` as target and bounds."""
        current = self.instances if self._status in _INSTANCES_UP else 0
        return InstanceCounts(current, self.instances, self.instances, self.instances, self.instances)

    def node_demand(self) -> int:
        """The replicas while the job runs."""
        return self.instances if self.status in _INSTANCES_UP else 0

    def container_states(self) -> list[ContainerState]:
        """One entry per (replica, container); empty while no replica exists."""
        with self._lock:
            if self._status in _NO_INSTANCES:
                return []
            instance_status, container_status, message = instance_and_container_status(self._status, self.message)
            states = []
            for instance in self.instance_ids():
                for container in self.containers:
                    image = self.image_for(container)
                    states.append(
                        ContainerState(
                            instance_id=instance,
                            instance_status=instance_status,
                            container_name=container,
                            status=container_status,
                            message=message,
                            image_name=image,
                            image_digest=self.digest_of(image),
                            restart_count=self.restart_count,
                            start_time=self.started_at,
                            last_exit_code=self.last_exit_code,
                            last_restart_time=self.last_restart_time,
                        )
                    )
            return states

    def instance_states(self) -> list[InstanceState]:
        """One entry per replica; empty while no replica exists."""
        with self._lock:
            if self._status in _NO_INSTANCES:
                return []
            instance_status = instance_and_container_status(self._status, self.message)[0]
            return [
                InstanceState(
                    instance_id=instance,
                    status=instance_status,
                    spec_digest=self.spec_digest,
                    creation_time=self.started_at if self.started_at is not None else self.updated_on,
                    start_time=self.started_at,
                    ip_address=self.ip_address(instance),
                )
                for instance in self.instance_ids()
            ]

    def _on_enter(self, status: str, now: float) -> None:
        spec = self.job_spec
        if status == "RUNNING":
            self.started_at = now
            for instance in self.instance_ids():
                for container in self.containers:
                    self.logs.setdefault((instance, container), []).extend(spec.logs_for(container))
        elif status == "DONE":
            self.last_exit_code = 0
            self.message = "Completed successfully"
        elif status == "FAILED":
            self.last_exit_code = spec.exit_code or 1
            self.message = spec.message or FAILURE_MESSAGE

    def _transition(self, status: str) -> None:
        if status == "RUNNING":
            self._enter("RUNNING", self.job_spec.outcome, polls=self.job_spec.run_polls)
        elif status == "CANCELLED":
            self._enter("CANCELLED")
            self.last_exit_code = CANCELLED_EXIT_CODE
            self.message = "Job was cancelled"
        else:
            self._enter(status)
