"""How SHOW/DESCRIBE present services: columns and rows (reference section 7).

Column names are Snowflake's exact lowercase names in Snowflake's order; rows hold typed cells
(:mod:`.result_sets`). SYSTEM$GET_SERVICE_STATUS's JSON is built here too: it shows the same
containers.
"""

from __future__ import annotations

import hashlib
import json

from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import PROVISIONING_PLACEHOLDER, Endpoint
from airflow_provider_spcs.testing.sql.result_sets import (
    BOOLEAN,
    FIXED,
    TEXT,
    TIMESTAMP_LTZ,
    Cell,
    Column,
    fmt_iso,
    ltz,
)

SERVICE_COLUMNS: list[Column] = [
    Column("name", TEXT),
    Column("status", TEXT),
    Column("database_name", TEXT),
    Column("schema_name", TEXT),
    Column("owner", TEXT),
    Column("compute_pool", TEXT),
    Column("dns_name", TEXT),
    Column("current_instances", FIXED),
    Column("target_instances", FIXED),
    Column("min_ready_instances", FIXED),
    Column("min_instances", FIXED),
    Column("max_instances", FIXED),
    Column("auto_resume", BOOLEAN),
    Column("external_access_integrations", TEXT),
    Column("created_on", TIMESTAMP_LTZ),
    Column("updated_on", TIMESTAMP_LTZ),
    Column("resumed_on", TIMESTAMP_LTZ),
    Column("suspended_on", TIMESTAMP_LTZ),
    Column("auto_suspend_secs", FIXED),
    Column("comment", TEXT),
    Column("owner_role_type", TEXT),
    Column("query_warehouse", TEXT),
    Column("is_job", BOOLEAN),
    Column("is_async_job", BOOLEAN),
    Column("spec_digest", TEXT),
    Column("is_upgrading", BOOLEAN),
    Column("managing_object_domain", TEXT),
    Column("managing_object_name", TEXT),
]

DESCRIBE_COLUMNS: list[Column] = [
    *SERVICE_COLUMNS[:6],
    Column("spec", TEXT),
    *SERVICE_COLUMNS[6:],
]

CONTAINER_COLUMNS: list[Column] = [
    Column("database_name", TEXT),
    Column("schema_name", TEXT),
    Column("service_name", TEXT),
    Column("service_status", TEXT),
    Column("instance_id", TEXT),
    Column("instance_status", TEXT),
    Column("container_name", TEXT),
    Column("status", TEXT),
    Column("message", TEXT),
    Column("image_name", TEXT),
    Column("image_digest", TEXT),
    Column("restart_count", FIXED),
    Column("start_time", TEXT),
    Column("last_exit_code", FIXED),
    Column("last_restart_time", TEXT),
]

INSTANCE_COLUMNS: list[Column] = [
    Column("database_name", TEXT),
    Column("schema_name", TEXT),
    Column("service_name", TEXT),
    Column("service_status", TEXT),
    Column("instance_id", TEXT),
    Column("status", TEXT),
    Column("spec_digest", TEXT),
    Column("creation_time", TEXT),
    Column("start_time", TEXT),
    Column("ip_address", TEXT),
]

ENDPOINT_COLUMNS: list[Column] = [
    Column("name", TEXT),
    Column("port", FIXED),
    Column("port_range", TEXT),
    Column("protocol", TEXT),
    Column("is_public", BOOLEAN),
    Column("ingress_url", TEXT),
]


def show_columns(*, jobs_only: bool, exclude_jobs: bool) -> list[Column]:
    """SHOW SERVICES columns: ``is_job`` is absent from SHOW JOB SERVICES and EXCLUDE JOBS,
    ``is_async_job`` also from EXCLUDE JOBS."""
    dropped = set()
    if jobs_only or exclude_jobs:
        dropped.add("is_job")
    if exclude_jobs:
        dropped.add("is_async_job")
    return [c for c in SERVICE_COLUMNS if c.name not in dropped]


