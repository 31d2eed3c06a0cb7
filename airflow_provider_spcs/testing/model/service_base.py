"""What every service has, long-running or job: identity, properties, endpoints, logs and views.

:class:`BaseService` is the part :class:`~.long_running.Service` and
:class:`~.job_services.JobService` share; each adds its own lifecycle and its own view of its
instances (a service has real instances that scale and upgrade one by one; a job's replicas all
follow the job). Scripting helpers that make sense for both (:meth:`BaseService.fail`, :meth:`BaseService.fail_after`,
:meth:`BaseService.set_status`, :meth:`BaseService.start_after`) are declared here.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from airflow_provider_spcs.testing.model.container_images import image_digest, registry_image
from airflow_provider_spcs.testing.model.deployments import MountedSecrets
from airflow_provider_spcs.testing.model.instance_views import ContainerState, InstanceCounts, InstanceState
from airflow_provider_spcs.testing.model.poll_machine import PollDriven
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint
from airflow_provider_spcs.testing.model.service_settings import ServiceSettings
from airflow_provider_spcs.testing.model.spec_yaml import default_image

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


class BaseService(PollDriven, abc.ABC):
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
        settings: ServiceSettings,
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
        """Names of the containers of the current spec."""
        self.spec = spec
        """The current (resolved) spec text."""
        self.settings = settings
        self.created_on = self.updated_on
        self.resumed_on: float | None = None
        self.suspended_on: float | None = None
        self.started_at: float | None = None
        self.logs: dict[tuple[str, str], list[str]] = {}
        self.previous_logs: dict[tuple[str, str], list[str]] = {}

    # -- scripting ----------------------------------------------------------------------------

    def fail(self, message: str = "Container exited with an error", exit_code: int = 1, restart_count: int = 0) -> None:
        """Script a failure: status FAILED, containers FAILED with ``message`` and exit code.

        It replaces a failure scheduled by :meth:`fail_after`."""
        with self._lock:
            self._scripted_failure = None
            self._fail(message, exit_code, restart_count)

    @abc.abstractmethod
    def _fail(self, message: str, exit_code: int, restart_count: int) -> None:
        """The kind's own failure (every instance, or the job's replicas)."""

    @abc.abstractmethod
    def failure_facts(self) -> tuple[str | None, int | None]:
        """The message and exit code of the failed container a failure reports (``None`` when healthy)."""

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
            self._fail(*failure, 0)  # the kind's own failure, with the scripted message and exit code

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

    def _keep_previous_logs(self) -> None:
        """A restart: the current logs become the previous run's."""
        for key, lines in self.logs.items():
            self.previous_logs[key] = list(lines)

    # -- waiting for the pool -----------------------------------------------------------------

    def _due(self) -> bool:
        # A service or job starts only once its compute pool is up.
        if self._next_status == "RUNNING" and not self._world.compute_pools.is_up(self.compute_pool):
            return False
        return super()._due()

    def poll(self) -> str:
        """Count one poll; a service waiting for its pool also looks at the pool (so it gets up)."""
        with self._lock:
            observed = super().poll()
            if observed == "PENDING":
                pool = self._world.compute_pools.get(self.compute_pool)
                if pool is not None and not pool.is_up():
                    pool.count_poll()
            return observed

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

    @property
    def is_upgrading(self) -> bool:
        """Whether a rolling upgrade is in progress (SHOW SERVICES ``is_upgrading``)."""
        return False

    @property
    def query_warehouse(self) -> str | None:
        """QUERY_WAREHOUSE."""
        return self.settings.query_warehouse

    @property
    def external_access_integrations(self) -> list[str]:
        """EXTERNAL_ACCESS_INTEGRATIONS."""
        return list(self.settings.external_access_integrations)

    @property
    def comment(self) -> str | None:
        """COMMENT."""
        return self.settings.comment

    def serves_requests(self) -> bool:
        """Whether ingress requests reach the service now (else the proxy answers 503)."""
        return self.status == "RUNNING"

    def mounted_secrets(self) -> MountedSecrets:
        """The secrets the instance answering ingress requests sees (none by default)."""
        return MountedSecrets()

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

    def image_for(self, container: str, image: str | None = None) -> str:
        """The registry image of ``container``: its spec ``image`` with the account's registry host."""
        return registry_image(self._world.account, image or default_image(self.database, self.schema, container))

    @staticmethod
    def digest_of(image_name: str) -> str:
        """The ``image_digest`` of an image."""
        return image_digest(image_name)

    def ip_address(self, instance_id: str) -> str:
        """The (made-up, stable) IP address of one instance."""
        octet = int(hashlib.sha256(self.qualified_name.encode()).hexdigest()[:2], 16) % 200 + 1
        return f"10.244.{octet}.{int(instance_id) + 2}"

    @abc.abstractmethod
    def instance_ids(self) -> list[str]:
        """Instance ids whose logs may be read."""

    @abc.abstractmethod
    def counts(self) -> InstanceCounts:
        """The instance counts SHOW SERVICES reports."""

    def current_instances(self) -> int:
        """Instances currently running (SHOW SERVICES ``current_instances``)."""
        return self.counts().current

    @abc.abstractmethod
    def node_demand(self) -> int:
        """How many compute pool node slots the service's instances take now."""

    @abc.abstractmethod
    def container_states(self) -> list[ContainerState]:
        """One entry per (instance, container); empty when no instance exists."""

    @abc.abstractmethod
    def instance_states(self) -> list[InstanceState]:
        """One entry per instance; empty when no instance exists."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.qualified_name!r}, status={self._status!r})"
