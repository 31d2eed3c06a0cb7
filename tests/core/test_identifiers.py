"""Identifiers are validated and quoted before they reach SQL; anything odd is refused."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import parse_object_name, quote_identifier


@pytest.mark.parametrize(
    ("name", "sql"),
    [
        ("echo_service", '"ECHO_SERVICE"'),
        ("app.echo_service", '"APP"."ECHO_SERVICE"'),
        ("spcs_db.app.echo$1", '"SPCS_DB"."APP"."ECHO$1"'),
        ('"MixedCase"', '"MixedCase"'),
        ('db."we""ird name".svc', '"DB"."we""ird name"."SVC"'),
    ],
)
def test_valid_names(name: str, sql: str) -> None:
    assert parse_object_name(name).sql == sql


def test_parts_and_name() -> None:
    q = parse_object_name("db.sc.svc")
    assert q.parts == ("DB", "SC", "SVC")
    assert q.name == "SVC"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a.b.c.d",
        "svc; DROP TABLE x",
        "svc --",
        "a..b",
        ".a",
        "a.",
        "1abc",
        "a b",
        '"unterminated',
        '""',
        "svc'",
        "a" * 300,
        '"a\nb"',
    ],
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(SpcsConfigError) as info:
        parse_object_name(name, field="service")
    assert info.value.field == "service"


def test_quote_identifier() -> None:
    assert quote_identifier('a"b') == '"a""b"'
    with pytest.raises(SpcsConfigError):
        quote_identifier("")
