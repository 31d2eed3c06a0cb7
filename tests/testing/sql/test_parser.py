"""The statement cursor's helpers and object names inside string literals."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.parser import Parser, parse_name_text


def test_names() -> None:
    assert parse_name_text("svc") == ["SVC"]
    assert parse_name_text('db."Sch".svc') == ["DB", "Sch", "SVC"]
    for bad in ["a.b.c.d", "a..b", "", "a b", "'a'"]:
        with pytest.raises(SqlError):
            parse_name_text(bad)


def test_parser_helpers() -> None:
    parser = Parser("ALTER SERVICE IF EXISTS x SUSPEND;")
    assert parser.accept_kw("ALTER", "SERVICE")
    assert not parser.accept_kw("IF", "NOT")
    assert parser.accept_kw("IF", "EXISTS")
    assert parser.name() == ["X"]
    parser.expect_kw("SUSPEND")
    parser.end()
    trailing = Parser("x ASYNC")
    assert trailing.name() == ["X"]
    with pytest.raises(SqlError, match="position 2 unexpected 'ASYNC'"):
        trailing.end()


def test_names_in_text_allow_spaces_around_the_dots() -> None:
    assert parse_name_text(' db . "s" . svc ') == ["DB", "s", "SVC"]


def test_identifier_lists() -> None:
    parser = Parser('(eai_1, "Eai 2") ()')
    assert parser.identifier_list() == ["EAI_1", "Eai 2"]
    assert parser.identifier_list() == []
    parser.end()
