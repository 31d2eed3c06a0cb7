"""Service properties in SQL: the options of CREATE SERVICE and ``ALTER SERVICE ... SET | UNSET``.

``AUTO_SUSPEND_SECS = <n>``, ``EXTERNAL_ACCESS_INTEGRATIONS = ( <eai> [, ...] )``,
``AUTO_RESUME = TRUE | FALSE``, ``MIN_INSTANCES = <n>``, ``MIN_READY_INSTANCES = <n>``,
``MAX_INSTANCES = <n>``, ``LOG_LEVEL = '<level>'``, ``QUERY_WAREHOUSE = <wh>``, ``COMMENT = '<text>'``
and, on CREATE only, ``[WITH] TAG ( <tag> = '<value>' [, ...] )``. Each may come once, in any
order (the docs give one order; real parsers are looser). ``UNSET`` takes a comma-separated list of
the names and restores the defaults (:mod:`airflow_provider_spcs.testing.model.service_settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.service_settings import SETTABLE
from airflow_provider_spcs.testing.sql.failures import model_errors
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import AlterServiceAction, ServiceChange
from airflow_provider_spcs.testing.sql.result_sets import ResultSet, status_result
from airflow_provider_spcs.testing.sql.session import Session


def _log_level(parser: Parser) -> str:
    return parser.identifier_or_string().upper()


_VALUES: dict[str, Callable[[Parser], Any]] = {
    "AUTO_SUSPEND_SECS": Parser.integer,
    "EXTERNAL_ACCESS_INTEGRATIONS": Parser.identifier_list,
    "AUTO_RESUME": Parser.boolean,
    "MIN_INSTANCES": Parser.integer,
    "MIN_READY_INSTANCES": Parser.integer,
    "MAX_INSTANCES": Parser.integer,
    "LOG_LEVEL": _log_level,
    "QUERY_WAREHOUSE": Parser.identifier,
    "COMMENT": Parser.string,
}
if set(_VALUES) != SETTABLE:
    raise RuntimeError("service properties and their parsers are out of step")


def parse_tags(parser: Parser) -> dict[str, str]:
    """``( <tag> = '<value>' [, ...] )`` after ``TAG`` (tag names may be qualified)."""
    tags: dict[str, str] = {}

    def pair() -> None:
        name = ".".join(parser.name())
        tags[name] = parser.assignment(parser.string)

    parser.parenthesised(pair)
    return tags


def parse_options(parser: Parser, *, tags: bool) -> dict[str, Any]:
    """Property assignments until the end of the statement (SQL name -> value); a repeated or
    unknown property is a syntax error at its name. ``tags`` allows ``[WITH] TAG (...)``."""
    options: dict[str, Any] = {}
    while parser.peek().kind != "EOF" and not parser.at_punct(";"):
        parser.accept_punct(",")
        token = parser.peek()
        if tags and (parser.accept_kw("WITH", "TAG") or parser.accept_kw("TAG")):
            key = "TAG"
            value: Any = parse_tags(parser)
        else:
            read = _VALUES.get(token.value) if token.kind == "IDENT" else None
            if read is None:
                parser.fail(token)
            parser.next()
            parser.expect_punct("=")
            key, value = token.value, read(parser)
        if key in options:
            parser.fail(token)
        options[key] = value
    return options


def _set(parser: Parser) -> ServiceChange:
    options = parse_options(parser, tags=False)
    if not options:
        parser.fail()

    def change(session: Session, service: Service) -> ResultSet:
        with model_errors():
            service.configure(service.settings.changed(options))
        return status_result()

    return change


def _unset(parser: Parser) -> ServiceChange:
    names = parser.keyword_list(SETTABLE)

    def change(session: Session, service: Service) -> ResultSet:
        with model_errors():
            service.configure(service.settings.without(names))
        return status_result()

    return change


ALTER_ACTIONS: dict[str, AlterServiceAction] = {
    "SET": _set,
    "UNSET": _unset,
}
