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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from airflow_provider_spcs.testing.model.catalog import Catalog
from airflow_provider_spcs.testing.model.clock import Clock
from airflow_provider_spcs.testing.model.compute_pools import ComputePools
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
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import Endpoint, EndpointLike, build_endpoints
from airflow_provider_spcs.testing.model.spec_yaml import parse_spec_containers, render_job_spec
from airflow_provider_spcs.testing.model.users import User

AnyService = TypeVar("AnyService", bound=BaseService)


@dataclass(frozen=True)
class Checkpoint:
    """Which objects existed when :meth:`World.checkpoint` was taken, per catalog."""

    keys: tuple[frozenset[Any], ...]


class World:
    """The whole emulated account. Thread-safe; ``clock`` returns seconds since the epoch.

    Catalogs: :attr:`users` (by name), :attr:`services` (services and job services, by
    ``(DATABASE, SCHEMA, NAME)``), :attr:`job_specs` (by ``(DB.SCHEMA.STAGE, file)``) and
    :attr:`compute_pools` (by name).
    """

    def __init__(self, clock: Clock = time.time, *, account: str = "myorg-myacct") -> None:
        self.clock = clock
        self.account = account
        self.lock = threading.RLock()
        self.users: Catalog[str, User] = Catalog(self.lock)
        self.services: Catalog[ObjectKey, BaseService] = Catalog(self.lock)
        self.job_specs: Catalog[tuple[str, str], JobSpec] = Catalog(self.lock)
        self.compute_pools = ComputePools(self.now, self.lock)
        self.dropped: list[BaseService] = []

    def catalogs(self) -> tuple[Catalog[Any, Any], ...]:
        """Every catalog: what :meth:`checkpoint` and :meth:`restore` cover. A new kind adds its own."""
        return (self.users, self.services, self.job_specs, self.compute_pools)

    def now(self) -> float:
        """The world clock."""
        return self.clock()

    def checkpoint(self) -> Checkpoint:
        """Remember which objects exist now (see :meth:`restore`)."""
        with self.lock:
            return Checkpoint(tuple(catalog.checkpoint() for catalog in self.catalogs()))

    def restore(self, checkpoint: Checkpoint) -> None:
        """Remove every object added since ``checkpoint`` and forget dropped services.

        Objects that existed then stay, in whatever state they are in now.
        """
        with self.lock:
            for catalog, keys in zip(self.catalogs(), checkpoint.keys, strict=True):
                catalog.restore(keys)
            self.dropped.clear()

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

    def add_compute_pool(self, name: str) -> None:
        """Register a compute pool (services register theirs automatically)."""
        self.compute_pools.ensure(normalize_name(name))

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
        start delay is non-zero the service starts PENDING regardless of ``status``.
        """
        with self.lock:
            service = Service(
                self,
                normalize_name(name),
                database=normalize_name(database),
                schema=normalize_name(schema),
                compute_pool=normalize_name(compute_pool),
                owner_role=owner_role.upper(),
                access_roles=[r.upper() for r in (access_roles or ())],
                endpoints=build_endpoints(endpoints, provision_after_polls),
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
            self.compute_pools.ensure(service.compute_pool)
            return self._store(service)

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
            spec_text=spec_text or render_job_spec(container_list),
        )
        return self.job_specs.put((job_spec.stage, job_spec.file), job_spec)

    def job_spec(self, stage: str, file: str) -> JobSpec | None:
        """The spec registered for ``(stage, file)`` (stage as :func:`.names.stage_key` normalises it)."""
        return self.job_specs.get((stage, file.lstrip("/")))
