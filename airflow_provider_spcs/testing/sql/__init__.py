"""The emulator's SQL engine: :func:`execute` runs one statement against a :class:`.World`.

Keywords are case-insensitive, a trailing ``;`` is optional; names are ``x``, ``schema.x`` or
``db.schema.x`` (double-quoted parts keep their case) and unqualified names resolve in the
session's database/schema, default ``SPCS_DB.APP``. Statement families, one module each:

=================================  =================================================================
:mod:`.service_introspection`      ``DESC[RIBE] SERVICE``, ``SHOW [JOB] SERVICES``, ``SHOW SERVICE
                                   CONTAINERS | INSTANCES IN SERVICE``, ``SHOW ENDPOINTS IN SERVICE``
:mod:`.service_alter`              ``ALTER SERVICE [IF EXISTS] <name> <action>`` and its action table
:mod:`.service_lifecycle`          the SUSPEND and RESUME actions, ``DROP SERVICE [IF EXISTS] [FORCE]``
:mod:`.service_deploy`             ``CREATE SERVICE`` and the ``FROM`` action (rolling upgrade)
:mod:`.service_properties`         CREATE SERVICE options and the ``SET`` / ``UNSET`` actions
:mod:`.compute_pool_statements`    ``CREATE | ALTER | DESC[RIBE] | DROP COMPUTE POOL``,
                                   ``SHOW COMPUTE POOLS``
:mod:`.secret_statements`          ``CREATE [OR REPLACE] | ALTER | DESC[RIBE] | DROP SECRET``,
                                   ``SHOW SECRETS``
:mod:`.job_statements`             ``EXECUTE JOB SERVICE`` (a :class:`Pending` while a sync job runs)
:mod:`.select_and_call`            ``SELECT`` literals and functions, ``CALL`` functions and methods
:mod:`.service_functions`          ``SYSTEM$GET_SERVICE_STATUS | GET_SERVICE_LOGS | CANCEL_JOB``,
                                   ``<job>!SPCS_CANCEL_JOB()``, ``<svc>!SPCS_WAIT_FOR(...)``
:mod:`.session_functions`          ``CURRENT_USER()``, ``CURRENT_ROLE()``, ... ``CURRENT_TIMESTAMP``
:mod:`.session_statements`         ``ALTER SESSION SET | UNSET`` (accepted, no effect)
=================================  =================================================================

Shared parts: :mod:`.engine` (routing), :mod:`.registry` (handler shapes, table merging),
:mod:`.lexer` and :mod:`.parser`, :mod:`.session` (who runs it, service lookups),
:mod:`.show_clauses` (LIKE / IN / STARTS WITH / LIMIT), :mod:`.result_sets` (typed results),
:mod:`.service_rows` (SHOW/DESCRIBE columns and rows), :mod:`.failures` (errors),
:mod:`.spec_clauses` (the ``FROM <spec>`` forms and ``USING``), :mod:`.redaction` (statement text
with secret literals replaced by ``'***'``, what the statement history keeps).

Adding a statement family: write its module with a ``STATEMENTS`` table (leading keywords ->
handler) and add one line to :data:`.engine.STATEMENTS`; an ALTER SERVICE action goes into
:data:`.service_alter.ACTIONS`, a function into :data:`.select_and_call.FUNCTIONS`.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.sql.engine import execute
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.lexer import split_statements
from airflow_provider_spcs.testing.sql.result_sets import Cell, Column, Pending, ResultSet

__all__ = ["Cell", "Column", "Pending", "ResultSet", "SqlError", "execute", "split_statements"]
