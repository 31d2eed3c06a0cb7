"""Looking at services: DESCRIBE SERVICE, SHOW [JOB] SERVICES, SHOW SERVICE CONTAINERS|INSTANCES, SHOW ENDPOINTS.

* ``DESC[RIBE] SERVICE <name>``: one row, the SHOW columns plus ``spec`` (owner only).
* ``SHOW [JOB] SERVICES [EXCLUDE JOBS] [LIKE '<p>'] [IN ACCOUNT | DATABASE [<db>] | SCHEMA [<s>] |
  <s> | COMPUTE POOL <pool>] [STARTS WITH '<s>'] [LIMIT <n> [FROM '<s>']]``
* ``SHOW SERVICE CONTAINERS IN SERVICE <name>``, ``SHOW SERVICE INSTANCES IN SERVICE <name>``,
  ``SHOW ENDPOINTS IN SERVICE <name>``

Every statement here except SHOW ENDPOINTS is one poll of each service it shows (SHOW ENDPOINTS
is one look at each endpoint's provisioning instead).
"""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import Keywords, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import ResultSet
from airflow_provider_spcs.testing.sql.service_rows import (
    CONTAINER_COLUMNS,
    DESCRIBE_COLUMNS,
    ENDPOINT_COLUMNS,
    INSTANCE_COLUMNS,
    container_rows,
    endpoint_row,
    instance_rows,
    service_row,
    service_values,
    show_columns,
)
from airflow_provider_spcs.testing.sql.session import Session, require_service
from airflow_provider_spcs.testing.sql.show_clauses import Predicate, in_database, parse_show_filter, schema_scope


def describe_service(parser: Parser, session: Session) -> ResultSet:
    """``DESC[RIBE] SERVICE <name>``."""
    parts = parser.name()
    parser.end()
    service = require_service(session, parts)
    observed = service.poll()
    values = service_values(service, observed, show_spec=service.owner_role == session.role)
    return ResultSet(list(DESCRIBE_COLUMNS), [service_row(DESCRIBE_COLUMNS, values)])


def show_services(parser: Parser, session: Session) -> ResultSet:
    """``SHOW SERVICES [EXCLUDE JOBS] ...``."""
    if parser.accept_kw("EXCLUDE", "JOBS"):
        return _show(parser, session, jobs_only=False, exclude_jobs=True)
    return _show(parser, session, jobs_only=False, exclude_jobs=False)


def show_job_services(parser: Parser, session: Session) -> ResultSet:
    """``SHOW JOB SERVICES ...``."""
    return _show(parser, session, jobs_only=True, exclude_jobs=False)


def _pool_scope(parser: Parser) -> Predicate[BaseService] | None:
    if not parser.accept_kw("COMPUTE", "POOL"):
        return None
    pool = parser.identifier()
    return lambda service: service.compute_pool == pool


def _show(parser: Parser, session: Session, *, jobs_only: bool, exclude_jobs: bool) -> ResultSet:
    def wanted(service: BaseService) -> bool:
        return service.is_job if jobs_only else not (exclude_jobs and service.is_job)

    listing = parse_show_filter(
        parser,
        scope=schema_scope(session, more=_pool_scope),
        default_scope=in_database(session.database),
        extra=[wanted, lambda s: s.is_visible_to(session.role)],
    )
    parser.end()
    columns = show_columns(jobs_only=jobs_only, exclude_jobs=exclude_jobs)
    rows = [
        service_row(columns, service_values(service, service.poll(), show_spec=False))
        for service in listing.select(session.world.list_services())
    ]
    return ResultSet(columns, rows)


def _in_service(rows: Callable[[BaseService], ResultSet]) -> StatementHandler:
    """A ``SHOW ... IN SERVICE <name>`` statement answered by ``rows`` for the visible service."""

    def run(parser: Parser, session: Session) -> ResultSet:
        parts = parser.name()
        parser.end()
        return rows(require_service(session, parts))

    return run


show_containers = _in_service(lambda s: ResultSet(list(CONTAINER_COLUMNS), container_rows(s, s.poll())))
show_instances = _in_service(lambda s: ResultSet(list(INSTANCE_COLUMNS), instance_rows(s, s.poll())))
show_endpoints = _in_service(
    lambda s: ResultSet(list(ENDPOINT_COLUMNS), [endpoint_row(s, e, e.poll()) for e in s.endpoints])
)

STATEMENTS: dict[Keywords, StatementHandler] = {
    ("DESCRIBE", "SERVICE"): describe_service,
    ("SHOW", "SERVICES"): show_services,
    ("SHOW", "JOB", "SERVICES"): show_job_services,
    ("SHOW", "SERVICE", "CONTAINERS", "IN", "SERVICE"): show_containers,
    ("SHOW", "SERVICE", "INSTANCES", "IN", "SERVICE"): show_instances,
    ("SHOW", "ENDPOINTS", "IN", "SERVICE"): show_endpoints,
}
