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
  [, <secs>])`` (a :class:`Pending` while it waits); ``SELECT`` probes ``CURRENT_USER()``, ``CURRENT_ROLE()``, ``CURRENT_ACCOUNT()``,
  ``CURRENT_ACCOUNT_NAME()``, ``CURRENT_ORGANIZATION_NAME()``, ``CURRENT_DATABASE()``,
  ``CURRENT_SCHEMA()``, ``CURRENT_WAREHOUSE()``, ``CURRENT_VERSION()``, ``CURRENT_TIMESTAMP()``
  and literals (``SELECT 1``), each with an optional ``AS alias``.
* ``ALTER SESSION SET ...`` / ``UNSET ...`` (accepted, no effect).

A service is visible to a role that owns it or is one of its ``access_roles``; anything else gets
the same "does not exist or not authorized" error as a missing service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from airflow_provider_spcs.testing.sql_parse import Parser, SqlError, Token, parse_name_text, split_statements
from airflow_provider_spcs.testing.sql_results import (
    BOOLEAN,
    CONTAINER_COLUMNS,
    DESCRIBE_COLUMNS,
    ENDPOINT_COLUMNS,
    FIXED,
    INSTANCE_COLUMNS,
    TEXT,
    TIMESTAMP_LTZ,
    Column,
    ResultSet,
    container_rows,
    endpoint_row,
    fmt_ts,
    instance_rows,
    service_row,
    service_status_json,
    service_values,
    show_columns,
    status_result,
)
from airflow_provider_spcs.testing.sql_spec import SpecError, parse_spec, scripted_setting
from airflow_provider_spcs.testing.world import (
    DEFAULT_DATABASE,
    DEFAULT_SCHEMA,
    JOB_TERMINAL_STATUSES,
    JobSpec,
    Service,
    World,
)

__all__ = [
    "BOOLEAN",
    "FIXED",
    "TEXT",
    "TIMESTAMP_LTZ",
    "Column",
    "Pending",
    "ResultSet",
    "SqlError",
    "WaitFor",
    "execute",
    "split_statements",
]

EMULATED_VERSION = "9.38.1"


@dataclass
class Session:
    """What a statement runs as: user, role and the current database/schema."""

    world: World
    user: str
    role: str
    database: str
    schema: str

    def resolve(self, parts: list[str]) -> tuple[str, str, str]:
        """Qualify a parsed name with the current database/schema."""
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        if len(parts) == 2:
            return self.database, parts[0], parts[1]
        return self.database, self.schema, parts[0]


class Pending:
    """A statement still running: a synchronous EXECUTE JOB SERVICE.

    Each :meth:`poll` counts as one poll of the job's state machine; it returns ``None`` while
    the job runs, the result when it is DONE, and raises :class:`SqlError` if it FAILED or was
    cancelled.
    """

    def __init__(self, world: World, job: Service) -> None:
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


def _job_outcome(job: Service, status: str) -> ResultSet:
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
        database=database or DEFAULT_DATABASE,
        schema=schema or DEFAULT_SCHEMA,
    )
    parser = Parser(statement)
    first = parser.peek()
    handler = _DISPATCH.get(first.value) if first.kind == "IDENT" else None
    if handler is None:
        parser.fail()
    with world.lock:
        return handler(parser, session)


# -- helpers -------------------------------------------------------------------------------


def _display(parts: list[str]) -> str:
    return ".".join(parts)


def not_found(parts: list[str]) -> SqlError:
    """Snowflake's error for a missing (or invisible) service."""
    return SqlError(
        "002003", "02000", f"SQL compilation error:\nService '{_display(parts)}' does not exist or not authorized."
    )


def _find(session: Session, parts: list[str]) -> Service | None:
    service = session.world.services.get(session.resolve(parts))
    if service is None or not service.is_visible_to(session.role):
        return None
    return service


def _require(session: Session, parts: list[str]) -> Service:
    service = _find(session, parts)
    if service is None:
        raise not_found(parts)
    return service


