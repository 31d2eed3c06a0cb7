"""``ALTER SERVICE [IF EXISTS] <name> <action> ...``: the statement's head and its table of actions.

Every action shares the head: parse the name, the action and its clauses, then find the service
(``IF EXISTS`` makes a missing one a no-op) and refuse job services, which cannot be altered. An
action module registers its keywords in :data:`ACTIONS`.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.sql import service_deploy, service_lifecycle, service_properties
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import AlterServiceAction, Keywords, StatementHandler, merge
from airflow_provider_spcs.testing.sql.result_sets import ResultSet, status_result
from airflow_provider_spcs.testing.sql.session import Session, find_service, not_found

ACTIONS: dict[str, AlterServiceAction] = merge(
    service_lifecycle.ALTER_ACTIONS,
    service_deploy.ALTER_ACTIONS,
    service_properties.ALTER_ACTIONS,
)
"""Action keyword -> action, one line per module that brings actions."""


def alter_service(parser: Parser, session: Session) -> ResultSet:
    """``ALTER SERVICE [IF EXISTS] <name> <action> ...``."""
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    token = parser.peek()
    action = ACTIONS.get(token.value) if token.kind == "IDENT" else None
    if action is None:
        parser.fail(token)
    parser.next()
    change = action(parser)
    parser.end()
    service = find_service(session, parts)
    if service is None:
        if if_exists:
            return status_result()
        raise not_found(parts)
    if not isinstance(service, Service):
        raise SqlError(
            "000002", "0A000", f"Unsupported feature 'ALTER SERVICE {token.value} on job service {service.name}'."
        )
    return change(session, service)


STATEMENTS: dict[Keywords, StatementHandler] = {
    ("ALTER", "SERVICE"): alter_service,
}
