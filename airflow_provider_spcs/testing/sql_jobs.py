"""EXECUTE JOB SERVICE: parsing its clauses in any order, finding or reading the spec, starting the job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from airflow_provider_spcs.testing.sql_parse import Parser, SqlError, Token, parse_name_text
from airflow_provider_spcs.testing.sql_results import ResultSet, status_result
from airflow_provider_spcs.testing.sql_session import Pending, Session
from airflow_provider_spcs.testing.sql_spec import SpecError, parse_spec, scripted_setting
from airflow_provider_spcs.testing.world import JobSpec

# -- EXECUTE JOB SERVICE -------------------------------------------------------------------


@dataclass
class _JobRequest:
    pool: str | None = None
    stage: str | None = None
    file: str | None = None
    inline: str | None = None
    name: list[str] | None = None
    is_async: bool = False
    replicas: int = 1
    query_warehouse: str | None = None
    comment: str | None = None
    eais: tuple[str, ...] = ()


def run_execute_job(parser: Parser, session: Session) -> ResultSet | Pending:
    """``EXECUTE JOB SERVICE``: the async reply row, or a :class:`Pending` for a synchronous job."""
    parser.expect_kw("EXECUTE", "JOB", "SERVICE")
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
    if request.pool is None or (request.inline is None and request.file is None):
        parser.fail()
    if request.pool not in session.world.compute_pools:
        raise SqlError(
            "002003",
            "02000",
            f"SQL compilation error:\nCompute pool '{request.pool}' does not exist or not authorized.",
        )
    spec = _job_spec_for(session, request)
    if request.name is None:
        database, schema, name = session.database, session.schema, f"JOB_{uuid.uuid4().hex.upper()}"
    else:
        database, schema, name = session.resolve(request.name)
    if (database, schema, name) in session.world.services:
        raise SqlError("002002", "42710", f"SQL compilation error:\nObject '{name}' already exists.")
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
    return Pending(session.world, job)


def _job_clause(parser: Parser, request: _JobRequest, token: Token) -> str:
    if parser.accept_kw("IN", "COMPUTE", "POOL"):
        request.pool = parser.identifier()
        return "POOL"
    if parser.accept_kw("FROM"):
        if parser.accept_kw("SPECIFICATION"):
            request.inline = parser.string()
            return "FROM"
        stage = parser.peek()
        if stage.kind != "STAGE":
            parser.fail()
        parser.next()
        if not (parser.accept_kw("SPECIFICATION_FILE") or parser.accept_kw("SPEC")):
            parser.fail()
        parser.expect_punct("=")
        stage_ref, _, prefix = stage.value.partition("/")
        request.stage = stage_ref
        file = parser.string().lstrip("/")
        request.file = f"{prefix.strip('/')}/{file}" if prefix.strip("/") else file
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
        parser.expect_punct("(")
        names: list[str] = []
        while not parser.at_punct(")"):
            names.append(parser.identifier())
            if not parser.accept_punct(","):
                break
        parser.expect_punct(")")
        request.eais = tuple(names)
    else:
        parser.fail(token)
    return key


def _job_spec_for(session: Session, request: _JobRequest) -> JobSpec:
    world = session.world
    if request.inline is not None:
        return _inline_job_spec(request.inline)
    assert request.stage is not None
    assert request.file is not None
    stage = _stage_key(request.stage, session)
    spec = world.job_spec(stage, request.file)
    if spec is None:
        raise SqlError(
            "002003",
            "02000",
            f"SQL compilation error:\nSpecification file '{request.file}' does not exist on stage "
            f"'@{stage}' or not authorized.",
        )
    return spec


def _stage_key(raw: str, session: Session) -> str:
    try:
        parts = parse_name_text(raw.lstrip("@"))
    except SqlError:
        raise SqlError(
            "002003", "02000", f"SQL compilation error:\nStage '{raw}' does not exist or not authorized."
        ) from None
    return ".".join(session.resolve(parts))


def _inline_job_spec(text: str) -> JobSpec:
    try:
        containers = parse_spec(text)
    except SpecError as exc:
        raise SqlError("395018", "22023", str(exc)) from None

    def setting(key: str, default: int) -> int:
        value = scripted_setting(containers, key)
        try:
            return int(value) if value is not None else default
        except ValueError:
            raise SqlError("395018", "22023", f"Invalid spec: {key} must be an integer.") from None

    outcome = (scripted_setting(containers, "EMULATOR_OUTCOME") or "DONE").upper()
    if outcome not in {"DONE", "FAILED"}:
        raise SqlError("395018", "22023", "Invalid spec: EMULATOR_OUTCOME must be DONE or FAILED.")
    logs: dict[str, list[str]] = {}
    for container in containers:
        if "EMULATOR_LOGS" in container.env:
            logs[container.name] = container.env["EMULATOR_LOGS"].splitlines()
        elif container.command:
            logs[container.name] = [" ".join(container.command)]
    return JobSpec(
        stage="",
        file="",
        outcome="FAILED" if outcome == "FAILED" else "DONE",
        run_polls=setting("EMULATOR_RUN_POLLS", 2),
        pending_polls=setting("EMULATOR_PENDING_POLLS", 1),
        logs=logs,
        exit_code=setting("EMULATOR_EXIT_CODE", 1 if outcome == "FAILED" else 0),
        message=scripted_setting(containers, "EMULATOR_MESSAGE"),
        containers=[c.name for c in containers],
        spec_text=text,
    )