def _service_from_string(session: Session, text: str) -> tuple[Service, list[str]]:
    try:
        parts = parse_name_text(text)
    except SqlError:
        raise SqlError(
            "002003", "02000", f"SQL compilation error:\nService '{text}' does not exist or not authorized."
        ) from None
    return _require(session, parts), parts


# -- DESCRIBE / SHOW -----------------------------------------------------------------------


def _describe(parser: Parser, session: Session) -> ResultSet:
    parser.next()  # DESC / DESCRIBE
    parser.expect_kw("SERVICE")
    parts = parser.name()
    parser.end()
    service = _require(session, parts)
    observed = service.poll()
    values = service_values(service, observed, show_spec=service.owner_role == session.role)
    return ResultSet(list(DESCRIBE_COLUMNS), [service_row(DESCRIBE_COLUMNS, values)])


def _show(parser: Parser, session: Session) -> ResultSet:
    parser.next()  # SHOW
    if parser.accept_kw("SERVICE", "CONTAINERS", "IN", "SERVICE"):
        return _show_containers(parser, session)
    if parser.accept_kw("SERVICE", "INSTANCES", "IN", "SERVICE"):
        return _show_instances(parser, session)
    if parser.accept_kw("ENDPOINTS", "IN", "SERVICE"):
        return _show_endpoints(parser, session)
    jobs_only = parser.accept_kw("JOB")
    parser.expect_kw("SERVICES")
    exclude_jobs = not jobs_only and parser.accept_kw("EXCLUDE", "JOBS")
    return _show_services(parser, session, jobs_only=jobs_only, exclude_jobs=exclude_jobs)


def _like(pattern: str) -> Callable[[str], bool]:
    import re

    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return lambda name: compiled.fullmatch(name) is not None


_CLAUSE_WORDS = frozenset({"STARTS", "LIMIT", "LIKE", "IN"})


def _optional_name(parser: Parser) -> list[str] | None:
    token = parser.peek()
    if token.kind == "QIDENT" or (token.kind == "IDENT" and token.value not in _CLAUSE_WORDS):
        return parser.name()
    return None


def _show_services(parser: Parser, session: Session, *, jobs_only: bool, exclude_jobs: bool) -> ResultSet:
    matches: list[Callable[[Service], bool]] = []
    if parser.accept_kw("LIKE"):
        like = _like(parser.string())
        matches.append(lambda s: like(s.name))
    if parser.accept_kw("IN"):
        matches.append(_scope(parser, session))
    else:
        # Without IN, SHOW lists the current database's objects.
        current_db = session.database
        matches.append(lambda s: s.database == current_db)
    if parser.accept_kw("STARTS", "WITH"):
        prefix = parser.string()
        matches.append(lambda s: s.name.startswith(prefix))
    limit: int | None = None
    after: str | None = None
    if parser.accept_kw("LIMIT"):
        limit = parser.integer()
        if parser.accept_kw("FROM"):
            after = parser.string()
    parser.end()

    columns = show_columns(jobs_only=jobs_only, exclude_jobs=exclude_jobs)
    rows: list[list[str | None]] = []
    for service in session.world.list_services():
        if jobs_only and not service.is_job:
            continue
        if exclude_jobs and service.is_job:
            continue
        if not service.is_visible_to(session.role) or not all(match(service) for match in matches):
            continue
        if after is not None and service.name <= after:
            continue
        if limit is not None and len(rows) >= limit:
            break
        observed = service.poll()
        rows.append(service_row(columns, service_values(service, observed, show_spec=False)))
    return ResultSet(columns, rows)


def _scope(parser: Parser, session: Session) -> Callable[[Service], bool]:
    if parser.accept_kw("ACCOUNT"):
        return lambda s: True
    if parser.accept_kw("DATABASE"):
        name = _optional_name(parser)
        if name is not None and len(name) != 1:
            parser.fail()
        database = name[0] if name else session.database
        return lambda s: s.database == database
    if parser.accept_kw("COMPUTE", "POOL"):
        pool = parser.identifier()
        return lambda s: s.compute_pool == pool
    explicit_schema = parser.accept_kw("SCHEMA")
    name = _optional_name(parser)
    if name is None:
        if not explicit_schema:
            parser.fail()
        name = [session.schema]
    if len(name) > 2:
        parser.fail()
    database, schema = (name[0], name[1]) if len(name) == 2 else (session.database, name[0])
    return lambda s: s.database == database and s.schema == schema


