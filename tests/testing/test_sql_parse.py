"""The emulator SQL tokenizer and name parsing."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_spcs.testing.sql import ResultSet, execute
from airflow_provider_spcs.testing.sql_parse import Parser, SqlError, parse_name_text, tokenize
from airflow_provider_spcs.testing.world import World


def kinds_and_values(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value) for t in tokenize(text)]


def test_identifiers_fold_to_uppercase_unless_quoted() -> None:
    assert kinds_and_values('desc Svc_1$ "Mixed ""Q"""') == [
        ("IDENT", "DESC"),
        ("IDENT", "SVC_1$"),
        ("QIDENT", 'Mixed "Q"'),
        ("EOF", ""),
    ]


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'plain'", "plain"),
        ("'it''s'", "it's"),
        ("'it\\'s'", "it's"),
        ("'a\\nb'", "a\nb"),
        ("'back\\\\slash'", "back\\slash"),
        ("$$raw 'text' with \\n$$", "raw 'text' with \\n"),
        ("$$multi\nline$$", "multi\nline"),
    ],
)
def test_string_literals(literal: str, value: str) -> None:
    [token, _eof] = tokenize(literal)
    assert (token.kind, token.value) == ("STRING", value)


def test_comments_and_whitespace_are_skipped() -> None:
    text = "SHOW -- one\n/* two\n lines */ SERVICES // three"
    assert [t.value for t in tokenize(text)] == ["SHOW", "SERVICES", ""]


def test_stage_references_are_one_token() -> None:
    tokens = tokenize("FROM @db.\"Sch\".stage/dir/sub SPEC='f'")
    assert [(t.kind, t.value) for t in tokens[:3]] == [
        ("IDENT", "FROM"),
        ("STAGE", '@db."Sch".stage/dir/sub'),
        ("IDENT", "SPEC"),
    ]


def test_positions_point_into_the_text() -> None:
    text = "SELECT  x"
    token = tokenize(text)[1]
    assert text[token.pos : token.end] == "x"


@pytest.mark.parametrize("text", ["SELECT #", "SHOW 'unterminated", 'DESCRIBE "', "SELECT ?"])
def test_junk_is_a_syntax_error(text: str) -> None:
    with pytest.raises(SqlError) as info:
        tokenize(text)
    assert info.value.code == "001003"


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


def test_concurrent_statements_share_one_consistent_world() -> None:
    world = World()
    world.add_service("SLOW", start_after_polls=150)
    statuses: list[str | None] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                result = execute(world, "DESCRIBE SERVICE slow", user="u", role="SPCS_ROLE")
                assert isinstance(result, ResultSet)
                statuses.append(result.rows[0][1])
        except BaseException as exc:  # surfaced below: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses.count("PENDING") == 150
    assert statuses.count("RUNNING") == 150
