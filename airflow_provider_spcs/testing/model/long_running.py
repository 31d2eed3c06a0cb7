"""A long-running service and its lifecycle.

``PENDING -> RUNNING`` after ``start_after_polls`` polls or ``start_after_seconds`` seconds,
whichever comes first (a service created with ``status="PENDING"`` and neither delay stays PENDING
until scripted). :meth:`~.service_base.BaseService.fail` makes it ``FAILED`` at once. ALTER
SUSPEND gives ``SUSPENDING`` (seen by one poll) then ``SUSPENDED``; RESUME gives ``PENDING`` (seen by
one poll, or ``start_after_polls`` polls) then ``RUNNING``. DROP gives ``DELETED``
(:meth:`.World.drop_service`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from airflow_provider_spcs.testing.model.clock import iso_utc
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint
from airflow_provider_spcs.testing.model.spec_yaml import render_service_spec

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.world import World


class Service(BaseService):
    """A long-running service. Create one with :meth:`.World.add_service`."""

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
        access_roles: Iterable[str] = (),
        endpoints: Iterable[Endpoint] = (),
        containers: Sequence[str] = ("main",),
        spec: str | None = None,
        instances: int = 1,
        query_warehouse: str | None = None,
        external_access_integrations: Iterable[str] = (),
        comment: str | None = None,
        status: str = "RUNNING",
        start_after_polls: int = 0,
        start_after_seconds: float = 0.0,
    ) -> None:
        endpoint_list = list(endpoints)
        super().__init__(
            world,
            name,
            database=database,
            schema=schema,
            compute_pool=compute_pool,
            owner_role=owner_role,
            access_roles=access_roles,
            endpoints=endpoint_list,
            containers=containers,
            spec=spec if spec is not None else render_service_spec(database, schema, containers, endpoint_list),
            instances=instances,
            query_warehouse=query_warehouse,
            external_access_integrations=external_access_integrations,
            comment=comment,
        )
        self.start_after_polls = start_after_polls
        self.start_after_seconds = start_after_seconds
        if start_after_polls > 0 or start_after_seconds > 0:
            self._enter_pending_start(start_after_polls, start_after_seconds)
        else:
            self._enter(status.upper())
            if self._status == "SUSPENDED":
                self.suspended_on = self.updated_on

    def suspend(self) -> None:
        """ALTER SERVICE ... SUSPEND: SUSPENDING for one poll, then SUSPENDED."""
        with self._lock:
            self._advance()
            if self._status in {"SUSPENDING", "SUSPENDED"}:
                return
            self._enter("SUSPENDING", "SUSPENDED", polls=1)

    def resume(self) -> None:
        """ALTER SERVICE ... RESUME: PENDING for one poll (or ``start_after_polls``), then RUNNING."""
        with self._lock:
            self._advance()
            if self._status in {"RUNNING", "PENDING"}:
                return
            self.resumed_on = self._clock()
            self.message = None
            self.last_exit_code = None
            self._enter_pending_start(
                self.start_after_polls or (0 if self.start_after_seconds else 1), self.start_after_seconds
            )

    def set_status(self, status: str) -> None:
        """Script the status directly; back to RUNNING also forgets a scripted failure."""
        with self._lock:
            if status.upper() == "RUNNING":
                self.message = None
                self.last_exit_code = None
                self.restart_count = 0
                self.last_restart_time = None
            super().set_status(status)

    def _on_enter(self, status: str, now: float) -> None:
        if status == "RUNNING":
            self.started_at = now
            for instance in self.instance_ids():
                for container in self.containers:
                    self.logs.setdefault((instance, container), []).append(
                        f"{iso_utc(now)} container {container} started"
                    )

    def _transition(self, status: str) -> None:
        self._enter(status)
        if status == "SUSPENDED":
            self.suspended_on = self._clock()