def _show_containers(parser: Parser, session: Session) -> ResultSet:
    parts = parser.name()
    parser.end()
    service = _require(session, parts)
    observed = service.poll()
    return ResultSet(list(CONTAINER_COLUMNS), container_rows(service, observed))


def _show_instances(parser: Parser, session: Session) -> ResultSet:
    parts = parser.name()
    parser.end()
    service = _require(session, parts)
    observed = service.poll()
    return ResultSet(list(INSTANCE_COLUMNS), instance_rows(service, observed))


def _show_endpoints(parser: Parser, session: Session) -> ResultSet:
    parts = parser.name()
    parser.end()
    service = _require(session, parts)
    rows = [endpoint_row(service, endpoint, endpoint.poll()) for endpoint in service.endpoints]
    return ResultSet(list(ENDPOINT_COLUMNS), rows)


# -- ALTER / DROP --------------------------------------------------------------------------


def _alter(parser: Parser, session: Session) -> ResultSet:
    parser.next()  # ALTER
    if parser.accept_kw("SESSION"):
        if not (parser.accept_kw("SET") or parser.accept_kw("UNSET")):
            parser.fail()
        # Session parameters do not change anything the emulator models.
        return status_result("Statement executed successfully.")
    parser.expect_kw("SERVICE")
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    action_token = parser.peek()
    if parser.accept_kw("SUSPEND"):
        action = "SUSPEND"
    elif parser.accept_kw("RESUME"):
        action = "RESUME"
    else:
        parser.fail(action_token)
    parser.end()
    service = _find(session, parts)
    if service is None:
        if if_exists:
            return status_result("Statement executed successfully.")
        raise not_found(parts)
    if service.is_job:
        raise SqlError(
            "000002", "0A000", f"Unsupported feature 'ALTER SERVICE {action} on job service {service.name}'."
        )
    if action == "SUSPEND":
        service.suspend()
    else:
        service.resume()
    return status_result("Statement executed successfully.")


def _drop(parser: Parser, session: Session) -> ResultSet:
    parser.next()  # DROP
    parser.expect_kw("SERVICE")
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    parser.accept_kw("FORCE")
    parser.end()
    service = _find(session, parts)
    if service is None:
        if if_exists:
            return status_result(f"Drop statement executed successfully ({_display(parts)} already dropped).")
        raise not_found(parts)
    session.world.drop_service(service)
    return status_result(f"{service.name} successfully dropped.")


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


def _execute_job(parser: Parser, session: Session) -> ResultSet | Pending:
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


# -- SELECT / CALL -------------------------------------------------------------------------

Value = str | int | bool | None


def _args(parser: Parser) -> list[Value]:
    parser.expect_punct("(")
    values: list[Value] = []
    while not parser.at_punct(")"):
        token = parser.next()
        if token.kind in {"STRING", "NUMBER"}:
            values.append(int(token.value) if token.kind == "NUMBER" and token.value.isdigit() else token.value)
        elif token.kind == "IDENT" and token.value in {"TRUE", "FALSE"}:
            values.append(token.value == "TRUE")
        elif token.kind == "IDENT" and token.value == "NULL":
            values.append(None)
        else:
            parser.fail(token)
        if not parser.accept_punct(","):
            break
    parser.expect_punct(")")
    return values


def _select(parser: Parser, session: Session) -> ResultSet:
    parser.next()  # SELECT
    columns: list[Column] = []
    row: list[str | None] = []
    while True:
        start = parser.peek()
        column_type, value = _select_item(parser, session)
        end = parser.tokens[parser.index - 1]
        name = parser.text[start.pos : end.end].upper()
        has_alias = parser.peek().kind == "QIDENT" or (parser.peek().kind == "IDENT" and parser.peek().value != "FROM")
        if parser.accept_kw("AS") or has_alias:
            name = parser.identifier()
        columns.append(Column(name, column_type))
        row.append(value)
        if not parser.accept_punct(","):
            break
    parser.end()
    return ResultSet(columns, [row])


