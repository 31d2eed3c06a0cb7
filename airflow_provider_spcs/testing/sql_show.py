"""DESCRIBE SERVICE, the SHOW statements, ALTER SERVICE and DROP SERVICE."""

from __future__ import annotations

import re
from collections.abc import Callable

from airflow_provider_spcs.testing.sql_parse import Parser, SqlError
from airflow_provider_spcs.testing.sql_results import (
    CONTAINER_COLUMNS,
    DESCRIBE_COLUMNS,
    ENDPOINT_COLUMNS,
    INSTANCE_COLUMNS,
    Cell,
    ResultSet,
    container_rows,
    endpoint_row,
    instance_rows,
    service_row,
    service_values,
    show_columns,
    status_result,
)
from airflow_provider_spcs.testing.sql_session import Session, display_name, find_service, not_found, require_service
from airflow_provider_spcs.testing.world import Service

# -- DESCRIBE / SHOW -----------------------------------------------------------------------


def run_describe(parser: Parser, session: Session) -> ResultSet:
    """``DESC[RIBE] SERVICE <name>``: one row, SHOW columns plus ``spec`` (owner only); a poll."""
    parser.next()  # DESC / DESCRIBE
    parser.expect_kw("SERVICE")
    parts = parser.name()
    parser.end()
    service = require_service(session, parts)
    observed = service.poll()
    values = service_values(service, observed, show_spec=service.owner_role == session.role)
    return ResultSet(list(DESCRIBE_COLUMNS), [service_row(DESCRIBE_COLUMNS, values)])


def run_show(parser: Parser, session: Session) -> ResultSet:
    """``SHOW [JOB] SERVICES ...``, ``SHOW SERVICE CONTAINERS|INSTANCES IN SERVICE``, ``SHOW ENDPOINTS``."""
    parser.next()  # SHOW
    if parser.accept_kw("SERVICE", "CONTAINERS", "IN", "SERVICE"):
        return _show_containers(parser, session)
    if parser.accept_kw("SERVICE", "INSTANCES", "IN", "SERVICE"):
        return _show_instances(parser, session)
    if parser.accept_kw("ENDPOINTS", "IN", "SERVICE"):
        return _show_endpoints(parser, session)
    jobs_only = parser.accept_kw("JOB")
    parser.expect_kw("SERVICES")
    exclude_jobs = not jobs_only and parser.accept_kw("EXCLUDE", "JOBS")
    return _show_services(parser, session, jobs_only=jobs_only, exclude_jobs=exclude_jobs)


def _like(pattern: str) -> Callable[[str], bool]:

    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return lambda name: compiled.fullmatch(name) is not None


_CLAUSE_WORDS = frozenset({"STARTS", "LIMIT", "LIKE", "IN"})


def _optional_name(parser: Parser) -> list[str] | None:
    token = parser.peek()
    if token.kind == "QIDENT" or (token.kind == "IDENT" and token.value not in _CLAUSE_WORDS):
        return parser.name()
    return None


def _show_services(parser: Parser, session: Session, *, jobs_only: bool, exclude_jobs: bool) -> ResultSet:
    matches: list[Callable[[Service], bool]] = []
    if parser.accept_kw("LIKE"):
        like = _like(parser.string())
        matches.append(lambda s: like(s.name))
    if parser.accept_kw("IN"):
        matches.append(_scope(parser, session))
    else:
        # Without IN, SHOW lists the current database's objects.
        current_db = session.database
        matches.append(lambda s: s.database == current_db)
    if parser.accept_kw("STARTS", "WITH"):
        prefix = parser.string()
        matches.append(lambda s: s.name.startswith(prefix))
    limit: int | None = None
    after: str | None = None
    if parser.accept_kw("LIMIT"):
        limit = parser.integer()
        if parser.accept_kw("FROM"):
            after = parser.string()
    parser.end()

    columns = show_columns(jobs_only=jobs_only, exclude_jobs=exclude_jobs)
    rows: list[list[Cell]] = []
    for service in session.world.list_services():
        if jobs_only and not service.is_job:
            continue
        if exclude_jobs and service.is_job:
            continue
        if not service.is_visible_to(session.role) or not all(match(service) for match in matches):
            continue
        if after is not None and service.name <= after:
            continue
        if limit is not None and len(rows) >= limit:
            break
        observed = service.poll()
        rows.append(service_row(columns, service_values(service, observed, show_spec=False)))
    return ResultSet(columns, rows)


