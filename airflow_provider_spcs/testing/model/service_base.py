"""What every service has, long-running or job: identity, containers, instances, logs and views.

:class:`BaseService` is the part :class:`~.long_running.Service` and
:class:`~.job_services.JobService` share; each adds its own lifecycle. Scripting helpers that make
sense for both (:meth:`BaseService.fail`, :meth:`BaseService.fail_after`,
:meth:`BaseService.set_status`, :meth:`BaseService.start_after`) live here too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from airflow_provider_spcs.testing.model.instance_views import (
    ContainerState,
    InstanceState,
    instance_and_container_status,
)
from airflow_provider_spcs.testing.model.poll_machine import PollDriven
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.world import World

SERVICE_STATUSES = frozenset(
    {
        "PENDING",
        "RUNNING",
        "FAILED",
        "DONE",
        "SUSPENDING",
        "SUSPENDED",
        "DELETING",
        "DELETED",
        "INTERNAL_ERROR",
        "CANCELLING",
        "CANCELLED",
    }
)
"""Every status SHOW SERVICES can report (for services and job services alike)."""

_NO_INSTANCES = frozenset({"PENDING", "SUSPENDED", "DELETED", "DELETING"})
_INSTANCES_UP = frozenset({"RUNNING", "SUSPENDING", "CANCELLING"})


class BaseService(PollDriven):
    """A service or job service in the world. Create one through :class:`~.world.World`."""

    KIND = "service"
    STATUSES = SERVICE_STATUSES
    is_job: ClassVar[bool]
    """Whether this is a job service (SHOW SERVICES ``is_job``)."""
    is_async_job = False
    """Whether the job was started with ``ASYNC = TRUE`` (SHOW SERVICES ``is_async_job``)."""
    _scripted_failure: tuple[str, int] | None = None

    def __init__(
        self,
        world: World,
        name: str,
        *,
        database: str,
        schema: str,
        compute_pool: str,
        owner_role: str,
        access_roles: Iterable[str],
        endpoints: Iterable[Endpoint],
        containers: Sequence[str],
        spec: str,
        instances: int,
        query_warehouse: str | None,
        external_access_integrations: Iterable[str],
        comment: str | None,
    ) -> None:
        super().__init__(world.now, world.lock)
        self._world = world
        self.name = name
        self.database = database
        self.schema = schema
        self.compute_pool = compute_pool
        self.owner_role = owner_role
        self.access_roles: list[str] = list(access_roles)
        self.endpoints: list[Endpoint] = list(endpoints)
        self.containers: list[str] = list(containers)
        self.spec = spec
        self.instances = instances
        self.query_warehouse = query_warehouse
        self.external_access_integrations: list[str] = list(external_access_integrations)
        self.comment = comment
        self.created_on = self.updated_on
        self.resumed_on: float | None = None
        self.suspended_on: float | None = None
        self.started_at: float | None = None
        # Container-level detail shown by SHOW SERVICE CONTAINERS; scripted by fail().
        self.message: str | None = None
        self.restart_count = 0
        self.last_exit_code: int | None = None
        self.last_restart_time: float | None = None
        self.logs: dict[tuple[str, str], list[str]] = {}
        self.previous_logs: dict[tuple[str, str], list[str]] = {}

    # -- scripting ----------------------------------------------------------------------------

    def fail(self, message: str = "Container exited with an error", exit_code: int = 1, restart_count: int = 0) -> None:
        """Script a failure: status FAILED, container FAILED with ``message`` and exit code."""
        with self._lock:
            self._enter("FAILED")
            self.message = message
            self.last_exit_code = exit_code
            self.restart_count = restart_count
            if restart_count > 0:
                self.last_restart_time = self._clock()
                for key, lines in self.logs.items():
                    self.previous_logs[key] = list(lines)

    def fail_after(
        self,
        *,
        polls: int = 0,
        seconds: float = 0.0,
        message: str = "Container exited with an error",
        exit_code: int = 1,
    ) -> None:
        """Script a later failure: the current status holds for ``polls`` polls or ``seconds``
        seconds, whichever comes first, then the service is FAILED with ``message`` and
        ``exit_code`` (as :meth:`fail` now does when both are 0). Any status change before then
        (scripted, SQL, or the scheduled transition it replaces) cancels it."""
        with self._lock:
            if polls <= 0 and seconds <= 0:
                self.fail(message, exit_code)
                return
            self._advance()
            self._schedule("FAILED", polls=polls or None, seconds=seconds or None)
            self._scripted_failure = (message, exit_code)

    def _enter(
        self, status: str, next_status: str | None = None, *, polls: int | None = None, seconds: float | None = None
    ) -> None:
        # A failure scripted by fail_after applies when FAILED is reached and ends with any status change.
        failure, self._scripted_failure = self._scripted_failure, None
        super()._enter(status, next_status, polls=polls, seconds=seconds)
        if failure is not None and status == "FAILED":
            self.message, self.last_exit_code = failure

    def set_status(self, status: str) -> None:
        """Script the status directly; any pending automatic transition is dropped."""
        with self._lock:
            status = status.upper()
            self._enter(status)
            if status == "SUSPENDED":
                self.suspended_on = self._clock()

    def start_after(self, polls: int = 0, seconds: float = 0.0) -> None:
        """Make the service PENDING now and RUNNING after ``polls`` polls or ``seconds`` seconds."""
        with self._lock:
            self._enter_pending_start(polls, seconds)

    def _enter_pending_start(self, polls: int, seconds: float) -> None:
        self._enter("PENDING", "RUNNING", polls=polls or None, seconds=seconds or None)

    def mark_dropped(self) -> None:
        """DROP SERVICE: status DELETED (the world forgets the service)."""
        with self._lock:
            self._enter("DELETED")

    def add_log(self, line: str, *, instance_id: str = "0", container: str | None = None) -> None:
        """Append a log line for one container (default: the first) of one instance."""
        with self._lock:
            name = container or self.containers[0]
            self.logs.setdefault((instance_id, name), []).append(line)

    def get_logs(self, instance_id: str, container: str, *, previous: bool = False) -> list[str]:
        """Log lines of one container of one instance (previous run's if ``previous``)."""
        with self._lock:
            source = self.previous_logs if previous else self.logs
            return list(source.get((instance_id, container), []))

    # -- derived views ------------------------------------------------------------------------

    @property
    def account(self) -> str:
        """The account this service lives in."""
        return self._world.account

    @property
    def qualified_name(self) -> str:
        """``DATABASE.SCHEMA.NAME``."""
        return f"{self.database}.{self.schema}.{self.name}"

    @property
    def dns_name(self) -> str:
        """``service-name.<id>.svc.spcs.internal`` (underscores become hyphens, as Snowflake does)."""
        digest = hashlib.sha256(f"{self.database}.{self.schema}".encode()).hexdigest()[:4]
        return f"{self.name.lower().replace('_', '-')}.{digest}.svc.spcs.internal"

    @property
    def spec_digest(self) -> str:
        """SHA-256 of the spec text (hex)."""
        return hashlib.sha256(self.spec.encode()).hexdigest()

    def is_visible_to(self, role: str) -> bool:
        """Whether ``role`` owns the service or has been granted access to it."""
        role = role.upper()
        return role == self.owner_role.upper() or role in {r.upper() for r in self.access_roles}

    def endpoint(self, name: str) -> Endpoint | None:
        """The endpoint called ``name`` (case-insensitive), if any."""
        for endpoint in self.endpoints:
            if endpoint.name.lower() == name.lower():
                return endpoint
        return None

    def instance_ids(self) -> list[str]:
        """``"0"`` .. ``"n-1"`` for the service's replicas/instances."""
        return [str(i) for i in range(self.instances)]

    def has_instances(self) -> bool:
        """Whether any instance exists in the current state (PENDING/SUSPENDED have none)."""
        return self._status not in _NO_INSTANCES

    def current_instances(self) -> int:
        """Instances currently up (for SHOW SERVICES ``current_instances``)."""
        return self.instances if self._status in _INSTANCES_UP else 0

    def image_for(self, container: str) -> str:
        """The (made-up but realistic) repository image of ``container``."""
        account = self._world.account.lower()
        return (
            f"{account}.registry.snowflakecomputing.com/{self.database.lower()}/{self.schema.lower()}/"
            f"images/{container.lower()}:latest"
        )

    def container_states(self) -> list[ContainerState]:
        """One entry per (instance, container); empty when no instance exists."""
        with self._lock:
            if not self.has_instances():
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
                            image_digest="sha256:" + hashlib.sha256(image.encode()).hexdigest(),
                            restart_count=self.restart_count,
                            start_time=self.started_at,
                            last_exit_code=self.last_exit_code,
                            last_restart_time=self.last_restart_time,
                        )
                    )
            return states

    def instance_states(self) -> list[InstanceState]:
        """One entry per instance; empty when no instance exists."""
        with self._lock:
            if not self.has_instances():
                return []
            instance_status = instance_and_container_status(self._status, self.message)[0]
            return [
                InstanceState(
                    instance_id=instance,
                    status=instance_status,
                    creation_time=self.started_at if self.started_at is not None else self.updated_on,
                    start_time=self.started_at,
                    ip_address=f"10.244.{int(self.spec_digest[:2], 16) % 200 + 1}.{int(instance) + 2}",
                )
                for instance in self.instance_ids()
            ]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.qualified_name!r}, status={self._status!r})"
