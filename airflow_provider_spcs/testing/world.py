"""The emulator's in-memory Snowflake/SPCS world: users, services, job services and job specs.

Everything here is pure Python with no I/O. The HTTP layer (``server.py`` and friends) and the
SQL engine (``sql.py``) both operate on one :class:`World`, which is thread-safe: every public
method takes the world's re-entrant lock, and the SQL engine holds it for a whole statement.

State machines (all driven by *polls* and by the injectable world clock):

* Service: ``PENDING -> RUNNING`` after ``start_after_polls`` polls or ``start_after_seconds``
  seconds, whichever comes first (a service created with ``status="PENDING"`` and neither delay
  stays PENDING until scripted). :meth:`Service.fail` makes it ``FAILED`` at once. ALTER
  SUSPEND gives ``SUSPENDING`` (seen by one poll) then ``SUSPENDED``; RESUME gives ``PENDING``
  (seen by one poll, or ``start_after_polls`` polls) then ``RUNNING``. DROP gives ``DELETED`` and
  removes the service from the world.
* Job service: ``PENDING`` (``pending_polls`` polls) -> ``RUNNING`` (``run_polls`` polls) ->
  ``DONE`` | ``FAILED`` as its :class:`JobSpec` says. Cancelling gives ``CANCELLING`` (seen by
  one poll) then ``CANCELLED``.

A *poll* is one look at a service through DESCRIBE SERVICE, SHOW SERVICES, SHOW SERVICE
CONTAINERS/INSTANCES or SYSTEM$GET_SERVICE_STATUS (see :meth:`Service.poll`); the k-th poll
reports the state reached *before* it is counted, so ``start_after_polls=2`` means two polls see
PENDING and the third sees RUNNING.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from airflow_provider_spcs.testing.sql_parse import SqlError, parse_name_text
from airflow_provider_spcs.testing.sql_spec import parse_spec_containers

Clock = Callable[[], float]

DEFAULT_DATABASE = "SPCS_DB"
DEFAULT_SCHEMA = "APP"
DEFAULT_COMPUTE_POOL = "SPCS_POOL"

#: What SHOW ENDPOINTS prints as ``ingress_url`` while a public endpoint is being provisioned.
PROVISIONING_PLACEHOLDER = "Endpoints provisioning in progress... check back in a few minutes"

JobOutcome = Literal["DONE", "FAILED"]

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
JOB_TERMINAL_STATUSES = frozenset({"DONE", "FAILED", "CANCELLED", "INTERNAL_ERROR"})


def normalize_name(name: str) -> str:
    """Return the stored form of an identifier given by a caller of the Python API.

    Unquoted names are case-insensitive in Snowflake and stored uppercase; a name wrapped in
    double quotes keeps its case (with ``""`` unescaped).
    """
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name.upper()


@dataclass
class User:
    """A Snowflake user. Credentials are checked by the HTTP layer, not here."""

    name: str
    public_keys: list[str] = field(default_factory=list)
    pat: str | None = None
    password: str | None = None
    default_role: str = "PUBLIC"
    roles: list[str] = field(default_factory=lambda: ["PUBLIC"])

    def has_role(self, role: str) -> bool:
        """Whether ``role`` is granted to this user (role names compare case-insensitively)."""
        return role.upper() in {r.upper() for r in self.roles}


@dataclass
class Endpoint:
    """One endpoint of a service.

    ``port`` is the *container* port (as in the spec). ``ingress_url`` is set by the HTTP layer to
    the endpoint's local base URL (``http://127.0.0.1:<p>``); :meth:`World.endpoint_for_port`
    routes ingress requests by that URL's port.
    """

    name: str
    port: int = 8080
    protocol: str = "HTTP"
    is_public: bool = True
    ingress_url: str | None = None
    provision_after_polls: int = 0
    provisioned: bool = True
    polls: int = 0

    def poll(self) -> bool:
        """Count one SHOW ENDPOINTS look and return whether it sees the endpoint provisioned.

        The first ``provision_after_polls`` looks see it provisioning; later looks see it ready.
        """
        if not self.provisioned and self.polls >= self.provision_after_polls:
            self.provisioned = True
        self.polls += 1
        return self.provisioned

    @property
    def ingress_port(self) -> int | None:
        """The local port of ``ingress_url``, if it has one."""
        if not self.ingress_url:
            return None
        try:
            return urlsplit(self.ingress_url).port
        except ValueError:
            return None


@dataclass
class JobSpec:
    """How a job service started from a spec behaves.

    ``logs`` is either a list of lines (every container of every instance logs them) or a mapping
    of container name to lines. ``containers`` names the spec's containers.
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
    creation_time: float
    start_time: float | None
    ip_address: str