def _select_item(parser: Parser, session: Session) -> tuple[str, str | None]:
    token = parser.next()
    if token.kind == "NUMBER":
        return FIXED, token.value
    if token.kind == "STRING":
        return TEXT, token.value
    if token.kind != "IDENT":
        parser.fail(token)
    if token.value in {"TRUE", "FALSE"}:
        return BOOLEAN, token.value.lower()
    if token.value == "NULL":
        return TEXT, None
    if token.value in {"CURRENT_TIMESTAMP", "CURRENT_USER", "CURRENT_ROLE"} and not parser.at_punct("("):
        args: list[Value] = []  # these three may be written without parentheses
    else:
        args = _args(parser)
    return _call_function(token, args, session, parser)


def _call(parser: Parser, session: Session) -> ResultSet | Pending:
    parser.next()  # CALL
    if parser.peek(1).kind == "PUNCT" and parser.peek(1).value in {"!", "."} and _is_method_call(parser):
        return _call_method(parser, session)
    token = parser.next()
    if token.kind != "IDENT":
        parser.fail(token)
    args = _args(parser)
    parser.end()
    column_type, value = _call_function(token, args, session, parser)
    return ResultSet([Column(token.value, column_type)], [[value]])


def _is_method_call(parser: Parser) -> bool:
    index = parser.index
    while index < len(parser.tokens) and parser.tokens[index].kind != "EOF":
        token = parser.tokens[index]
        if token.kind == "PUNCT" and token.value == "!":
            return True
        if token.kind == "PUNCT" and token.value == "(":
            return False
        index += 1
    return False


def _call_method(parser: Parser, session: Session) -> ResultSet | Pending:
    parts = parser.name()
    parser.expect_punct("!")
    method = parser.next()
    if method.kind != "IDENT" or method.value not in {"SPCS_CANCEL_JOB", "SPCS_WAIT_FOR"}:
        parser.fail(method)
    args = _args(parser)
    parser.end()
    service = _require(session, parts)
    if method.value == "SPCS_CANCEL_JOB":
        if args:
            parser.fail(method)
        return ResultSet([Column(method.value, TEXT)], [[_cancel(service)]])
    return _wait_for(session, service, args)


def _cancel(job: Service) -> str:
    if not job.is_job:
        raise SqlError(
            "002003", "02000", f"SQL compilation error:\nJob service '{job.name}' does not exist or not authorized."
        )
    if job.cancel():
        return f"Job {job.name} successfully cancelled."
    return f"Job {job.name} has already finished with status: {job.status}."


class WaitFor(Pending):
    """``CALL <svc>!SPCS_WAIT_FOR('<status>', <timeout_secs>)`` while it waits.

    Each :meth:`poll` is one poll of the service. It finishes when the service reports the wanted
    status, and fails when the service reached another final state (the wanted one can no longer
    come) or the timeout passed on the world clock; both errors name the current status.
    """

    def __init__(self, world: World, service: Service, wanted: str, timeout: float) -> None:
        super().__init__(world, service)
        self.wanted = wanted
        self.deadline = world.now() + timeout

    def poll(self) -> ResultSet | None:
        """Advance the service one poll; see the class docstring."""
        with self.world.lock:
            service = self.job
            observed = service.poll()
            if observed == self.wanted:
                return ResultSet(
                    [Column("SPCS_WAIT_FOR", TEXT)], [[f"Service {service.name} reached status {self.wanted}."]]
                )
            if observed in JOB_TERMINAL_STATUSES or observed == "DELETED":
                raise SqlError(
                    "395020",
                    "P0001",
                    f"Service {service.name} cannot reach status {self.wanted}; current status: {observed}.",
                )
            if self.world.now() >= self.deadline:
                raise SqlError(
                    "395021",
                    "P0001",
                    f"Service {service.name} did not reach status {self.wanted} before the timeout; "
                    f"current status: {observed}.",
                )
            return None

    def cancel(self) -> None:
        """Stop waiting (the service itself is not touched)."""
        self.deadline = self.world.now()


