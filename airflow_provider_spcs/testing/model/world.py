"""The emulated account: one :class:`World` holds every object, each kind in its own catalog.

Everything in :mod:`airflow_provider_spcs.testing.model` is pure Python with no I/O. The HTTP
layer and the SQL engine both operate on one :class:`World`, which is thread-safe: every catalog
and object method takes the world's re-entrant lock, and the SQL engine holds it for a whole
statement. Objects with a lifecycle advance by polls and by the injectable world clock
(:mod:`.poll_machine`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_spcs.testing.model.catalog import Catalog
from airflow_provider_spcs.testing.model.clock import Clock
from airflow_provider_spcs.testing.model.compute_pools import ComputePool, ComputePools
from airflow_provider_spcs.testing.model.container_images import BrokenImages, StartFailure
from airflow_provider_spcs.testing.model.deployments import Revision, build_revision
from airflow_provider_spcs.testing.model.job_services import JobOutcome, JobService, JobSpec
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.names import (
    DEFAULT_COMPUTE_POOL,
    DEFAULT_DATABASE,
    DEFAULT_SCHEMA,
    ObjectKey,
    normalize_name,
    parse_qualified_name,
    qualify,
    stage_key,
)
from airflow_provider_spcs.testing.model.pacing import Timings
from airflow_provider_spcs.testing.model.refusals import ObjectMissing
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint, EndpointLike, build_endpoints
from airflow_provider_spcs.testing.model.service_settings import ServiceSettings
from airflow_provider_spcs.testing.model.spec_yaml import (
    ServiceSpec,
    SpecContainer,
    default_image,
    parse_service_spec,
    parse_spec_containers,
    render_job_spec,
    render_service_spec,
)
from airflow_provider_spcs.testing.model.stored_secrets import Secret
from airflow_provider_spcs.testing.model.users import User

AnyService = TypeVar("AnyService", bound=BaseService)


@dataclass(frozen=True)
class Checkpoint:
    """Which objects existed when :meth:`World.checkpoint` was taken, per catalog."""

    keys: tuple[frozenset[Any], ...]


class World:
    """The whole emulated account. Thread-safe; ``clock`` returns seconds since the epoch.

    Catalogs: :attr:`users` (by name), :attr:`services` (services and job services, by
    ``(DATABASE, SCHEMA, NAME)``), :attr:`job_specs` and :attr:`stage_files` (by
    ``(DB.SCHEMA.STAGE, path)``), :attr:`compute_pools` (by name), :attr:`secrets` (by
    ``(DATABASE, SCHEMA, NAME)``) and :attr:`broken_images` (by image path).

    :attr:`timings` holds the paces of objects created through SQL; :attr:`endpoint_listeners`
    are called whenever services or their endpoints change (the server binds ingress ports then).
    """

    def __init__(self, clock: Clock = time.time, *, account: str = "myorg-myacct") -> None:
        self.clock = clock
        self.account = account
        self.lock = threading.RLock()
        self.timings = Timings()
        self.users: Catalog[str, User] = Catalog(self.lock)
        self.services: Catalog[ObjectKey, BaseService] = Catalog(self.lock)
        self.job_specs: Catalog[tuple[str, str], JobSpec] = Catalog(self.lock)
        self.stage_files: Catalog[tuple[str, str], str] = Catalog(self.lock)
        self.compute_pools = ComputePools(self.lock)
        self.secrets: Catalog[ObjectKey, Secret] = Catalog(self.lock)
        self.broken_images = BrokenImages(self.lock)
        self.dropped: list[BaseService] = []
        self.endpoint_listeners: list[Callable[[], None]] = []

    def catalogs(self) -> tuple[Catalog[Any, Any], ...]:
        """Every catalog: what :meth:`checkpoint` and :meth:`restore` cover. A new kind adds its own."""
        return (
            self.users,
            self.services,
            self.job_specs,
            self.stage_files,
            self.compute_pools,
            self.secrets,
            self.broken_images,
        )

    def now(self) -> float:
        """The world clock."""
        return self.clock()

    def checkpoint(self) -> Checkpoint:
        """Remember which objects exist now (see :meth:`restore`)."""
        with self.lock:
            return Checkpoint(tuple(catalog.checkpoint() for catalog in self.catalogs()))

    def restore(self, checkpoint: Checkpoint) -> None:
        """Remove every object added since ``checkpoint``, forget dropped services, reset :attr:`timings`.

        Objects that existed then stay, in whatever state they are in now.
        """
        with self.lock:
            for catalog, keys in zip(self.catalogs(), checkpoint.keys, strict=True):
                catalog.restore(keys)
            self.dropped.clear()
            self.timings = Timings()

    def endpoints_changed(self) -> None:
        """Tell :attr:`endpoint_listeners` that services or their endpoints changed."""
        for listener in list(self.endpoint_listeners):
            listener()

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
        return self.users.put(user.name, user)

    def user(self, name: str) -> User | None:
        """The user called ``name`` (case-insensitive)."""
        return self.users.get(name.upper())

    # -- services ---------------------------------------------------------------------------

    def add_compute_pool(
        self,
        name: str,
        *,
        min_nodes: int = 1,
        max_nodes: int = 1,
        instance_family: str = "CPU_X64_XS",
        auto_resume: bool = True,
        auto_suspend_secs: int = 3600,
        comment: str | None = None,
        initially_suspended: bool = False,
        owner_role: str = "SPCS_ROLE",
        starting: bool = False,
    ) -> ComputePool:
        """Create (or replace) a compute pool: up (IDLE/ACTIVE) at once, or STARTING for
        :attr:`Timings.pool_start` if ``starting``, or SUSPENDED if ``initially_suspended``.
        Services added with :meth:`add_service` register a default pool of their own if needed."""
        fields = {
            "MIN_NODES": min_nodes,
            "MAX_NODES": max_nodes,
            "INSTANCE_FAMILY": instance_family,
            "AUTO_RESUME": auto_resume,
            "AUTO_SUSPEND_SECS": auto_suspend_secs,
            "COMMENT": comment,
        }
        return self.create_compute_pool(
            normalize_name(name),
            fields,
            owner_role=owner_role.upper(),
            initially_suspended=initially_suspended,
            starting=starting,
        )

    def create_compute_pool(
        self,
        name: str,
        fields: Mapping[str, Any],
        *,
        owner_role: str,
        initially_suspended: bool = False,
        starting: bool = True,
    ) -> ComputePool:
        """What CREATE COMPUTE POOL does (``name`` in stored form, ``fields`` by SQL name).

        :raises InvalidSetting: a property is missing or out of range.
        """
        with self.lock:
            pool = ComputePool(
                self,
                name,
                fields,
                owner_role=owner_role,
                initially_suspended=initially_suspended,
                start_pace=self.timings.pool_start if starting else None,
            )
            return self.compute_pools.put(name, pool)

    def _ensure_pool(self, name: str) -> None:
        if name not in self.compute_pools:
            self.add_compute_pool(name)

    # -- services ---------------------------------------------------------------------------

    def add_service(
        self,
        name: str,
        *,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        compute_pool: str = DEFAULT_COMPUTE_POOL,
        owner_role: str = "SPCS_ROLE",
        access_roles: Iterable[str] | None = None,
        endpoints: Iterable[EndpointLike] = (("echo", True),),
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
        start delay is non-zero the service starts PENDING regardless of ``status``. ``spec``
        replaces the spec text shown (and digested); it is not parsed. ``instances`` sets
        MIN_INSTANCES (and MIN_READY_INSTANCES, MAX_INSTANCES).
        """
        database, schema = normalize_name(database), normalize_name(schema)
        endpoint_list = build_endpoints(endpoints, provision_after_polls)
        containers = list(containers)
        text = spec if spec is not None else render_service_spec(database, schema, containers, endpoint_list)
        spec_containers = [SpecContainer(c, image=default_image(database, schema, c)) for c in containers]
        with self.lock:
            service = Service(
                self,
                normalize_name(name),
                database=database,
                schema=schema,
                compute_pool=normalize_name(compute_pool),
                owner_role=owner_role.upper(),
                access_roles=[r.upper() for r in (access_roles or ())],
                revision=Revision(text, ServiceSpec(spec_containers, endpoint_list), self.now()),
                settings=ServiceSettings.of(
                    instances,
                    external_access_integrations=external_access_integrations,
                    query_warehouse=query_warehouse,
                    comment=comment,
                ),
                status=status,
                start_after_polls=start_after_polls,
                start_after_seconds=start_after_seconds,
            )
            self._ensure_pool(service.compute_pool)
            return self._store(service)

    def create_service(
        self,
        key: ObjectKey,
        spec_text: str,
        *,
        compute_pool: str,
        owner_role: str,
        settings: ServiceSettings,
    ) -> Service:
        """What CREATE SERVICE does: PENDING for :attr:`Timings.service_start`, then RUNNING (once
        the pool is up); a suspended pool auto-resumes.

        :raises SpecError: the spec is not valid.
        :raises ObjectMissing: the pool, or a secret the spec names, does not exist.
        :raises InvalidSetting: a secret lacks the key the spec asks for.
        :raises StateConflict: the pool is suspended and does not auto-resume.
        """
        database, schema, name = key
        with self.lock:
            pool = self.compute_pools.get(compute_pool)
            if pool is None:
                raise ObjectMissing("Compute pool", compute_pool)
            revision = self.make_revision(spec_text, database=database, schema=schema, owner_role=owner_role)
            pool.admit_work()
            pace = self.timings.service_start
            service = Service(
                self,
                name,
                database=database,
                schema=schema,
                compute_pool=compute_pool,
                owner_role=owner_role,
                revision=revision,
                settings=settings,
                start_after_polls=pace.polls,
                start_after_seconds=pace.seconds,
                pending_first=True,
            )
            return self._store(service)

    def add_service_from_spec(
        self,
        name: str,
        spec_text: str,
        *,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        compute_pool: str = DEFAULT_COMPUTE_POOL,
        owner_role: str = "SPCS_ROLE",
        instances: int = 1,
    ) -> Service:
        """Create a RUNNING service on ``spec_text``, parsed as CREATE SERVICE parses it (its
        endpoints, and its secrets mounted), but up at once; replaces a service of the same name.

        Endpoints that the replaced service also had keep their ingress URL (and port).

        :raises SpecError, ObjectMissing, InvalidSetting: see :meth:`create_service`.
        """
        database, schema, stored = normalize_name(database), normalize_name(schema), normalize_name(name)
        owner = owner_role.upper()
        with self.lock:
            revision = self.make_revision(spec_text, database=database, schema=schema, owner_role=owner)
            old = self.services.get((database, schema, stored))
            kept = {e.name.lower(): e.ingress_url for e in old.endpoints} if old is not None else {}
            for endpoint in revision.spec.endpoints:
                endpoint.ingress_url = kept.get(endpoint.name.lower())
            service = Service(
                self,
                stored,
                database=database,
                schema=schema,
                compute_pool=normalize_name(compute_pool),
                owner_role=owner,
                revision=revision,
                settings=ServiceSettings.of(instances),
            )
            self._ensure_pool(service.compute_pool)
            return self._store(service)

    def make_revision(self, spec_text: str, *, database: str, schema: str, owner_role: str) -> Revision:
        """A revision of a service in ``database.schema`` owned by ``owner_role`` (CREATE SERVICE,
        ALTER SERVICE ... FROM): the spec parsed, its secrets resolved, new endpoints provisioning
        for :attr:`Timings.provision_polls` looks.

        :raises SpecError, ObjectMissing, InvalidSetting: see :meth:`create_service`.
        """
        spec = parse_service_spec(spec_text)
        polls = self.timings.provision_polls
        for endpoint in spec.endpoints:
            endpoint.provision_after_polls = polls
            endpoint.provisioned = not (endpoint.is_public and polls > 0)

        def find_secret(written: str) -> Secret | None:
            try:
                parts = parse_qualified_name(written)
            except ValueError:
                return None
            secret = self.secrets.get(qualify(parts, database, schema))
            return secret if secret is not None and secret.is_visible_to(owner_role) else None

        return build_revision(spec_text, spec, created_on=self.now(), find_secret=find_secret)

    def start_failure(self, container: SpecContainer) -> StartFailure | None:
        """Why ``container`` fails to start, if it does: ``EMULATOR_FAIL_START`` in its env, or its
        image marked with :meth:`mark_image_broken`."""
        message = container.env.get("EMULATOR_FAIL_START")
        if message is not None:
            code = container.env.get("EMULATOR_EXIT_CODE", "1")
            return StartFailure(message or "Container failed to start", int(code) if code.isdigit() else 1)
        return self.broken_images.failure_for(container.image)

    def mark_image_broken(
        self,
        image: str,
        *,
        message: str = "Back-off restarting failed container",
        exit_code: int = 1,
        restart_count: int = 1,
    ) -> None:
        """Containers started from ``image`` from now on fail: instance FAILED, container FAILED with
        ``message``, ``exit_code`` and ``restart_count`` (``repo/img:bad`` matches
        ``/db/schema/repo/img:bad``; an image without a tag matches every tag)."""
        self.broken_images.mark(image, StartFailure(message, exit_code, restart_count))

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
    ) -> JobService:
        """Start a job service (what EXECUTE JOB SERVICE does). Names are stored as given."""
        with self.lock:
            job = JobService(
                self,
                name,
                spec,
                database=database,
                schema=schema,
                compute_pool=compute_pool,
                owner_role=owner_role.upper(),
                replicas=replicas,
                is_async=is_async,
                query_warehouse=query_warehouse,
                external_access_integrations=external_access_integrations,
                comment=comment,
            )
            return self._store(job)

    def _store(self, service: AnyService) -> AnyService:
        self.services.put((service.database, service.schema, service.name), service)
        self.endpoints_changed()
        return service

    def service(self, name: str, database: str | None = None, schema: str | None = None) -> BaseService | None:
        """Look a service or job service up by name; unqualified parts resolve in ``database``/``schema``.

        ``name`` may be qualified (``schema.name``, ``db.schema.name``); unquoted parts are
        case-insensitive, double-quoted parts keep their case. Default namespace SPCS_DB.APP.
        """
        try:
            parts = parse_qualified_name(name)
        except ValueError:
            parts = [normalize_name(name)]  # not SQL-shaped (e.g. "my-svc"): take it whole
        key = qualify(parts, normalize_name(database or DEFAULT_DATABASE), normalize_name(schema or DEFAULT_SCHEMA))
        return self.services.get(key)

    def drop_service(self, service: BaseService) -> None:
        """DROP SERVICE: status DELETED and gone from the world."""
        with self.lock:
            service.mark_dropped()
            self.services.pop((service.database, service.schema, service.name))
            self.dropped.append(service)

    def list_services(self) -> list[BaseService]:
        """All live services and job services, sorted by database, schema, name."""
        return self.services.values()

    def endpoint_for_port(self, port: int) -> tuple[BaseService, Endpoint] | None:
        """The service endpoint whose ``ingress_url`` is served on local ``port`` (ingress routing)."""
        with self.lock:
            for service in self.services.values():
                for endpoint in service.endpoints:
                    if endpoint.ingress_port == port:
                        return service, endpoint
            return None

    # -- job specs --------------------------------------------------------------------------

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
        spec_text = spec_text or render_job_spec(container_list)
        job_spec = JobSpec(
            stage=stage_key(stage),
            file=file.lstrip("/"),
            outcome=outcome,
            run_polls=run_polls,
            pending_polls=pending_polls,
            logs=dict(logs) if isinstance(logs, dict) else list(logs),
            exit_code=exit_code if exit_code or outcome == "DONE" else 1,
            message=message,
            containers=container_list,
            spec_text=spec_text,
        )
        self.stage_files.put((job_spec.stage, job_spec.file), spec_text)
        return self.job_specs.put((job_spec.stage, job_spec.file), job_spec)

    def job_spec(self, stage: str, file: str) -> JobSpec | None:
        """The spec registered for ``(stage, file)`` (stage as :func:`.names.stage_key` normalises it)."""
        return self.job_specs.get((stage, file.lstrip("/")))

    # -- stage files ------------------------------------------------------------------------

    def add_stage_file(self, stage: str, path: str, text: str) -> None:
        """Put a file on a stage, e.g. ``add_stage_file("@SPCS_DB.APP.SPECS", "echo_v2.yaml", text)``:
        a service spec or spec template for ``FROM @stage SPECIFICATION[_TEMPLATE]_FILE = 'path'``
        (or a job spec; :meth:`add_job_spec` scripts how a job from it behaves). ``stage`` may end
        in a directory (``@SPCS_DB.APP.SPECS/v2``), as in SQL."""
        stage_ref, _, directory = stage.partition("/")
        full_path = "/".join(part.strip("/") for part in (directory, path) if part.strip("/"))
        self.stage_files.put((stage_key(stage_ref), full_path), text)

    def stage_file(self, stage: str, path: str) -> str | None:
        """The text of a stage file (stage as :func:`.names.stage_key` normalises it)."""
        return self.stage_files.get((stage, path.lstrip("/")))

    # -- secrets ----------------------------------------------------------------------------

    def add_secret(
        self,
        name: str,
        secret_type: str,
        *,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        owner_role: str = "SPCS_ROLE",
        read_roles: Iterable[str] = (),
        **fields: Any,
    ) -> Secret:
        """Create (or replace) a secret, e.g. ``add_secret("API_KEY", "GENERIC_STRING", secret_string="s3cr3t")``.

        ``fields`` are the CREATE SECRET clauses in lowercase (``username``, ``password``,
        ``secret_string``, ``api_authentication``, ``oauth_scopes``, ``oauth_refresh_token``,
        ``oauth_refresh_token_expiry_time``, ``comment``). ``read_roles`` may also see and mount it.
        """
        database, schema, stored = normalize_name(database), normalize_name(schema), normalize_name(name)
        secret = Secret(
            stored,
            database=database,
            schema=schema,
            secret_type=secret_type,
            owner_role=owner_role.upper(),
            created_on=self.now(),
            fields={key.upper(): value for key, value in fields.items()},
            read_roles=read_roles,
        )
        return self.secrets.put((database, schema, stored), secret)

    def secret(self, name: str, database: str | None = None, schema: str | None = None) -> Secret | None:
        """Look a secret up by (possibly qualified) name, like :meth:`service`."""
        try:
            parts = parse_qualified_name(name)
        except ValueError:
            return None
        key = qualify(parts, normalize_name(database or DEFAULT_DATABASE), normalize_name(schema or DEFAULT_SCHEMA))
        return self.secrets.get(key)
