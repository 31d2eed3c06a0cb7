"""A long-running service and its lifecycle.

``PENDING -> RUNNING`` after its start pace (``start_after_polls`` polls or ``start_after_seconds``
seconds, whichever comes first; a service created with ``status="PENDING"`` and neither delay stays
PENDING until scripted), and only once its compute pool is up. Entering RUNNING starts its
instances READY at once (:mod:`.service_instances`); from then on the instances scale with
``MIN_INSTANCES`` and upgrade one by one, and the service is FAILED while any instance is FAILED
(our reading: SHOW SERVICES documents no status for a partly failed service), RUNNING otherwise —
there is no UPGRADING status, ``is_upgrading`` tells. :meth:`~.service_base.BaseService.fail`
makes every instance FAILED at once. ALTER SUSPEND gives ``SUSPENDING`` (seen by one poll) then
``SUSPENDED``; RESUME gives ``PENDING`` (seen by one poll, or the start pace) then ``RUNNING``,
on the revision recorded last. DROP gives ``DELETED`` (:meth:`.World.drop_service`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from airflow_provider_spcs.testing.model.container_images import StartFailure
from airflow_provider_spcs.testing.model.deployments import MountedSecrets, Revision, mounted_secrets
from airflow_provider_spcs.testing.model.instance_views import (
    FAILURE_MESSAGE,
    PENDING_MESSAGE,
    RUNNING_MESSAGE,
    TERMINATING_MESSAGE,
    ContainerState,
    InstanceCounts,
    InstanceState,
)
from airflow_provider_spcs.testing.model.pacing import Pace
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint
from airflow_provider_spcs.testing.model.service_instances import InstanceFleet
from airflow_provider_spcs.testing.model.service_settings import ServiceSettings

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.world import World

_UP = frozenset({"RUNNING", "FAILED"})
_WITHOUT_TARGET = frozenset({"SUSPENDING", "SUSPENDED", "DELETED"})
_CONTAINER_VIEW = {"READY": RUNNING_MESSAGE, "PENDING": PENDING_MESSAGE, "TERMINATING": TERMINATING_MESSAGE}


class Service(BaseService):
    """A long-running service. Create one with :meth:`.World.add_service` (or CREATE SERVICE)."""

    is_job = False

    def __init__(
        self,
        world: World,
        name: str,
        *,
        database: str,
        schema: str,
        compute_pool: str,
        owner_role: str,
        revision: Revision,
        settings: ServiceSettings,
        access_roles: Iterable[str] = (),
        status: str = "RUNNING",
        start_after_polls: int = 0,
        start_after_seconds: float = 0.0,
        pending_first: bool = False,
        instance_pace: Pace | None = None,
    ) -> None:
        super().__init__(
            world,
            name,
            database=database,
            schema=schema,
            compute_pool=compute_pool,
            owner_role=owner_role,
            access_roles=access_roles,
            endpoints=revision.spec.endpoints,
            containers=[c.name for c in revision.containers],
            spec=revision.text,
            settings=settings,
        )
        self.revision = revision
        """The revision new and resumed instances run (the last CREATE or ALTER ... FROM)."""
        self.start_after_polls = start_after_polls
        """Polls the service is PENDING when it starts or resumes (settable)."""
        self.start_after_seconds = start_after_seconds
        """Seconds the service is PENDING when it starts or resumes (settable)."""
        self.instance_pace = instance_pace or world.timings.instance_step
        """How long each instance step of scaling and upgrades takes (settable)."""
        self.fleet = InstanceFleet(
            world.now,
            world.lock,
            revision,
            target=settings.min_instances,
            pace=lambda: self.instance_pace,
            check=world.start_failure,
            log=lambda instance, container, line: self.add_log(line, instance_id=instance, container=container),
        )
        if pending_first or start_after_polls > 0 or start_after_seconds > 0:
            self._enter_paced("PENDING", "RUNNING", self._start_pace())
        else:
            self._enter(status.upper())
            if self._status == "SUSPENDED":
                self.suspended_on = self.updated_on

    def _start_pace(self) -> Pace:
        return Pace(self.start_after_polls, self.start_after_seconds)

    # -- operations ---------------------------------------------------------------------------

    def suspend(self) -> None:
        """ALTER SERVICE ... SUSPEND: SUSPENDING for one poll, then SUSPENDED."""
        with self._lock:
            self._advance()
            if self._status in {"SUSPENDING", "SUSPENDED"}:
                return
            self._enter("SUSPENDING", "SUSPENDED", polls=1)

    def resume(self) -> None:
        """ALTER SERVICE ... RESUME: PENDING for one poll (or the start pace), then RUNNING.

        :raises StateConflict: the compute pool is suspended and does not auto-resume.
        """
        with self._lock:
            self._advance()
            if self._status in {"RUNNING", "PENDING"}:
                return
            pool = self._world.compute_pools.get(self.compute_pool)
            if pool is not None:
                pool.admit_work()
            self.resumed_on = self._clock()
            pace = self._start_pace()
            self._enter_paced("PENDING", "RUNNING", pace if (pace.polls or pace.seconds) else Pace(1))

    def upgrade(self, revision: Revision) -> None:
        """ALTER SERVICE ... FROM: run ``revision``; a running service rolls its instances over one
        at a time (descending id), a suspended or pending one starts on it later."""
        with self._lock:
            self._advance()
            self.revision = revision
            self.spec = revision.text
            self.containers = [c.name for c in revision.containers]
            self._merge_endpoints(revision.spec.endpoints)
            self.fleet.deploy(revision, rolling=self._status in _UP)
            self.updated_on = self._clock()
            self._world.endpoints_changed()

    def configure(self, settings: ServiceSettings) -> None:
        """ALTER SERVICE ... SET / UNSET: new properties; the instances follow MIN_INSTANCES."""
        with self._lock:
            self._advance()
            self.settings = settings
            self.fleet.target = settings.min_instances
            self.updated_on = self._clock()

    def _merge_endpoints(self, wanted: list[Endpoint]) -> None:
        # Keep the endpoint objects that stay (their ingress port and provisioning state).
        current = {e.name.lower(): e for e in self.endpoints}
        merged = []
        for endpoint in wanted:
            kept = current.get(endpoint.name.lower())
            if kept is None:
                merged.append(endpoint)
                continue
            kept.port, kept.protocol, kept.is_public = endpoint.port, endpoint.protocol, endpoint.is_public
            merged.append(kept)
        self.endpoints = merged

    # -- scripting ----------------------------------------------------------------------------

    def _fail(
        self, message: str = "Container exited with an error", exit_code: int = 1, restart_count: int = 0
    ) -> None:
        """Script a failure: every instance (started if none runs) FAILED with ``message`` and exit code."""
        with self._lock:
            self._advance()
            if not self.fleet.instances:
                self.started_at = self.started_at or self._clock()
                self.fleet.start_all()
            if restart_count > 0:
                self._keep_previous_logs()
            self.fleet.fail_all(StartFailure(message, exit_code, restart_count))
            self._enter("FAILED")

    @property
    def message(self) -> str | None:
        """The first failed container's message (what scripting and admin answers report)."""
        failure = self._first_failure()
        return None if failure is None else failure.message

    @property
    def last_exit_code(self) -> int | None:
        """The first failed container's exit code."""
        failure = self._first_failure()
        return None if failure is None else failure.exit_code

    def failure_facts(self) -> tuple[str | None, int | None]:
        return self.message, self.last_exit_code

    def _first_failure(self) -> StartFailure | None:
        with self._lock:
            for instance in self.fleet.ordered():
                for failure in instance.failures.values():
                    return failure
        return None

    def set_status(self, status: str) -> None:
        """Script the status directly; RUNNING also starts fresh, healthy instances."""
        with self._lock:
            if status.upper() == "RUNNING":
                self.fleet.clear()
            super().set_status(status)

    # -- lifecycle ----------------------------------------------------------------------------

    def _on_enter(self, status: str, now: float) -> None:
        fleet = self.fleet
        fleet.active = status in _UP
        if status == "RUNNING":
            if not fleet.instances:
                self.started_at = now
                fleet.start_all()
        elif status in {"FAILED", "INTERNAL_ERROR"}:
            if not fleet.any_failed():
                if not fleet.instances:
                    fleet.start_all()
                fleet.fail_all(StartFailure(FAILURE_MESSAGE, 1, 0))
        elif status == "SUSPENDING":
            fleet.hold_terminating()
        else:
            fleet.clear()

    def _transition(self, status: str) -> None:
        self._enter(status)
        if status == "SUSPENDED":
            self.suspended_on = self._clock()

    def _settle(self) -> None:
        self.fleet.advance()
        if self._status == "RUNNING" and self.fleet.any_failed():
            self._enter("FAILED")
        elif self._status == "FAILED" and self.fleet.instances and not self.fleet.any_failed():
            self._enter("RUNNING")

    def poll(self) -> str:
        """Count one poll of the service and one look at each of its instances."""
        with self._lock:
            self.fleet.count_seen()
            observed = super().poll()
            self.fleet.mark_seen()
            return observed

    # -- views --------------------------------------------------------------------------------

    @property
    def is_upgrading(self) -> bool:
        """Whether a rolling upgrade is in progress (as of the last look or status read; reading it
        moves nothing on, so a SHOW row is consistent with the look that made it)."""
        with self._lock:
            return self.fleet.upgrading

    def instance_ids(self) -> list[str]:
        """Ids of the instances now and of any instance that left logs."""
        with self._lock:
            ids = {str(i) for i in self.fleet.instances} | {key[0] for key in self.logs}
            return sorted(ids, key=int)

    def counts(self) -> InstanceCounts:
        """READY instances now; MIN_INSTANCES as target (0 while suspended); the configured bounds."""
        with self._lock:
            settings = self.settings
            target = 0 if self._status in _WITHOUT_TARGET else settings.min_instances
            return InstanceCounts(
                len(self.fleet.ready()),
                target,
                settings.min_ready_instances,
                settings.min_instances,
                settings.max_instances,
            )

    def node_demand(self) -> int:
        """One node slot per instance that exists."""
        with self._lock:
            self._advance()
            return len(self.fleet.instances)

    def serves_requests(self) -> bool:
        """Whether some instance is READY (a partly failed service still answers)."""
        with self._lock:
            self._advance()
            return self._status in _UP and self.fleet.serving() is not None

    def mounted_secrets(self) -> MountedSecrets:
        """The secrets the instance that serves ingress sees (nothing if no instance is READY).

        The READY instance with the lowest id answers ingress requests, so during an upgrade
        (descending ids) requests see the old revision until the last instance has restarted.
        """
        with self._lock:
            self._advance()
            instance = self.fleet.serving()
            if instance is None:
                return MountedSecrets()
            return mounted_secrets(instance.revision, self._world.secrets.get)

    def container_states(self) -> list[ContainerState]:
        """One entry per (instance, container of the revision that instance runs)."""
        with self._lock:
            states = []
            for instance in self.fleet.ordered():
                for container in instance.revision.containers:
                    image = self.image_for(container.name, container.image)
                    failure = instance.failures.get(container.name)
                    restarted = failure is not None and failure.restart_count > 0
                    states.append(
                        ContainerState(
                            instance_id=str(instance.instance_id),
                            instance_status=instance.status,
                            container_name=container.name,
                            status="FAILED" if failure else _container_status(instance.status),
                            message=failure.message
                            if failure
                            else _CONTAINER_VIEW.get(instance.status, RUNNING_MESSAGE),
                            image_name=image,
                            image_digest=self.digest_of(image),
                            restart_count=failure.restart_count if failure else 0,
                            start_time=instance.start_time,
                            last_exit_code=failure.exit_code if failure else None,
                            last_restart_time=instance.updated_on if restarted else None,
                        )
                    )
            return states

    def instance_states(self) -> list[InstanceState]:
        """One entry per instance, each with the digest of the revision it runs."""
        with self._lock:
            return [
                InstanceState(
                    instance_id=str(instance.instance_id),
                    status=instance.status,
                    spec_digest=instance.spec_digest,
                    creation_time=instance.creation_time,
                    start_time=instance.start_time,
                    ip_address=self.ip_address(str(instance.instance_id)),
                )
                for instance in self.fleet.ordered()
            ]


def _container_status(instance_status: str) -> str:
    # A FAILED instance's healthy containers keep running.
    return "READY" if instance_status == "FAILED" else instance_status