def _wait_for(session: Session, service: Service, args: list[Value]) -> ResultSet | Pending:
    if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
        raise _bad_arguments("SPCS_WAIT_FOR")
    timeout = args[1] if len(args) == 2 else 0
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        raise _bad_arguments("SPCS_WAIT_FOR")
    waiter = WaitFor(session.world, service, args[0].upper(), float(timeout))
    result = waiter.poll()
    return waiter if result is None else result


def _call_function(token: Token, args: list[Value], session: Session, parser: Parser) -> tuple[str, str | None]:
    name = token.value
    simple: dict[str, Callable[[], str | None]] = {
        "CURRENT_USER": lambda: session.user,
        "CURRENT_ROLE": lambda: session.role,
        "CURRENT_ACCOUNT": lambda: session.world.account.split("-")[-1].upper(),
        "CURRENT_ACCOUNT_NAME": lambda: session.world.account.split("-")[-1].upper(),
        "CURRENT_ORGANIZATION_NAME": lambda: session.world.account.split("-")[0].upper(),
        "CURRENT_DATABASE": lambda: session.database,
        "CURRENT_SCHEMA": lambda: session.schema,
        "CURRENT_WAREHOUSE": lambda: None,
        "CURRENT_VERSION": lambda: EMULATED_VERSION,
        "CURRENT_REGION": lambda: "AWS_US_WEST_2",
    }
    if name in simple:
        if args:
            parser.fail(token)
        return TEXT, simple[name]()
    if name == "CURRENT_TIMESTAMP":
        return TIMESTAMP_LTZ, fmt_ts(session.world.now())
    if name == "SYSTEM$GET_SERVICE_LOGS":
        return TEXT, _service_logs(args, session)
    if name == "SYSTEM$GET_SERVICE_STATUS":
        if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
            raise _bad_arguments(name)
        service, _ = _service_from_string(session, args[0])
        service.poll()
        return TEXT, service_status_json(service)
    if name == "SYSTEM$CANCEL_JOB":
        if len(args) != 1 or not isinstance(args[0], str):
            raise _bad_arguments(name)
        service, _ = _service_from_string(session, args[0])
        return TEXT, _cancel(service)
    raise SqlError("002140", "42601", f"SQL compilation error:\nUnknown function {name}")


def _bad_arguments(name: str) -> SqlError:
    return SqlError(
        "001044",
        "42P13",
        f"SQL compilation error: error line 1 at position 7\nInvalid argument types for function '{name}'",
    )


def _service_logs(args: list[Value], session: Session) -> str:
    name = "SYSTEM$GET_SERVICE_LOGS"
    if not 3 <= len(args) <= 7 or not isinstance(args[0], str) or not isinstance(args[2], str):
        raise _bad_arguments(name)
    instance = args[1]
    if isinstance(instance, bool) or instance is None:
        raise _bad_arguments(name)
    lines_arg = args[3] if len(args) > 3 else None
    previous = args[4] if len(args) > 4 else False
    if lines_arg is not None and (isinstance(lines_arg, bool) or not isinstance(lines_arg, int)):
        raise _bad_arguments(name)
    if not isinstance(previous, bool):
        raise _bad_arguments(name)
    service, _ = _service_from_string(session, args[0])
    instance_id = str(instance).strip()
    container = next((c for c in service.containers if c.lower() == args[2].lower()), None)
    if instance_id not in service.instance_ids() or container is None:
        raise SqlError(
            "391902",
            "22023",
            f"Container '{args[2]}' of instance '{instance_id}' does not exist in service '{service.name}'.",
        )
    lines = service.get_logs(instance_id, container, previous=previous)
    if lines_arg is not None and lines_arg > 0:
        lines = lines[-lines_arg:]
    return "\n".join(lines)


_DISPATCH: dict[str, Callable[[Parser, Session], ResultSet | Pending]] = {
    "DESC": _describe,
    "DESCRIBE": _describe,
    "SHOW": _show,
    "ALTER": _alter,
    "DROP": _drop,
    "EXECUTE": _execute_job,
    "SELECT": _select,
    "CALL": _call,
}