class Service:
    """A service or job service and its state machine. Create through :class:`World`."""

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
        is_job: bool = False,
        is_async_job: bool = False,
        job_spec: JobSpec | None = None,
        query_warehouse: str | None = None,
        external_access_integrations: Iterable[str] = (),
        comment: str | None = None,
        status: str = "RUNNING",
        start_after_polls: int = 0,
        start_after_seconds: float = 0.0,
    ) -> None:
        self._world = world
        self.name = name
        self.database = database
        self.schema = schema
        self.compute_pool = compute_pool
        self.owner_role = owner_role
        self.access_roles: list[str] = list(access_roles)
        self.endpoints: list[Endpoint] = list(endpoints)
        self.containers: list[str] = list(containers)
        self.instances = instances
        self.is_job = is_job
        self.is_async_job = is_async_job
        self.job_spec = job_spec
        self.query_warehouse = query_warehouse
        self.external_access_integrations: list[str] = list(external_access_integrations)
        self.comment = comment
        self.spec = spec if spec is not None else self._default_spec()
        self.start_after_polls = start_after_polls
        self.start_after_seconds = start_after_seconds
        now = world.now()
        self.created_on = now
        self.updated_on = now
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
        self.poll_count = 0
        self._status = "PENDING"
        self._polls_in_state = 0
        # How the current state ends: after this many polls / at this clock time / never (None).
        self._next_status: str | None = None
        self._after_polls: int | None = None
        self._after_time: float | None = None
        if is_job:
            self._enter("PENDING", "RUNNING", polls=(job_spec.pending_polls if job_spec else 1))
        elif start_after_polls > 0 or start_after_seconds > 0:
            self._enter_pending_start(start_after_polls, start_after_seconds)
        else:
            self._enter(status.upper())
            if self._status == "SUSPENDED":
                self.suspended_on = now

    # -- state machine ----------------------------------------------------------------------

    def _enter(
        self,
        status: str,
        next_status: str | None = None,
        *,
        polls: int | None = None,
        seconds: float | None = None,
    ) -> None:
        if status not in SERVICE_STATUSES:
            raise ValueError(f"unknown service status {status!r}")
        now = self._world.now()
        self._status = status
        self._polls_in_state = 0
        self._next_status = next_status
        self._after_polls = polls if next_status else None
        self._after_time = now + seconds if (next_status and seconds) else None
        self.updated_on = now
        if status == "RUNNING":
            self.started_at = now
            self._on_running()
        elif status in {"DONE", "FAILED"} and self.is_job:
            self._on_job_finished(status)

    def _enter_pending_start(self, polls: int, seconds: float) -> None:
        self._enter("PENDING", "RUNNING", polls=polls or None, seconds=seconds or None)

    def _due(self) -> bool:
        if self._next_status is None:
            return False
        if self._after_polls is not None and self._polls_in_state >= self._after_polls:
            return True
        return self._after_time is not None and self._world.now() >= self._after_time

    def _advance(self) -> None:
        # Loop: zero-poll phases (e.g. a job with pending_polls=0, run_polls=0) chain in one step.
        for _ in range(8):
            if not self._due():
                return
            assert self._next_status is not None
            self._transition(self._next_status)

    def _transition(self, status: str) -> None:
        spec = self.job_spec
        if status == "RUNNING" and self.is_job:
            run_polls = spec.run_polls if spec else 2
            outcome = spec.outcome if spec else "DONE"
            self._enter("RUNNING", outcome, polls=run_polls)
        elif status == "SUSPENDED":
            self._enter("SUSPENDED")
            self.suspended_on = self._world.now()
        elif status == "CANCELLED":
            self._enter("CANCELLED")
            self.last_exit_code = 143
            self.message = "Job was cancelled"
        else:
            self._enter(status)

    def _on_running(self) -> None:
        if self.is_job:
            spec = self.job_spec
            for instance in self.instance_ids():
                for container in self.containers:
                    lines = spec.logs_for(container) if spec else []
                    self.logs.setdefault((instance, container), []).extend(lines)
        else:
            for instance in self.instance_ids():
                for container in self.containers:
                    self.logs.setdefault((instance, container), []).append(
                        f"{self._world.iso(self._world.now())} container {container} started"
                    )

    def _on_job_finished(self, status: str) -> None:
        spec = self.job_spec
        if status == "DONE":
            self.last_exit_code = 0
            self.message = "Completed successfully"
        else:
            self.last_exit_code = spec.exit_code if spec and spec.exit_code else 1
            self.message = (
                spec.message if spec else None
            ) or "Encountered fatal error while running, check container logs"

    def poll(self) -> str:
        """Count one poll (DESCRIBE/SHOW look) and return the status it observes."""
        with self._world.lock:
            self._advance()
            observed = self._status
            self._polls_in_state += 1
            self.poll_count += 1
            return observed

    @property
    def status(self) -> str:
        """The current status (time-based transitions apply; does not count as a poll)."""
        with self._world.lock:
            self._advance()
            return self._status

    def set_status(self, status: str) -> None:
        """Script the status directly; any pending automatic transition is dropped."""
        with self._world.lock:
            status = status.upper()
            if status == "RUNNING" and not self.is_job:
                # Back to a healthy service: forget scripted failure details.
                self.message = None
                self.last_exit_code = None
                self.restart_count = 0
                self.last_restart_time = None
            self._enter(status)
            if status == "SUSPENDED":
                self.suspended_on = self._world.now()

    def start_after(self, polls: int = 0, seconds: float = 0.0) -> None:
        """Make the service PENDING now and RUNNING after ``polls`` polls or ``seconds`` seconds."""
        with self._world.lock:
            self._enter_pending_start(polls, seconds)

    def fail(self, message: str = "Container exited with an error", exit_code: int = 1, restart_count: int = 0) -> None:
        """Script a failure: status FAILED, container FAILED with ``message`` and exit code."""
        with self._world.lock:
            self._enter("FAILED")
            self.message = message
            self.last_exit_code = exit_code
            self.restart_count = restart_count
            if restart_count > 0:
                self.last_restart_time = self._world.now()
                for key, lines in self.logs.items():
                    self.previous_logs[key] = list(lines)

    def suspend(self) -> None:
        """ALTER SERVICE ... SUSPEND: SUSPENDING for one poll, then SUSPENDED."""
        with self._world.lock:
            self._advance()
            if self._status in {"SUSPENDING", "SUSPENDED"}:
                return
            self._enter("SUSPENDING", "SUSPENDED", polls=1)

    def resume(self) -> None:
        """ALTER SERVICE ... RESUME: PENDING for one poll (or ``start_after_polls``), then RUNNING."""
        with self._world.lock:
            self._advance()
            if self._status in {"RUNNING", "PENDING"}:
                return
            self.resumed_on = self._world.now()
            self.message = None
            self.last_exit_code = None
            self._enter_pending_start(
                self.start_after_polls or (0 if self.start_after_seconds else 1), self.start_after_seconds
            )

    def cancel(self) -> bool:
        """Cancel a job: CANCELLING for one poll, then CANCELLED. False if already finished."""
        with self._world.lock:
            self._advance()
            if self._status in JOB_TERMINAL_STATUSES or self._status == "CANCELLING":
                return False
            self._enter("CANCELLING", "CANCELLED", polls=1)
            return True

    # -- derived views ----------------------------------------------------------------------

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
        return self._status not in {"PENDING", "SUSPENDED", "DELETED", "DELETING"}

    def current_instances(self) -> int:
        """Instances currently up (for SHOW SERVICES ``current_instances``)."""
        if self._status in {"RUNNING", "SUSPENDING", "CANCELLING"}:
            return self.instances
        return 0

    def image_for(self, container: str) -> str:
        """The (made-up but realistic) repository image of ``container``."""
        account = self._world.account.lower()
        return (
            f"{account}.registry.snowflakecomputing.com/{self.database.lower()}/{self.schema.lower()}/"
            f"images/{container.lower()}:latest"
        )

    def _instance_and_container_status(self) -> tuple[str, str, str]:
        status = self._status
        if status == "RUNNING":
            return "READY", "READY", "Running"
        if status == "DONE":
            return "SUCCEEDED", "DONE", self.message or "Completed successfully"
        if status in {"FAILED", "INTERNAL_ERROR"}:
            return "FAILED", "FAILED", self.message or "Encountered fatal error while running, check container logs"
        if status == "CANCELLED":
            return "FAILED", "FAILED", self.message or "Job was cancelled"
        if status in {"SUSPENDING", "CANCELLING"}:
            return "TERMINATING", "TERMINATING", "Terminating"
        return "PENDING", "PENDING", "Waiting to start"

    def container_states(self) -> list[ContainerState]:
        """One entry per (instance, container); empty when no instance exists."""
        with self._world.lock:
            if not self.has_instances():
                return []
            instance_status, container_status, message = self._instance_and_container_status()
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
        with self._world.lock:
            if not self.has_instances():
                return []
            instance_status = self._instance_and_container_status()[0]
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

    def add_log(self, line: str, *, instance_id: str = "0", container: str | None = None) -> None:
        """Append a log line for one container (default: the first) of one instance."""
        with self._world.lock:
            name = container or self.containers[0]
            self.logs.setdefault((instance_id, name), []).append(line)

    def get_logs(self, instance_id: str, container: str, *, previous: bool = False) -> list[str]:
        """Log lines of one container of one instance (previous run's if ``previous``)."""
        with self._world.lock:
            source = self.previous_logs if previous else self.logs
            return list(source.get((instance_id, container), []))

    def _default_spec(self) -> str:
        lines = ["spec:", "  containers:"]
        for container in self.containers:
            lines += [
                f"  - name: {container}",
                f"    image: /{self.database.lower()}/{self.schema.lower()}/images/{container}:latest",
            ]
        if self.endpoints:
            lines.append("  endpoints:")
            for endpoint in self.endpoints:
                lines += [
                    f"  - name: {endpoint.name}",
                    f"    port: {endpoint.port}",
                    f"    public: {'true' if endpoint.is_public else 'false'}",
                ]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"Service({self.qualified_name!r}, status={self._status!r}, is_job={self.is_job})"


