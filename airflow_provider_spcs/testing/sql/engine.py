"""Running one statement: :func:`execute` routes it by its leading keywords to a family's handler.

:data:`STATEMENTS` maps leading keywords to handlers, merged from one table per statement family;
the longest keyword sequence that the statement starts with wins. A statement that starts like
none of them is a syntax error at the first token no form accepts.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.model.names import DEFAULT_DATABASE, DEFAULT_SCHEMA, normalize_name
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.sql import (
    compute_pool_statements,
    job_statements,
    secret_statements,
    select_and_call,
    service_alter,
    service_deploy,
    service_introspection,
    service_lifecycle,
    session_statements,
)
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import Keywords, StatementHandler, merge
from airflow_provider_spcs.testing.sql.result_sets import Pending, ResultSet
from airflow_provider_spcs.testing.sql.session import Session

STATEMENTS: dict[Keywords, StatementHandler] = merge(
    service_introspection.STATEMENTS,
    service_alter.STATEMENTS,
    service_lifecycle.STATEMENTS,
    job_statements.STATEMENTS,
    service_deploy.STATEMENTS,
    compute_pool_statements.STATEMENTS,
    secret_statements.STATEMENTS,
    select_and_call.STATEMENTS,
    session_statements.STATEMENTS,
)
"""Leading keywords -> handler, one line per statement family."""

_FIRST_KEYWORD_ALIASES = {"DESC": "DESCRIBE"}


def execute(
    world: World,
    statement: str,
    *,
    user: str,
    role: str,
    database: str | None = None,
    schema: str | None = None,
) -> ResultSet | Pending:
    """Run one SQL statement as ``user``/``role`` in ``database``/``schema`` (default ``SPCS_DB.APP``).

    Raises :class:`~.failures.SqlError` with Snowflake-like code, SQL state and message on any error.
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
    handler = _route(parser)
    with world.lock:
        return handler(parser, session)


def _matched(parser: Parser, keywords: Keywords) -> int:
    """How many of ``keywords`` the statement starts with."""
    for index, word in enumerate(keywords):
        token = parser.peek(index)
        value = _FIRST_KEYWORD_ALIASES.get(token.value, token.value) if index == 0 else token.value
        if token.kind != "IDENT" or value != word:
            return index
    return len(keywords)


def _longest_form(parser: Parser) -> tuple[Keywords, int]:
    """The longest form the statement starts with (``()`` if none), and how far any form matched."""
    best: Keywords = ()
    deepest = 0
    for keywords in STATEMENTS:
        matched = _matched(parser, keywords)
        deepest = max(deepest, matched)
        if matched == len(keywords) > len(best):
            best = keywords
    return best, deepest


def _route(parser: Parser) -> StatementHandler:
    """The handler of the longest form the statement starts with; the cursor moves past its keywords."""
    best, deepest = _longest_form(parser)
    if not best:
        parser.fail(parser.peek(deepest))
    parser.index += len(best)
    return STATEMENTS[best]


def statement_form(statement: str) -> str:
    """The leading keywords ``statement`` is routed by (``SHOW SERVICE INSTANCES IN SERVICE``), for counting.

    A statement no form takes counts under its first word (``""`` if it has none or does not tokenize).
    """
    try:
        parser = Parser(statement)
    except SqlError:
        return ""
    best, _ = _longest_form(parser)
    if best:
        return " ".join(best)
    first = parser.peek()
    return first.value if first.kind == "IDENT" else ""
