"""Every SQL statement the provider sends, one small function each.

Inputs are typed (a :class:`~airflow_provider_spcs.core.identifiers.QualifiedName` or a name to
parse, a :class:`~airflow_provider_spcs.core.jobs.JobSpec`, a number checked for range) and reach
the text only through :mod:`airflow_provider_spcs.core.identifiers`, which validates and quotes
identifiers and literals. No other module of the package writes SQL (a test scans the source), so
this is the one place to read what the provider asks Snowflake, and the place to add a statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import (
    QualifiedName,
    dollar_quoted,
    name_argument,
    parse_object_name,
    quote_identifier,
    service_name,
    string_literal,
)

if TYPE_CHECKING:
    from airflow_provider_spcs.core.jobs import JobSpec

MAX_LOG_LINES = 1000

# --- services --------------------------------------------------------------------------------------


def describe_service(name: str | QualifiedName) -> str:
    """``DESCRIBE SERVICE <name>``: one row with the service's status and settings."""
    return f"DESCRIBE SERVICE {service_name(name).sql}"


def show_service_containers(name: str | QualifiedName) -> str:
    """``SHOW SERVICE CONTAINERS IN SERVICE <name>``: one row per container instance."""
    return f"SHOW SERVICE CONTAINERS IN SERVICE {service_name(name).sql}"


def show_endpoints(name: str | QualifiedName) -> str:
    """``SHOW ENDPOINTS IN SERVICE <name>``: one row per endpoint, with its ingress URL."""
    return f"SHOW ENDPOINTS IN SERVICE {service_name(name).sql}"


def show_services_in_schema(database: str | None = None, schema: str | None = None) -> str:
    """``SHOW SERVICES IN SCHEMA [["<db>".]"<schema>"]``: the session's current schema when ``schema`` is ``None``.

    :param database: the database as Snowflake stores it, or ``None`` for the session's current one.
    :param schema: the schema as Snowflake stores it, or ``None`` for the session's current one.
    """
    if schema is None:
        return "SHOW SERVICES IN SCHEMA"
    where = quote_identifier(schema) if database is None else f"{quote_identifier(database)}.{quote_identifier(schema)}"
    return f"SHOW SERVICES IN SCHEMA {where}"


def alter_service(name: str | QualifiedName, action: str, *, if_exists: bool = False) -> str:
    """``ALTER SERVICE [IF EXISTS] <name> SUSPEND|RESUME``.

    :raises SpcsConfigError: ``action`` is neither ``SUSPEND`` nor ``RESUME``.
    """
    verb = action.upper()
    if verb not in ("SUSPEND", "RESUME"):
        raise SpcsConfigError("action", f"expected SUSPEND or RESUME, got {action!r}")
    guard = "IF EXISTS " if if_exists else ""
    return f"ALTER SERVICE {guard}{service_name(name).sql} {verb}"


def drop_service(name: str | QualifiedName) -> str:
    """``DROP SERVICE IF EXISTS <name>``: cleanup must not fail because the job is already gone."""
    return f"DROP SERVICE IF EXISTS {service_name(name).sql}"


# --- job services ----------------------------------------------------------------------------------


def execute_job_service(job: JobSpec) -> str:
    """``EXECUTE JOB SERVICE ... ASYNC = TRUE``: compute pool, then properties, then the specification.

    That is the documented order (protocol reference, section 7.9).
    """
    parts = [
        f"EXECUTE JOB SERVICE IN COMPUTE POOL {parse_object_name(job.compute_pool, field='compute_pool').sql}",
        f"NAME = {job.qualified_name.sql}",
        "ASYNC = TRUE",
    ]
    if job.replicas is not None:
        parts.append(f"REPLICAS = {int(job.replicas)}")
    if job.query_warehouse:
        parts.append(f"QUERY_WAREHOUSE = {parse_object_name(job.query_warehouse, field='query_warehouse').sql}")
    if job.comment:
        parts.append(f"COMMENT = {string_literal(job.comment, field='comment')}")
    if job.external_access_integrations:
        names = ", ".join(
            parse_object_name(n, field="external_access_integrations").sql for n in job.external_access_integrations
        )
        parts.append(f"EXTERNAL_ACCESS_INTEGRATIONS = ({names})")
    if job.spec is None:
        assert job.stage is not None  # guaranteed by JobSpec validation
        assert job.spec_file is not None
        stage = parse_object_name(job.stage.removeprefix("@"), field="stage").sql
        parts.append(f"FROM @{stage} SPECIFICATION_FILE = {string_literal(job.spec_file, field='spec_file')}")
    else:
        spec = dollar_quoted(
            job.spec_text, field="spec", what="an inline specification", hint="use a stage file instead"
        )
        parts.append(f"FROM SPECIFICATION {spec}")
    return "\n".join(parts)


def service_logs(name: str | QualifiedName, instance_id: str | int, container: str, lines: int) -> str:
    """``SELECT SYSTEM$GET_SERVICE_LOGS('<name>', '<instance>', '<container>', <lines>)``.

    :raises SpcsConfigError: ``lines`` is outside 1..1000.
    """
    if isinstance(lines, bool) or not 1 <= int(lines) <= MAX_LOG_LINES:
        raise SpcsConfigError("log_lines", f"expected 1..{MAX_LOG_LINES}, got {lines!r}")
    return (
        "SELECT SYSTEM$GET_SERVICE_LOGS("
        f"{name_argument(service_name(name))}, "
        f"{string_literal(str(instance_id), field='instance_id')}, "
        f"{string_literal(container, field='container')}, {int(lines)})"
    )


# --- session ---------------------------------------------------------------------------------------


def current_identity() -> str:
    """The user and role the connection's credentials act as (what ``test_connection`` shows)."""
    return "SELECT CURRENT_USER() AS USER_NAME, CURRENT_ROLE() AS ROLE_NAME"
