"""Result-set shapes of the SPCS introspection statements (reference section 7).

Column names are Snowflake's exact lowercase names in Snowflake's order. Cells are Python values
of the column's type (``str`` for TEXT, ``int`` or ``Decimal`` for FIXED, ``bool`` for BOOLEAN, a
UTC ``datetime`` for TIMESTAMP_LTZ, ``None`` for SQL NULL); the wire layer
(:func:`airflow_provider_spcs.testing.results.encode_cell`) turns them into the strings Snowflake
sends.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from dataclasses import dataclass

from airflow_provider_spcs.testing.world import PROVISIONING_PLACEHOLDER, Endpoint, Service, World

TEXT = "TEXT"
FIXED = "FIXED"
BOOLEAN = "BOOLEAN"
DATE = "DATE"
TIME = "TIME"
TIMESTAMP_LTZ = "TIMESTAMP_LTZ"
TIMESTAMP_NTZ = "TIMESTAMP_NTZ"
TIMESTAMP_TZ = "TIMESTAMP_TZ"

Cell = str | int | decimal.Decimal | bool | dt.datetime | dt.date | dt.time | None
"""One cell as the engine produces it (``None`` = SQL NULL); see the module docstring."""


@dataclass
class Column:
    """One result column: lowercase (or expression) name, Snowflake type name and scale.

    ``scale`` is the number of fractional digits of a FIXED column (``None``: 0); time types
    always carry nanoseconds (scale 9), as Snowflake's do by default.
    """

    name: str
    type: str
    scale: int | None = None


@dataclass
class ResultSet:
    """A finished statement's result: columns and typed cells (``None`` = NULL)."""

    columns: list[Column]
    rows: list[list[Cell]]

    def dicts(self) -> list[dict[str, Cell]]:
        """Rows keyed by column name (handy in tests)."""
        return [dict(zip((c.name for c in self.columns), row, strict=True)) for row in self.rows]


def status_result(message: str) -> ResultSet:
    """The one-row, one-column ``status`` reply of DDL-like statements."""
    return ResultSet([Column("status", TEXT)], [[message]])


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


def ltz(ts: float | None) -> dt.datetime | None:
    """A TIMESTAMP_LTZ cell for world time ``ts``: UTC, whole milliseconds (as SHOW reports them)."""
    if ts is None:
        return None
    seconds, millis = divmod(int(ts * 1000), 1000)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=millis * 1000)


def fmt_iso(ts: float | None) -> str | None:
    """``2025-04-25T06:01:38Z`` (containers/instances timestamps: TEXT columns)."""
    return None if ts is None else World.iso(ts)


def service_values(service: Service, observed_status: str, *, show_spec: bool) -> dict[str, Cell]:
    """All SHOW/DESCRIBE SERVICE cells of ``service`` keyed by column name."""
    eais = service.external_access_integrations
    target = service.instances
    return {
        "name": service.name,
        "status": observed_status,
        "database_name": service.database,
        "schema_name": service.schema,
        "owner": service.owner_role,
        "compute_pool": service.compute_pool,
        "spec": service.spec if show_spec else None,
        "dns_name": service.dns_name,
        "current_instances": service.current_instances(),
        "target_instances": target,
        "min_ready_instances": target,
        "min_instances": target,
        "max_instances": target,
        "auto_resume": not service.is_job,
        "external_access_integrations": json.dumps(eais) if eais else None,
        "created_on": ltz(service.created_on),
        "updated_on": ltz(service.updated_on),
        "resumed_on": ltz(service.resumed_on),
        "suspended_on": ltz(service.suspended_on),
        "auto_suspend_secs": 0,
        "comment": service.comment,
        "owner_role_type": "ROLE",
        "query_warehouse": service.query_warehouse,
        "is_job": service.is_job,
        "is_async_job": service.is_async_job,
        "spec_digest": service.spec_digest,
        "is_upgrading": False,
        "managing_object_domain": None,
        "managing_object_name": None,
    }


def service_row(columns: list[Column], values: dict[str, Cell]) -> list[Cell]:
    """Pick ``values`` in column order."""
    return [values[c.name] for c in columns]


def container_rows(service: Service, observed_status: str) -> list[list[Cell]]:
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


def instance_rows(service: Service, observed_status: str) -> list[list[Cell]]:
    """SHOW SERVICE INSTANCES rows (none while no instance exists)."""
    return [
        [
            service.database,
            service.schema,
            service.name,
            observed_status,
            s.instance_id,
            s.status,
            service.spec_digest,
            fmt_iso(s.creation_time),
            fmt_iso(s.start_time),
            s.ip_address,
        ]
        for s in service.instance_states()
    ]


def endpoint_row(service: Service, endpoint: Endpoint, provisioned: bool) -> list[Cell]:
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


def _default_ingress_host(service: Service, endpoint: Endpoint) -> str:
    # Without a local server (pure world use) report a realistic bare host name.
    account = service.account.lower()
    token = hashlib.sha256(f"{service.qualified_name}/{endpoint.name}".encode()).hexdigest()[:6]
    return f"{token}-{account}.snowflakecomputing.app"


def service_status_json(service: Service) -> str:
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
