"""EXECUTE JOB SERVICE: its clauses in any order, the spec (stage file or inline), starting the job.

``EXECUTE JOB SERVICE IN COMPUTE POOL <pool> FROM <spec>`` (any form of :mod:`.spec_clauses`:
stage file, inline, or either as a template with ``USING``), with ``NAME``, ``ASYNC``,
``REPLICAS``, ``QUERY_WAREHOUSE``, ``COMMENT``, ``EXTERNAL_ACCESS_INTEGRATIONS`` in any order.
An async job answers at once; a synchronous one is a :class:`JobRun` that finishes when the job
does. Inline specs and plain stage files can script their outcome with container ``env`` (see
:mod:`airflow_provider_spcs.testing.model.spec_yaml`); stage specs registered with
:meth:`.World.add_job_spec` behave as registered. A suspended pool auto-resumes (the job is
PENDING until it is up) or, without AUTO_RESUME, refuses the job.

Texts Snowflake does not document (the failed synchronous job error) are plausible stand-ins:
they name the job and its status, as the real ones are expected to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from airflow_provider_spcs.testing.model.job_services import (
    JOB_TERMINAL_STATUSES,
    JobService,
    JobSpec,
    job_spec_from_text,
)
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.sql.failures import (
    SqlError,
    already_exists,
    does_not_exist,
    model_errors,
)
from airflow_provider_spcs.testing.sql.lexer import Token
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import Keywords, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import Pending, ResultSet, status_result
from airflow_provider_spcs.testing.sql.session import Session
from airflow_provider_spcs.testing.sql.spec_clauses import SpecSource, parse_spec_source, spec_text, stage_key_of


class JobRun(Pending):
    """A synchronous EXECUTE JOB SERVICE while its job runs.

    Each :meth:`poll` counts as one poll of the job; it returns ``None`` while the job runs, the
    result when it is DONE, and raises :class:`SqlError` if it FAILED or was cancelled or dropped.
    """

    def __init__(self, world: World, job: JobService) -> None:
        self.world = world
        self.job = job

    def poll(self) -> ResultSet | None:
        """Advance the job one poll; see the class docstring."""
        with self.world.lock:
            status = self.job.poll()
            if status not in JOB_TERMINAL_STATUSES and status != "DELETED":
                return None
            return _job_outcome(self.job, status)

    def cancel(self) -> None:
        """Cancel the running job (what cancelling the statement does)."""
        self.job.cancel()


def _job_outcome(job: JobService, status: str) -> ResultSet:
    if status == "DONE":
        return status_result(f"Job {job.name} completed successfully with status: DONE.")
    if status in {"CANCELLED", "DELETED"}:
        raise SqlError("000604", "57014", f"SQL execution canceled\nJob {job.name} was cancelled (status: {status}).")
    raise SqlError(
        "395019",
        "P0001",
        f"Job {job.name} completed with status: {status}. Please check the logs of the job's containers "
        f"(SYSTEM$GET_SERVICE_LOGS('{job.name}', 0, '{job.containers[0]}')) for details.",
    )


@dataclass
class _JobRequest:
    pool: str | None = None
    source: SpecSource | None = None
    name: list[str] | None = None
    is_async: bool = False
    replicas: int = 1
    query_warehouse: str | None = None
    comment: str | None = None
    eais: tuple[str, ...] = ()


def execute_job_service(parser: Parser, session: Session) -> ResultSet | Pending:
    """``EXECUTE JOB SERVICE ...``: the async reply row, or a :class:`JobRun` for a synchronous job."""
    request = _JobRequest()
    seen: set[str] = set()
    while True:
        parser.accept_punct(",")
        token = parser.peek()
        if token.kind == "EOF" or parser.at_punct(";"):
            break
        key = _job_clause(parser, request, token)
        if key in seen:
            parser.fail(token)
        seen.add(key)
    parser.end()
    if request.pool is None or request.source is None:
        parser.fail()
    pool = session.world.compute_pools.get(request.pool)
    if pool is None:
        raise does_not_exist("Compute pool", request.pool)
    spec = _job_spec_for(session, request.source)
    if request.name is None:
        database, schema, name = session.database, session.schema, f"JOB_{uuid.uuid4().hex.upper()}"
    else:
        database, schema, name = session.resolve(request.name)
    if (database, schema, name) in session.world.services:
        raise already_exists(name)
    with model_errors():
        pool.admit_work()
    job = session.world.add_job(
        name,
        spec,
        database=database,
        schema=schema,
        compute_pool=request.pool,
        owner_role=session.role,
        replicas=request.replicas,
        is_async=request.is_async,
        query_warehouse=request.query_warehouse,
        external_access_integrations=request.eais,
        comment=request.comment,
    )
    if request.is_async:
        return status_result(f"Started Snowpark Container Services Job '{name}'.")
    return JobRun(session.world, job)


def _job_clause(parser: Parser, request: _JobRequest, token: Token) -> str:
    if parser.accept_kw("IN", "COMPUTE", "POOL"):
        request.pool = parser.identifier()
        return "POOL"
    if parser.accept_kw("FROM"):
        request.source = parse_spec_source(parser)
        return "FROM"
    if token.kind != "IDENT":
        parser.fail()
    key = token.value
    parser.next()
    parser.expect_punct("=")
    if key == "NAME":
        request.name = parser.name()
    elif key == "ASYNC":
        request.is_async = parser.boolean()
    elif key == "REPLICAS":
        replicas_token = parser.peek()
        request.replicas = parser.integer()
        if request.replicas < 1:
            parser.fail(replicas_token)
    elif key == "QUERY_WAREHOUSE":
        request.query_warehouse = parser.identifier()
    elif key == "COMMENT":
        request.comment = parser.string()
    elif key == "EXTERNAL_ACCESS_INTEGRATIONS":
        request.eais = tuple(parser.identifier_list())
    else:
        parser.fail(token)
    return key


def _job_spec_for(session: Session, source: SpecSource) -> JobSpec:
    if source.stage is not None and source.path is not None and not source.is_template:
        registered = session.world.job_spec(stage_key_of(source.stage, session), source.path)
        if registered is not None:
            return registered
    with model_errors():
        return job_spec_from_text(spec_text(session, source))


STATEMENTS: dict[Keywords, StatementHandler] = {
    ("EXECUTE", "JOB", "SERVICE"): execute_job_service,
}
