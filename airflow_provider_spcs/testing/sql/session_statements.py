"""``ALTER SESSION SET | UNSET ...``: accepted, with no effect (no session parameter changes what
the emulator models). ``USE`` and transaction statements are the connector's: see
:mod:`airflow_provider_spcs.testing.wire.connector_statements`."""

from __future__ import annotations

from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import Keywords, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import ResultSet, status_result
from airflow_provider_spcs.testing.sql.session import Session


def alter_session(parser: Parser, session: Session) -> ResultSet:
    """``ALTER SESSION SET|UNSET <anything>``."""
    if not (parser.accept_kw("SET") or parser.accept_kw("UNSET")):
        parser.fail()
    return status_result()


STATEMENTS: dict[Keywords, StatementHandler] = {
    ("ALTER", "SESSION"): alter_session,
}
