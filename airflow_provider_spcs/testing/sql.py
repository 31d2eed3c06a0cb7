"""The emulator's SQL statement engine: :func:`execute` runs one statement against a World.

Supported statements (keywords case-insensitive, optional trailing ``;``; names ``x``,
``schema.x``, ``db.schema.x``, double-quoted parts keep their case; unqualified names resolve in
the session's database/schema, default ``SPCS_DB.APP``):

* ``DESC[RIBE] SERVICE <name>``
* ``SHOW [JOB] SERVICES [EXCLUDE JOBS] [LIKE '<p>'] [IN ACCOUNT | DATABASE [<db>] | SCHEMA [<s>] |
  <s> | COMPUTE POOL <pool>] [STARTS WITH '<s>'] [LIMIT <n> [FROM '<s>']]``
* ``SHOW SERVICE CONTAINERS IN SERVICE <name>``, ``SHOW SERVICE INSTANCES IN SERVICE <name>``,
  ``SHOW ENDPOINTS IN SERVICE <name>``
* ``ALTER SERVICE [IF EXISTS] <name> SUSPEND | RESUME``, ``DROP SERVICE [IF EXISTS] <name> [FORCE]``
* ``EXECUTE JOB SERVICE IN COMPUTE POOL <pool> FROM @<stage> SPECIFICATION_FILE = '<f>'`` (or
  ``SPEC = '<f>'``) or ``FROM SPECIFICATION $$<yaml>$$`` (or ``'<yaml>'``), with ``NAME``,
  ``ASYNC``, ``REPLICAS``, ``QUERY_WAREHOUSE``, ``COMMENT``, ``EXTERNAL_ACCESS_INTEGRATIONS`` in
  any order. Synchronous execution returns a :class:`Pending`. Inline specs can script their
  outcome with container ``env`` (``EMULATOR_OUTCOME: FAILED``, ``EMULATOR_EXIT_CODE``,
  ``EMULATOR_RUN_POLLS``, ``EMULATOR_LOGS``...; see :mod:`.sql_spec`). Stage specs are registered
  with :meth:`World.add_job_spec`.
* ``SELECT``/``CALL`` of ``SYSTEM$GET_SERVICE_LOGS``, ``SYSTEM$GET_SERVICE_STATUS``,
  ``SYSTEM$CANCEL_JOB``; ``CALL <job>!SPCS_CANCEL_JOB()``; ``CALL <svc>!SPCS_WAIT_FOR('<status>'
  [, <secs>])`` (a :class:`Pending` while it waits); ``SELECT`` probes ``CURRENT_USER()``,
  ``CURRENT_ROLE()``, ``CURRENT_ACCOUNT()``, ``CURRENT_ACCOUNT_NAME()``, ``CURRENT_ORGANIZATION_NAME()``, ``CURRENT_DATABASE()``,
  ``CURRENT_SCHEMA()``, ``CURRENT_WAREHOUSE()``, ``CURRENT_VERSION()``, ``CURRENT_TIMESTAMP()``
  and literals (``SELECT 1``), each with an optional ``AS alias``.
* ``ALTER SESSION SET ...`` / ``UNSET ...`` (accepted, no effect).

A service is visible to a role that owns it or is one of its ``access_roles``; anything else gets
the same "does not exist or not authorized" error as a missing service.

Texts Snowflake does not document (the failed synchronous job error, cancel replies, SPCS_WAIT_FOR
errors) are plausible stand-ins: they name the job and its status, as the real ones are expected
to. Modules: ``sql_parse`` (tokens, names), ``sql_show`` (DESCRIBE/SHOW/ALTER/DROP), ``sql_jobs``
(EXECUTE JOB SERVICE), ``sql_functions`` (SELECT/CALL), ``sql_results`` (column lists, typed
cells), ``sql_session`` (session, :class:`Pending`, lookups), ``sql_spec`` (spec YAML).
"""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_spcs.testing.sql_functions import WaitFor, run_call, run_select
from airflow_provider_spcs.testing.sql_jobs import run_execute_job
from airflow_provider_spcs.testing.sql_parse import Parser, SqlError, split_statements
from airflow_provider_spcs.testing.sql_results import (
    BOOLEAN,
    DATE,
    FIXED,
    TEXT,
    TIME,
    TIMESTAMP_LTZ,
    TIMESTAMP_NTZ,
    TIMESTAMP_TZ,
    Cell,
    Column,
    ResultSet,
)
from airflow_provider_spcs.testing.sql_session import Pending, Session
from airflow_provider_spcs.testing.sql_show import run_alter, run_describe, run_drop, run_show
from airflow_provider_spcs.testing.world import DEFAULT_DATABASE, DEFAULT_SCHEMA, World, normalize_name

__all__ = [
    "BOOLEAN",
    "DATE",
    "FIXED",
    "TEXT",
    "TIME",
    "TIMESTAMP_LTZ",
    "TIMESTAMP_NTZ",
    "TIMESTAMP_TZ",
    "Cell",
    "Column",
    "Pending",
    "ResultSet",
    "SqlError",
    "WaitFor",
    "execute",
    "split_statements",
]


def execute(
    world: World,
    statement: str,
    *,
    user: str,
    role: str,
    database: str | None = None,
    schema: str | None = None,
) -> ResultSet | Pending:
    """Run one SQL statement as ``user``/``role``; see the module docstring for the dialect.

    Raises :class:`SqlError` with Snowflake-like code, SQL state and message on any error.
    """
    session = Session(
        world=world,
        user=user.upper(),
        role=role.upper(),
        # Session namespaces arrive as the client typed them (e.g. "spcs_db"): fold like identifiers.
        database=normalize_name(database or DEFAULT_DATABASE),
        schema=normalize_name(schema or DEFAULT_SCHEMA),
    )
    parser = Parser(statement)
    first = parser.peek()
    handler = _DISPATCH.get(first.value) if first.kind == "IDENT" else None
    if handler is None:
        parser.fail()
    with world.lock:
        return handler(parser, session)


_DISPATCH: dict[str, Callable[[Parser, Session], ResultSet | Pending]] = {
    "DESC": run_describe,
    "DESCRIBE": run_describe,
    "SHOW": run_show,
    "ALTER": run_alter,
    "DROP": run_drop,
    "EXECUTE": run_execute_job,
    "SELECT": run_select,
    "CALL": run_call,
}
