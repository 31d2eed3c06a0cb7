"""Operating services: ``ALTER SERVICE ... SUSPEND | RESUME`` and ``DROP SERVICE [IF EXISTS] <name> [FORCE]``."""

from __future__ import annotations

from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.sql.failures import model_errors
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import AlterServiceAction, Keywords, ServiceChange, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import ResultSet, status_result
from airflow_provider_spcs.testing.sql.session import Session, display_name, find_service, not_found


def _suspend(parser: Parser) -> ServiceChange:
    def change(session: Session, service: Service) -> ResultSet:
        service.suspend()
        return status_result()

    return change


def _resume(parser: Parser) -> ServiceChange:
    def change(session: Session, service: Service) -> ResultSet:
        with model_errors():  # its compute pool may be suspended and not auto-resume
            service.resume()
        return status_result()

    return change


def drop_service(parser: Parser, session: Session) -> ResultSet:
    """``DROP SERVICE [IF EXISTS] <name> [FORCE]`` (services and job services)."""
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


ALTER_ACTIONS: dict[str, AlterServiceAction] = {
    "SUSPEND": _suspend,
    "RESUME": _resume,
}

STATEMENTS: dict[Keywords, StatementHandler] = {
    ("DROP", "SERVICE"): drop_service,
}
