"""SELECT and CALL: literals and scalar functions, and ``CALL <service>!<method>(...)``.

* ``SELECT <item>[, ...]`` with no FROM: literals (``1``, ``1.50``, ``'x'``, ``TRUE``, ``NULL``) and
  function calls, each with an optional ``[AS] alias``;
* ``CALL <function>(...)``, ``CALL <service>!<method>(...)``.

Functions and methods come from the tables below, one line per module that brings some.
"""

from __future__ import annotations

import decimal

from airflow_provider_spcs.testing.sql import service_functions, session_functions
from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.lexer import Token
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import (
    Function,
    FunctionCall,
    Keywords,
    Method,
    MethodCall,
    StatementHandler,
    Value,
    merge,
)
from airflow_provider_spcs.testing.sql.result_sets import BOOLEAN, FIXED, TEXT, Cell, Column, Pending, ResultSet
from airflow_provider_spcs.testing.sql.session import Session, require_service

FUNCTIONS: dict[str, Function] = merge(
    session_functions.FUNCTIONS,
    service_functions.FUNCTIONS,
)
"""Scalar functions by name (SELECT and CALL)."""

METHODS: dict[str, Method] = merge(
    service_functions.METHODS,
)
"""Service methods by name (``CALL <service>!<NAME>(...)``)."""


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


def _call_function(token: Token, args: list[Value], session: Session, parser: Parser) -> tuple[str, Cell]:
    function = FUNCTIONS.get(token.value)
    if function is None:
        raise SqlError("002140", "42601", f"SQL compilation error:\nUnknown function {token.value}")
    return function(FunctionCall(token.value, args, session, lambda: parser.fail(token)))


def select(parser: Parser, session: Session) -> ResultSet:
    """``SELECT <item>[, ...]``: literals and functions, each optionally aliased; no FROM."""
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
    if token.value in session_functions.BARE_FUNCTIONS and not parser.at_punct("("):
        args: list[Value] = []
    else:
        args = _args(parser)
    return _call_function(token, args, session, parser)


def call(parser: Parser, session: Session) -> ResultSet | Pending:
    """``CALL <function>(...)`` or ``CALL <service>!<method>(...)``."""
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
    token = parser.next()
    method = METHODS.get(token.value) if token.kind == "IDENT" else None
    if method is None:
        parser.fail(token)
    args = _args(parser)
    parser.end()
    service = require_service(session, parts)
    return method(MethodCall(token.value, args, session, service, lambda: parser.fail(token)))


STATEMENTS: dict[Keywords, StatementHandler] = {
    ("SELECT",): select,
    ("CALL",): call,
}