def _scope(parser: Parser, session: Session) -> Callable[[Service], bool]:
    if parser.accept_kw("ACCOUNT"):
        return lambda s: True
    if parser.accept_kw("DATABASE"):
        name = _optional_name(parser)
        if name is not None and len(name) != 1:
            parser.fail()
        database = name[0] if name else session.database
        return lambda s: s.database == database
    if parser.accept_kw("COMPUTE", "POOL"):
        pool = parser.identifier()
        return lambda s: s.compute_pool == pool
    explicit_schema = parser.accept_kw("SCHEMA")
    name = _optional_name(parser)
    if name is None:
        if not explicit_schema:
            parser.fail()
        name = [session.schema]
    if len(name) > 2:
        parser.fail()
    database, schema = (name[0], name[1]) if len(name) == 2 else (session.database, name[0])
    return lambda s: s.database == database and s.schema == schema


def _show_containers(parser: Parser, session: Session) -> ResultSet:
    parts = parser.name()
    parser.end()
    service = require_service(session, parts)
    observed = service.poll()
    return ResultSet(list(CONTAINER_COLUMNS), container_rows(service, observed))


def _show_instances(parser: Parser, session: Session) -> ResultSet:
    parts = parser.name()
    parser.end()
    service = require_service(session, parts)
    observed = service.poll()
    return ResultSet(list(INSTANCE_COLUMNS), instance_rows(service, observed))


def _show_endpoints(parser: Parser, session: Session) -> ResultSet:
    parts = parser.name()
    parser.end()
    service = require_service(session, parts)
    rows = [endpoint_row(service, endpoint, endpoint.poll()) for endpoint in service.endpoints]
    return ResultSet(list(ENDPOINT_COLUMNS), rows)


# -- ALTER / DROP --------------------------------------------------------------------------


def run_alter(parser: Parser, session: Session) -> ResultSet:
    """``ALTER SERVICE [IF EXISTS] <name> SUSPEND|RESUME`` and a no-op ``ALTER SESSION SET|UNSET``."""
    parser.next()  # ALTER
    if parser.accept_kw("SESSION"):
        if not (parser.accept_kw("SET") or parser.accept_kw("UNSET")):
            parser.fail()
        # Session parameters do not change anything the emulator models.
        return status_result("Statement executed successfully.")
    parser.expect_kw("SERVICE")
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    action_token = parser.peek()
    if parser.accept_kw("SUSPEND"):
        action = "SUSPEND"
    elif parser.accept_kw("RESUME"):
        action = "RESUME"
    else:
        parser.fail(action_token)
    parser.end()
    service = find_service(session, parts)
    if service is None:
        if if_exists:
            return status_result("Statement executed successfully.")
        raise not_found(parts)
    if service.is_job:
        raise SqlError(
            "000002", "0A000", f"Unsupported feature 'ALTER SERVICE {action} on job service {service.name}'."
        )
    if action == "SUSPEND":
        service.suspend()
    else:
        service.resume()
    return status_result("Statement executed successfully.")


def run_drop(parser: Parser, session: Session) -> ResultSet:
    """``DROP SERVICE [IF EXISTS] <name> [FORCE]``."""
    parser.next()  # DROP
    parser.expect_kw("SERVICE")
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    parser.accept_kw("FORCE")
    parser.end()
    service = find_service(session, parts)
    if service is None:
        if if_exists:
            return status_result(f"Drop statement executed successfully ({display_name(parts)} already dropped).")
        raise not_found(parts)
    session.world.drop_service(service)
    return status_result(f"{service.name} successfully dropped.")