def service_values(service: BaseService, observed_status: str, *, show_spec: bool) -> dict[str, Cell]:
    """All SHOW/DESCRIBE SERVICE cells of ``service`` keyed by column name."""
    eais = service.external_access_integrations
    counts = service.counts()
    settings = service.settings
    return {
        "name": service.name,
        "status": observed_status,
        "database_name": service.database,
        "schema_name": service.schema,
        "owner": service.owner_role,
        "compute_pool": service.compute_pool,
        "spec": service.spec if show_spec else None,
        "dns_name": service.dns_name,
        "current_instances": counts.current,
        "target_instances": counts.target,
        "min_ready_instances": counts.min_ready,
        "min_instances": counts.minimum,
        "max_instances": counts.maximum,
        "auto_resume": settings.auto_resume,
        "external_access_integrations": json.dumps(eais) if eais else None,
        "created_on": ltz(service.created_on),
        "updated_on": ltz(service.updated_on),
        "resumed_on": ltz(service.resumed_on),
        "suspended_on": ltz(service.suspended_on),
        "auto_suspend_secs": settings.auto_suspend_secs,
        "comment": service.comment,
        "owner_role_type": "ROLE",
        "query_warehouse": service.query_warehouse,
        "is_job": service.is_job,
        "is_async_job": service.is_async_job,
        "spec_digest": service.spec_digest,
        "is_upgrading": service.is_upgrading,
        "managing_object_domain": None,
        "managing_object_name": None,
    }


def service_row(columns: list[Column], values: dict[str, Cell]) -> list[Cell]:
    """Pick ``values`` in column order."""
    return [values[c.name] for c in columns]


def container_rows(service: BaseService, observed_status: str) -> list[list[Cell]]:
    """SHOW SERVICE CONTAINERS rows; one row with NULL instance/container cells if none exist."""
    head: list[Cell] = [service.database, service.schema, service.name, observed_status]
    states = service.container_states()
    if not states:
        return [head + [None] * (len(CONTAINER_COLUMNS) - len(head))]
    return [
        [
            *head,
            s.instance_id,
            s.instance_status,
            s.container_name,
            s.status,
            s.message,
            s.image_name,
            s.image_digest,
            s.restart_count,
            fmt_iso(s.start_time),
            s.last_exit_code,
            fmt_iso(s.last_restart_time),
        ]
        for s in states
    ]


def instance_rows(service: BaseService, observed_status: str) -> list[list[Cell]]:
    """SHOW SERVICE INSTANCES rows (none while no instance exists)."""
    return [
        [
            service.database,
            service.schema,
            service.name,
            observed_status,
            s.instance_id,
            s.status,
            s.spec_digest,
            fmt_iso(s.creation_time),
            fmt_iso(s.start_time),
            s.ip_address,
        ]
        for s in service.instance_states()
    ]


def endpoint_row(service: BaseService, endpoint: Endpoint, provisioned: bool) -> list[Cell]:
    """One SHOW ENDPOINTS row; public endpoints show the placeholder until provisioned."""
    ingress: str | None = None
    if endpoint.is_public:
        if not provisioned:
            ingress = PROVISIONING_PLACEHOLDER
        else:
            ingress = endpoint.ingress_url or _default_ingress_host(service, endpoint)
    return [
        endpoint.name,
        endpoint.port,
        None,
        endpoint.protocol,
        endpoint.is_public,
        ingress,
    ]


def _default_ingress_host(service: BaseService, endpoint: Endpoint) -> str:
    # Without a local server (pure world use) report a realistic bare host name.
    account = service.account.lower()
    token = hashlib.sha256(f"{service.qualified_name}/{endpoint.name}".encode()).hexdigest()[:6]
    return f"{token}-{account}.snowflakecomputing.app"


def service_status_json(service: BaseService) -> str:
    """SYSTEM$GET_SERVICE_STATUS: a JSON array, one object per container per instance."""
    entries = [
        {
            "status": s.status,
            "message": s.message,
            "containerName": s.container_name,
            "instanceId": s.instance_id,
            "serviceName": service.name,
            "image": s.image_name,
            "restartCount": s.restart_count,
            "startTime": fmt_iso(s.start_time) or "",
        }
        for s in service.container_states()
    ]
    return json.dumps(entries, separators=(",", ":"))
