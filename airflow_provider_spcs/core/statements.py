"""Every SQL statement the provider sends, one small function each.

Inputs are typed (a :class:`~airflow_provider_spcs.core.identifiers.QualifiedName` or a name to
parse, a :class:`~airflow_provider_spcs.core.jobs.JobSpec`, a number checked for range) and reach
the text only through :mod:`airflow_provider_spcs.core.identifiers`, which validates and quotes
identifiers and literals. No other module of the package writes SQL (a test scans the source), so
this is the one place to read what the provider asks Snowflake, and the place to add a statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import (
    QualifiedName,
    account_object_name,
    dollar_quoted,
    name_argument,
    parse_object_name,
    quote_identifier,
    secret_literal,
    service_name,
    string_literal,
    using_key,
    using_value,
)
from airflow_provider_spcs.core.secret_sql import REDACTED, SecretStatement

if TYPE_CHECKING:
    from airflow_provider_spcs.core.jobs import JobSpec
    from airflow_provider_spcs.core.secret_values import SecretValue
    from airflow_provider_spcs.core.service_properties import ServiceProperties
    from airflow_provider_spcs.core.specs import ServiceSpec

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


def drop_service(name: str | QualifiedName, *, if_exists: bool = True, force: bool = False) -> str:
    """``DROP SERVICE [IF EXISTS] <name> [FORCE]``.

    :param if_exists: no error when the service is already gone (the default: job cleanup must not
        fail because the job is gone).
    :param force: drop even when other objects depend on the service.
    """
    guard = "IF EXISTS " if if_exists else ""
    return f"DROP SERVICE {guard}{service_name(name).sql}" + (" FORCE" if force else "")


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
    parts.append(spec_source(job.source))
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


# --- deploying services ---------------------------------------------------------------------------


def spec_source(spec: ServiceSpec) -> str:
    """The ``FROM ...`` clause of a specification source (CREATE SERVICE, ALTER SERVICE, EXECUTE JOB SERVICE).

    ``FROM @stage SPECIFICATION_FILE = 'path'``, ``FROM SPECIFICATION $$...$$``, and the template
    forms ``SPECIFICATION_TEMPLATE_FILE`` / ``SPECIFICATION_TEMPLATE`` followed by
    ``USING (key => value, ...)`` (values: :func:`~airflow_provider_spcs.core.identifiers.using_value`).

    :raises SpcsConfigError: an invalid stage or file name, ``$$`` in inline text, or a bad value.
    """
    template = "_TEMPLATE" if spec.is_template else ""
    if spec.text is not None:
        what = "an inline template" if spec.is_template else "an inline specification"
        text = dollar_quoted(spec.text, field=spec.text_field, what=what, hint="use a stage file instead")
        clause = f"FROM SPECIFICATION{template} {text}"
    else:
        assert spec.stage is not None
        assert spec.file is not None
        stage = parse_object_name(spec.stage.removeprefix("@"), field="stage").sql
        clause = f"FROM @{stage} SPECIFICATION{template}_FILE = {string_literal(spec.file, field=spec.file_field)}"
    if spec.using is None:
        return clause
    values = ", ".join(
        f"{using_key(key, field='using')} => {using_value(value, field=f'using.{key}')}"
        for key, value in spec.using.items()
    )
    return f"{clause}\nUSING ({values})"


# CREATE SERVICE takes its options in this (documented) order; TAG goes between QUERY_WAREHOUSE and COMMENT.
_CREATE_ORDER = (
    "AUTO_SUSPEND_SECS",
    "EXTERNAL_ACCESS_INTEGRATIONS",
    "AUTO_RESUME",
    "MIN_INSTANCES",
    "MIN_READY_INSTANCES",
    "MAX_INSTANCES",
    "LOG_LEVEL",
    "QUERY_WAREHOUSE",
)


def _property_clause(name: str, properties: ServiceProperties) -> str:
    value = getattr(properties, name.lower())
    field = name.lower()
    if name == "EXTERNAL_ACCESS_INTEGRATIONS":
        if not value:
            raise SpcsConfigError(field, "give at least one integration (or unset the property)")
        text = "(" + ", ".join(account_object_name(n, field=field).sql for n in value) + ")"
    elif name == "QUERY_WAREHOUSE":
        text = account_object_name(value, field=field).sql
    elif name in ("LOG_LEVEL", "COMMENT"):
        text = string_literal(value, field=field)
    elif name == "AUTO_RESUME":
        text = "TRUE" if value else "FALSE"
    else:
        text = str(int(value))
    return f"{name} = {text}"


def _tag_clause(tags: Mapping[str, str]) -> str:
    pairs = ", ".join(
        f"{parse_object_name(tag, field='tags').sql} = {string_literal(str(value), field='tags')}"
        for tag, value in tags.items()
    )
    return f"WITH TAG ({pairs})"


def create_service(
    name: str | QualifiedName,
    *,
    compute_pool: str,
    spec: ServiceSpec,
    properties: ServiceProperties | None = None,
    tags: Mapping[str, str] | None = None,
    if_not_exists: bool = False,
) -> str:
    """``CREATE SERVICE [IF NOT EXISTS] <name> IN COMPUTE POOL <pool> FROM <spec> [options]``, options in the documented order.

    :param tags: tag name (``tag``, ``db.schema.tag``) to value.
    """
    guard = "IF NOT EXISTS " if if_not_exists else ""
    parts = [
        f"CREATE SERVICE {guard}{service_name(name).sql}",
        f"IN COMPUTE POOL {account_object_name(compute_pool, field='compute_pool').sql}",
        spec_source(spec),
    ]
    if properties is not None:
        given = set(properties.given)
        parts.extend(_property_clause(n, properties) for n in _CREATE_ORDER if n in given)
    if tags:
        parts.append(_tag_clause(tags))
    if properties is not None and properties.comment is not None:
        parts.append(_property_clause("COMMENT", properties))
    return "\n".join(parts)


def upgrade_service(name: str | QualifiedName, spec: ServiceSpec, *, if_exists: bool = False) -> str:
    """``ALTER SERVICE [IF EXISTS] <name> FROM <spec>``: a rolling upgrade to ``spec``.

    The same specification again restarts every instance too (how env-var secrets are refreshed).
    """
    guard = "IF EXISTS " if if_exists else ""
    return f"ALTER SERVICE {guard}{service_name(name).sql}\n{spec_source(spec)}"


def alter_service_set(name: str | QualifiedName, properties: ServiceProperties, *, if_exists: bool = False) -> str:
    """``ALTER SERVICE [IF EXISTS] <name> SET <property> = <value> ...`` in the documented order.

    :raises SpcsConfigError: no property given.
    """
    if not properties.given:
        raise SpcsConfigError("properties", "nothing to set")
    guard = "IF EXISTS " if if_exists else ""
    clauses = " ".join(_property_clause(n, properties) for n in properties.given)
    return f"ALTER SERVICE {guard}{service_name(name).sql} SET {clauses}"


def alter_service_unset(name: str | QualifiedName, properties: Iterable[str], *, if_exists: bool = False) -> str:
    """``ALTER SERVICE [IF EXISTS] <name> UNSET <property>, ...`` (names checked by ``parse_unset``)."""
    from airflow_provider_spcs.core.service_properties import parse_unset

    names = parse_unset(properties)
    if not names:
        raise SpcsConfigError("unset", "nothing to unset")
    guard = "IF EXISTS " if if_exists else ""
    return f"ALTER SERVICE {guard}{service_name(name).sql} UNSET {', '.join(names)}"


def show_service_instances(name: str | QualifiedName) -> str:
    """``SHOW SERVICE INSTANCES IN SERVICE <name>``: one row per instance, each with its ``spec_digest``."""
    return f"SHOW SERVICE INSTANCES IN SERVICE {service_name(name).sql}"


# --- compute pools ---------------------------------------------------------------------------------

_POOL_ACTIONS = ("SUSPEND", "RESUME", "STOP ALL")


def alter_compute_pool(name: str, action: str, *, if_exists: bool = False) -> str:
    """``ALTER COMPUTE POOL [IF EXISTS] <name> SUSPEND|RESUME|STOP ALL``.

    :raises SpcsConfigError: another action.
    """
    verb = " ".join(action.upper().split())
    if verb not in _POOL_ACTIONS:
        raise SpcsConfigError("action", f"expected one of {', '.join(_POOL_ACTIONS)}, got {action!r}")
    guard = "IF EXISTS " if if_exists else ""
    return f"ALTER COMPUTE POOL {guard}{account_object_name(name, field='compute_pool').sql} {verb}"


def describe_compute_pool(name: str) -> str:
    """``DESCRIBE COMPUTE POOL <name>``: one row with ``state``, ``error_code`` and ``status_message``."""
    return f"DESCRIBE COMPUTE POOL {account_object_name(name, field='compute_pool').sql}"


def show_compute_pools(like: str | None = None) -> str:
    """``SHOW COMPUTE POOLS [LIKE '<pattern>']`` (``%`` and ``_`` are wildcards, case-insensitive)."""
    if like is None:
        return "SHOW COMPUTE POOLS"
    return f"SHOW COMPUTE POOLS LIKE {string_literal(like, field='like')}"


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


# --- session ---------------------------------------------------------------------------------------


def current_identity() -> str:
    """The user and role the connection's credentials act as (what ``test_connection`` shows)."""
    return "SELECT CURRENT_USER() AS USER_NAME, CURRENT_ROLE() AS ROLE_NAME"
