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
    secret_literal,
    service_name,
    string_literal,
)
from airflow_provider_spcs.core.secret_sql import REDACTED, SecretStatement

if TYPE_CHECKING:
    from airflow_provider_spcs.core.jobs import JobSpec
    from airflow_provider_spcs.core.secret_values import SecretValue

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


# --- secrets -------------------------------------------------------------------------------------
# A statement that carries a secret value is a SecretStatement (core/secret_sql.py): its str() and
# repr() are the redacted text, and only the sending call reads the real one.


def secret_name(name: str | QualifiedName) -> QualifiedName:
    """``name`` parsed as a secret's name (errors blame ``secret``)."""
    return service_name(name, field="secret")


def _secret_clauses(value: SecretValue, *, create: bool) -> list[tuple[str, str, str]]:
    """``(clause, literal, shown)`` for each clause that writes ``value``; ``shown`` is what the
    redacted text prints (``***`` for a secret value)."""
    from airflow_provider_spcs.core.secret_values import GenericStringSecret, OAuth2CodeSecret, PasswordSecret

    def secret(clause: str, text: str) -> tuple[str, str, str]:
        return clause, secret_literal(text, field=clause.lower()), REDACTED

    def plain(clause: str, sql: str) -> tuple[str, str, str]:
        return clause, sql, sql

    if isinstance(value, PasswordSecret):
        return [plain("USERNAME", secret_literal(value.username, field="username")), secret("PASSWORD", value.password)]
    if isinstance(value, GenericStringSecret):
        return [secret("SECRET_STRING", value.secret_string)]
    if isinstance(value, OAuth2CodeSecret):
        expiry = value.refresh_token_expiry.strftime("%Y-%m-%d %H:%M:%S+00:00")
        clauses = [
            secret("OAUTH_REFRESH_TOKEN", value.refresh_token),
            plain("OAUTH_REFRESH_TOKEN_EXPIRY_TIME", string_literal(expiry, field="refresh_token_expiry")),
        ]
        if create:  # ALTER SECRET cannot change the integration; that takes CREATE OR REPLACE
            clauses.append(plain("API_AUTHENTICATION", value.api_authentication.sql))
        return clauses
    raise SpcsConfigError("secret_type", f"cannot write a secret of type {type(value).__name__}")


def _secret_statement(
    head: str, value: SecretValue, *, create: bool, comment: str | None, name: QualifiedName
) -> SecretStatement:
    clauses = _secret_clauses(value, create=create)
    if comment is not None:
        literal = string_literal(comment, field="comment")
        clauses.append(("COMMENT", literal, literal))
    text = " ".join([head, *(f"{clause} = {literal}" for clause, literal, _ in clauses)])
    redacted = " ".join([head, *(f"{clause} = {shown}" for clause, _, shown in clauses)])
    literals = [literal[1:-1] for _, literal, shown in clauses if shown == REDACTED]
    return SecretStatement(text, redacted, secret=name, values=value.secret_values(), literals=literals)


def create_secret(
    name: str | QualifiedName,
    value: SecretValue,
    *,
    or_replace: bool = False,
    if_not_exists: bool = False,
    comment: str | None = None,
) -> SecretStatement:
    """``CREATE [OR REPLACE] SECRET [IF NOT EXISTS] <name> TYPE = <type> <clauses> [COMMENT = '...']``.

    ``OR REPLACE`` drops the old secret and with it every grant on it (services lose READ).

    :raises SpcsConfigError: an invalid name, both ``or_replace`` and ``if_not_exists`` (Snowflake
        refuses them together), or a value Snowflake cannot store (see
        :func:`~airflow_provider_spcs.core.identifiers.secret_literal`).
    """
    target = secret_name(name)
    if or_replace and if_not_exists:
        raise SpcsConfigError("or_replace", "OR REPLACE and IF NOT EXISTS exclude each other")
    verb = "CREATE OR REPLACE SECRET" if or_replace else "CREATE SECRET"
    guard = " IF NOT EXISTS" if if_not_exists else ""
    head = f"{verb}{guard} {target.sql} TYPE = {value.secret_type}"
    return _secret_statement(head, value, create=True, comment=comment, name=target)


def alter_secret_set(
    name: str | QualifiedName, value: SecretValue, *, comment: str | None = None, if_exists: bool = False
) -> SecretStatement:
    """``ALTER SECRET [IF EXISTS] <name> SET <clauses> [COMMENT = '...']``: a new value, grants kept.

    An OAUTH2 secret keeps its ``API_AUTHENTICATION`` (ALTER cannot change it).

    :raises SpcsConfigError: an invalid name, or a value Snowflake cannot store.
    """
    target = secret_name(name)
    guard = "IF EXISTS " if if_exists else ""
    return _secret_statement(f"ALTER SECRET {guard}{target.sql} SET", value, create=False, comment=comment, name=target)


def describe_secret(name: str | QualifiedName) -> str:
    """``DESCRIBE SECRET <name>``: metadata only (Snowflake never returns the value)."""
    return f"DESCRIBE SECRET {secret_name(name).sql}"


def show_secrets_like(name: str | QualifiedName) -> str:
    """``SHOW SECRETS LIKE '<name>' IN SCHEMA [<db>.<schema>]``: the secret's row, if it exists.

    ``LIKE`` matches case-insensitively and ``_`` is a wildcard there, so callers compare the
    ``name`` column too. An unqualified name looks in the session's current schema.
    """
    target = secret_name(name)
    where = ".".join(quote_identifier(p) for p in target.parts[:-1])
    scope = f"IN SCHEMA {where}" if where else "IN SCHEMA"
    return f"SHOW SECRETS LIKE {string_literal(target.name, field='secret')} {scope}"


def drop_secret(name: str | QualifiedName, *, if_exists: bool = False) -> str:
    """``DROP SECRET [IF EXISTS] <name>``."""
    guard = "IF EXISTS " if if_exists else ""
    return f"DROP SECRET {guard}{secret_name(name).sql}"


def alter_service_from_specification(name: str | QualifiedName, spec: str) -> str:
    """``ALTER SERVICE <name> FROM SPECIFICATION $$<spec>$$``: a rolling restart onto ``spec``.

    The same spec again restarts every instance, which is how env-var secrets pick up a new value.

    :raises SpcsConfigError: an invalid name, or ``spec`` is empty or contains ``$$``.
    """
    text = dollar_quoted(spec, field="spec", what="the service specification", hint="deploy it from a stage file")
    return f"ALTER SERVICE {service_name(name).sql} FROM SPECIFICATION {text}"


# --- session ---------------------------------------------------------------------------------------


def current_identity() -> str:
    """The user and role the connection's credentials act as (what ``test_connection`` shows)."""
    return "SELECT CURRENT_USER() AS USER_NAME, CURRENT_ROLE() AS ROLE_NAME"
