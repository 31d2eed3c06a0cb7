"""Deploying services: ``CREATE SERVICE`` and the ``ALTER SERVICE ... FROM`` upgrade action.

``CREATE SERVICE [IF NOT EXISTS] <name> IN COMPUTE POOL <pool> FROM <spec> [<options>]`` with any
spec form of :mod:`.spec_clauses` and the options of :mod:`.service_properties`. The reply is
``Service <NAME> successfully created.``; an existing name is error ``002002`` unless
``IF NOT EXISTS`` (then ``<NAME> already exists, statement succeeded.`` and the service is left
as it is). There is no ``OR REPLACE`` (drop first). The new service is PENDING, then RUNNING
(:attr:`.World.timings`).

``ALTER SERVICE [IF EXISTS] <name> FROM <spec>`` starts a rolling upgrade
(:mod:`airflow_provider_spcs.testing.model.service_instances`); the service's ``spec_digest`` is
the new one at once and ``is_upgrading`` is TRUE until every instance runs it.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.service_settings import ServiceSettings
from airflow_provider_spcs.testing.sql.failures import (
    already_exists,
    already_exists_note,
    model_errors,
)
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import AlterServiceAction, Keywords, ServiceChange, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import ResultSet, status_result
from airflow_provider_spcs.testing.sql.service_properties import parse_options
from airflow_provider_spcs.testing.sql.session import Session
from airflow_provider_spcs.testing.sql.spec_clauses import parse_spec_source, spec_text


def create_service(parser: Parser, session: Session) -> ResultSet:
    """``CREATE SERVICE [IF NOT EXISTS] <name> IN COMPUTE POOL <pool> FROM <spec> [<options>]``."""
    if_not_exists = parser.accept_kw("IF", "NOT", "EXISTS")
    parts = parser.name()
    parser.expect_kw("IN", "COMPUTE", "POOL")
    pool = parser.identifier()
    parser.expect_kw("FROM")
    source = parse_spec_source(parser)
    options = parse_options(parser, tags=True)
    parser.end()
    world = session.world
    key = session.resolve(parts)
    existing = world.services.get(key)
    if existing is not None:
        if if_not_exists:
            return status_result(already_exists_note(existing.name))
        raise already_exists(key[2])
    text = spec_text(session, source)
    with model_errors():
        service = world.create_service(
            key, text, compute_pool=pool, owner_role=session.role, settings=ServiceSettings.create(options)
        )
    return status_result(f"Service {service.name} successfully created.")


def _upgrade(parser: Parser) -> ServiceChange:
    source = parse_spec_source(parser)

    def change(session: Session, service: Service) -> ResultSet:
        text = spec_text(session, source)
        with model_errors():
            revision = session.world.make_revision(
                text, database=service.database, schema=service.schema, owner_role=service.owner_role
            )
        service.upgrade(revision)
        return status_result()

    return change


ALTER_ACTIONS: dict[str, AlterServiceAction] = {
    "FROM": _upgrade,
}

STATEMENTS: dict[Keywords, StatementHandler] = {
    ("CREATE", "SERVICE"): create_service,
}
