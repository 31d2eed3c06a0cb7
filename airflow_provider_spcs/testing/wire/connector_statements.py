"""Session-level statements the connector sends that the SQL engine does not know.

``with conn:`` makes the connector send ``COMMIT`` (or ``ROLLBACK``); users send ``USE ...``. The
SQL API rejects these (reference 6.4), but over the connector they work on the session.
"""

from __future__ import annotations

import re

from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.result_sets import ResultSet, status_result
from airflow_provider_spcs.testing.wire.app_state import ConnectorSession

_TRANSACTION = re.compile(r"^\s*(COMMIT|ROLLBACK|BEGIN(\s+TRANSACTION)?|START\s+TRANSACTION)\s*;?\s*$", re.IGNORECASE)
_USE = re.compile(
    r'^\s*USE\s+(?:(ROLE|DATABASE|SCHEMA|WAREHOUSE)\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$.]*)\s*;?\s*$', re.IGNORECASE
)


def _ident(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.upper()


def run_session_statement(text: str, session: ConnectorSession, user: User) -> ResultSet | None:
    """Run ``text`` if it is a transaction or USE statement; ``None`` if it is for the engine."""
    if _TRANSACTION.match(text):
        return status_result()
    match = _USE.match(text)
    if not match:
        return None
    kind = (match.group(1) or "SCHEMA").upper()
    name = _ident(match.group(2))
    if kind == "ROLE":
        if not user.has_role(name):
            raise SqlError("003013", "42501", f"Requested role '{name}' is not assigned to the executing user.")
        session.role = name
    elif kind == "DATABASE":
        session.database, session.schema = name, None
    elif kind == "WAREHOUSE":
        session.warehouse = name
    elif "." in name:
        session.database, session.schema = name.split(".", 1)
    else:
        session.schema = name
    return status_result()
