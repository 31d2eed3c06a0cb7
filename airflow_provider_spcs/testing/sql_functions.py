"""SELECT and CALL: session probes, literals and the SPCS system functions and job methods."""

from __future__ import annotations

import decimal
from collections.abc import Callable

from airflow_provider_spcs.testing.sql_parse import Parser, SqlError, Token
from airflow_provider_spcs.testing.sql_results import (
    BOOLEAN,
    FIXED,
    TEXT,
    TIMESTAMP_LTZ,
    Cell,
    Column,
    ResultSet,
    ltz,
    service_status_json,
)
from airflow_provider_spcs.testing.sql_session import (
    Pending,
    Session,
    bad_arguments,
    require_service,
    service_from_string,
)
from airflow_provider_spcs.testing.world import JOB_TERMINAL_STATUSES, Service, World

# -- SELECT / CALL -------------------------------------------------------------------------

Value = str | int | bool | None

#: What CURRENT_VERSION() answers.
EMULATED_VERSION = "9.38.1"


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


def run_select(parser: Parser, session: Session) -> ResultSet:
    """``SELECT <item>[, ...]``: literals and functions, each optionally aliased; no FROM."""
    parser.next()  # SELECT
    columns: list[Column] = []
    row: list[Cell] = []
    while True:
        start = parser.peek()
        column_type, value = _select_item(parser, session)
        end = parser.tokens[parser.index - 1]
        name = parser.text[start.pos : end.end].upper()
        has_alias = parser.peek().kind == "QIDENT" or (parser.peek().kind == "IDENT" and parser.peek().value != "FROM")
        if parser.accept_kw("AS") or has_alias:
            name = parser.identifier()
        scale = -int(value.as_tuple().exponent) if isinstance(value, decimal.Decimal) else None
        columns.append(Column(name, column_type, scale))
        row.append(value)
        if not parser.accept_punct(","):
            break
    parser.end()
    return ResultSet(columns, [row])


def _select_item(parser: Parser, session: Session) -> tuple[str, Cell]:
    token = parser.next()
    if token.kind == "NUMBER":
        # NUMBER(p, s) with s = the literal's fractional digits, like Snowflake's ``SELECT 1.50``
        return FIXED, int(token.value) if token.value.isdigit() else decimal.Decimal(token.value)
    if token.kind == "STRING":
        return TEXT, token.value
    if token.kind != "IDENT":
        parser.fail(token)
    if token.value in {"TRUE", "FALSE"}:
        return BOOLEAN, token.value == "TRUE"
    if token.value == "NULL":
        return TEXT, None
    if token.value in {"CURRENT_TIMESTAMP", "CURRENT_USER", "CURRENT_ROLE"} and not parser.at_punct("("):
        args: list[Value] = []  # these three may be written without parentheses
    else:
        args = _args(parser)
    return _call_function(token, args, session, parser)


def run_call(parser: Parser, session: Session) -> ResultSet | Pending:
    """``CALL SYSTEM$...(...)`` or ``CALL <service>!SPCS_CANCEL_JOB()|SPCS_WAIT_FOR(...)``."""
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
    service = require_service(session, parts)
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
        raise bad_arguments("SPCS_WAIT_FOR")
    timeout = args[1] if len(args) == 2 else 0
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        raise bad_arguments("SPCS_WAIT_FOR")
    waiter = WaitFor(session.world, service, args[0].upper(), float(timeout))
    result = waiter.poll()
    return waiter if result is None else result


def _call_function(token: Token, args: list[Value], session: Session, parser: Parser) -> tuple[str, Cell]:
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
        return TIMESTAMP_LTZ, ltz(session.world.now())
    if name == "SYSTEM$GET_SERVICE_LOGS":
        return TEXT, _service_logs(args, session)
    if name == "SYSTEM$GET_SERVICE_STATUS":
        if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
            raise bad_arguments(name)
        service, _ = service_from_string(session, args[0])
        service.poll()
        return TEXT, service_status_json(service)
    if name == "SYSTEM$CANCEL_JOB":
        if len(args) != 1 or not isinstance(args[0], str):
            raise bad_arguments(name)
        service, _ = service_from_string(session, args[0])
        return TEXT, _cancel(service)
    raise SqlError("002140", "42601", f"SQL compilation error:\nUnknown function {name}")


def _service_logs(args: list[Value], session: Session) -> str:
    name = "SYSTEM$GET_SERVICE_LOGS"
    if not 3 <= len(args) <= 7 or not isinstance(args[0], str) or not isinstance(args[2], str):
        raise bad_arguments(name)
    instance = args[1]
    if isinstance(instance, bool) or instance is None:
        raise bad_arguments(name)
    lines_arg = args[3] if len(args) > 3 else None
    previous = args[4] if len(args) > 4 else False
    if lines_arg is not None and (isinstance(lines_arg, bool) or not isinstance(lines_arg, int)):
        raise bad_arguments(name)
    if not isinstance(previous, bool):
        raise bad_arguments(name)
    service, _ = service_from_string(session, args[0])
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