class World:
    """The whole emulated account. Thread-safe; ``clock`` returns seconds since the epoch."""

    def __init__(self, clock: Clock = time.time, *, account: str = "myorg-myacct") -> None:
        self.clock = clock
        self.account = account
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.services: dict[tuple[str, str, str], Service] = {}
        self.dropped: list[Service] = []
        self.job_specs: dict[tuple[str, str], JobSpec] = {}
        self.compute_pools: set[str] = set()

    # -- time -------------------------------------------------------------------------------

    def now(self) -> float:
        """The world clock."""
        return self.clock()

    @staticmethod
    def iso(ts: float) -> str:
        """``2025-04-25T06:01:38Z`` (the containers/instances timestamp format)."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))

    # -- users ------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        public_keys: Iterable[str] = (),
        pat: str | None = None,
        password: str | None = None,
        default_role: str = "PUBLIC",
        roles: Iterable[str] = ("PUBLIC",),
    ) -> User:
        """Register (or replace) a user; the name is stored uppercase."""
        role_list = [r.upper() for r in roles]
        if default_role.upper() not in role_list:
            role_list.insert(0, default_role.upper())
        user = User(
            name=name.upper(),
            public_keys=list(public_keys),
            pat=pat,
            password=password,
            default_role=default_role.upper(),
            roles=role_list,
        )
        with self.lock:
            self.users[user.name] = user
        return user

    def user(self, name: str) -> User | None:
        """The user called ``name`` (case-insensitive)."""
        with self.lock:
            return self.users.get(name.upper())

    # -- services ---------------------------------------------------------------------------

    def add_compute_pool(self, name: str) -> None:
        """Register a compute pool (services register theirs automatically)."""
        with self.lock:
            self.compute_pools.add(normalize_name(name))

    def add_service(
        self,
        name: str,
        *,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        compute_pool: str = DEFAULT_COMPUTE_POOL,
        owner_role: str = "SPCS_ROLE",
        access_roles: Iterable[str] | None = None,
        endpoints: Iterable[Endpoint | tuple[str, bool] | str] = (("echo", True),),
        containers: Sequence[str] = ("main",),
        spec: str | None = None,
        instances: int = 1,
        status: str = "RUNNING",
        start_after_polls: int = 0,
        start_after_seconds: float = 0.0,
        provision_after_polls: int = 0,
        query_warehouse: str | None = None,
        external_access_integrations: Iterable[str] = (),
        comment: str | None = None,
    ) -> Service:
        """Create a (long-running) service, replacing any service of the same name.

        ``endpoints`` items are :class:`Endpoint` objects, ``(name, is_public)`` pairs or names
        (public); pairs/names get container ports 8080, 8081, ... Public endpoints report the
        provisioning placeholder for ``provision_after_polls`` SHOW ENDPOINTS looks. If either
        start delay is non-zero the service starts PENDING regardless of ``status``.
        """
        built: list[Endpoint] = []
        for index, item in enumerate(endpoints):
            if isinstance(item, Endpoint):
                built.append(item)
                continue
            ep_name, public = (item, True) if isinstance(item, str) else item
            built.append(
                Endpoint(
                    name=ep_name,
                    port=8080 + index,
                    is_public=public,
                    provision_after_polls=provision_after_polls,
                    provisioned=not (public and provision_after_polls > 0),
                )
            )
        with self.lock:
            service = Service(
                self,
                normalize_name(name),
                database=normalize_name(database),
                schema=normalize_name(schema),
                compute_pool=normalize_name(compute_pool),
                owner_role=owner_role.upper(),
                access_roles=[r.upper() for r in (access_roles or ())],
                endpoints=built,
                containers=containers,
                spec=spec,
                instances=instances,
                status=status,
                start_after_polls=start_after_polls,
                start_after_seconds=start_after_seconds,
                query_warehouse=query_warehouse,
                external_access_integrations=external_access_integrations,
                comment=comment,
            )
            self.compute_pools.add(service.compute_pool)
            self.services[(service.database, service.schema, service.name)] = service
            return service

    def add_job(
        self,
        name: str,
        spec: JobSpec,
        *,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        compute_pool: str = DEFAULT_COMPUTE_POOL,
        owner_role: str = "SPCS_ROLE",
        replicas: int = 1,
        is_async: bool = False,
        query_warehouse: str | None = None,
        external_access_integrations: Iterable[str] = (),
        comment: str | None = None,
    ) -> Service:
        """Start a job service (what EXECUTE JOB SERVICE does). Names are stored as given."""
        with self.lock:
            service = Service(
                self,
                name,
                database=database,
                schema=schema,
                compute_pool=compute_pool,
                owner_role=owner_role.upper(),
                endpoints=(),
                containers=spec.containers,
                spec=spec.spec_text,
                instances=replicas,
                is_job=True,
                is_async_job=is_async,
                job_spec=spec,
                query_warehouse=query_warehouse,
                external_access_integrations=external_access_integrations,
                comment=comment,
            )
            self.services[(database, schema, name)] = service
            return service

    def service(self, name: str, database: str | None = None, schema: str | None = None) -> Service | None:
        """Look a service up by name; unqualified parts resolve in ``database``/``schema``.

        ``name`` may be qualified (``schema.name``, ``db.schema.name``); unquoted parts are
        case-insensitive, double-quoted parts keep their case. Default namespace SPCS_DB.APP.
        """
        try:
            parts = parse_name_text(name)
        except SqlError:
            parts = [normalize_name(name)]  # not SQL-shaped (e.g. "my-svc"): take it whole
        if len(parts) == 3:
            key = (parts[0], parts[1], parts[2])
        elif len(parts) == 2:
            key = (normalize_name(database or DEFAULT_DATABASE), parts[0], parts[1])
        else:
            key = (normalize_name(database or DEFAULT_DATABASE), normalize_name(schema or DEFAULT_SCHEMA), parts[0])
        with self.lock:
            return self.services.get(key)

    def drop_service(self, service: Service) -> None:
        """DROP SERVICE: status DELETED and gone from the world."""
        with self.lock:
            service._enter("DELETED")
            self.services.pop((service.database, service.schema, service.name), None)
            self.dropped.append(service)

    def list_services(self) -> list[Service]:
        """All live services, sorted by database, schema, name."""
        with self.lock:
            return [self.services[key] for key in sorted(self.services)]

    def endpoint_for_port(self, port: int) -> tuple[Service, Endpoint] | None:
        """The service endpoint whose ``ingress_url`` is served on local ``port`` (ingress routing)."""
        with self.lock:
            for service in self.services.values():
                for endpoint in service.endpoints:
                    if endpoint.ingress_port == port:
                        return service, endpoint
            return None

    # -- job specs --------------------------------------------------------------------------

    @staticmethod
    def stage_key(stage: str, database: str | None = None, schema: str | None = None) -> str:
        """Normalise a stage reference to ``DB.SCHEMA.STAGE`` (uppercase, no ``@``)."""
        parts = [p for p in stage.lstrip("@").strip().split(".") if p]
        parts = [normalize_name(p) for p in parts]
        if len(parts) == 1:
            parts = [normalize_name(schema or DEFAULT_SCHEMA), *parts]
        if len(parts) == 2:
            parts = [normalize_name(database or DEFAULT_DATABASE), *parts]
        return ".".join(parts)

    def add_job_spec(
        self,
        stage: str,
        file: str,
        *,
        outcome: JobOutcome = "DONE",
        run_polls: int = 2,
        pending_polls: int = 1,
        logs: Sequence[str] | dict[str, list[str]] = (),
        exit_code: int = 0,
        message: str | None = None,
        containers: Sequence[str] = ("main",),
        spec_text: str | None = None,
    ) -> JobSpec:
        """Register a spec file on a stage, e.g. ``add_job_spec("@SPCS_DB.APP.SPECS", "job.yaml")``.

        EXECUTE JOB SERVICE ... FROM @stage SPECIFICATION_FILE='file' then runs a job that is
        PENDING for ``pending_polls`` polls, RUNNING for ``run_polls`` polls and then ``outcome``
        (FAILED jobs exit with ``exit_code``, default 1). ``containers`` is taken from
        ``spec_text`` when that is given.
        """
        container_list = list(containers)
        if spec_text is not None:
            container_list = parse_spec_containers(spec_text) or container_list
        job_spec = JobSpec(
            stage=self.stage_key(stage),
            file=file.lstrip("/"),
            outcome=outcome,
            run_polls=run_polls,
            pending_polls=pending_polls,
            logs=dict(logs) if isinstance(logs, dict) else list(logs),
            exit_code=exit_code if exit_code or outcome == "DONE" else 1,
            message=message,
            containers=container_list,
            spec_text=spec_text
            or "spec:\n  containers:\n"
            + "".join(f"  - name: {c}\n    image: /images/{c}:latest\n" for c in container_list),
        )
        with self.lock:
            self.job_specs[(job_spec.stage, job_spec.file)] = job_spec
        return job_spec

    def job_spec(self, stage: str, file: str) -> JobSpec | None:
        """The spec registered for ``(stage, file)`` (stage as :meth:`stage_key` normalises it)."""
        with self.lock:
            return self.job_specs.get((stage, file.lstrip("/")))
