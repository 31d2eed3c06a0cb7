"""The SQL tokenizer: identifiers, strings, comments, stage references, junk."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.testing.sql.failures import SqlError
from airflow_provider_spcs.testing.sql.lexer import tokenize


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
