"""Secret statements: the text carrying a value is a type that shows only its redacted form, is
refused by every serialiser, and is read only by the two calls that send SQL."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import json
import pickle
from pathlib import Path

import pytest

import airflow_provider_spcs
from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import secret_literal
from airflow_provider_spcs.core.secret_sql import SecretStatement, statement_text
from airflow_provider_spcs.core.secret_values import GenericStringSecret, OAuth2CodeSecret, PasswordSecret

PACKAGE = Path(airflow_provider_spcs.__file__).parent
VALUE = "k3y-'quoted'-\\-$$-end"


def test_create_secret_per_type() -> None:
    generic = statements.create_secret("db.app.api_key", GenericStringSecret(VALUE), comment="for API")
    assert statement_text(generic) == (
        'CREATE SECRET "DB"."APP"."API_KEY" TYPE = GENERIC_STRING SECRET_STRING = \'k3y-\\\'quoted\\\'-\\\\-$$-end\' '
        "COMMENT = 'for API'"
    )
    assert (
        str(generic)
        == 'CREATE SECRET "DB"."APP"."API_KEY" TYPE = GENERIC_STRING SECRET_STRING = *** COMMENT = \'for API\''
    )
    password = statements.create_secret("login", PasswordSecret("svc_user", VALUE), or_replace=True)
    assert str(password) == "CREATE OR REPLACE SECRET \"LOGIN\" TYPE = PASSWORD USERNAME = 'svc_user' PASSWORD = ***"
    expiry = dt.datetime(2030, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    oauth = statements.create_secret("tok", OAuth2CodeSecret(VALUE, expiry, "my_integration"), if_not_exists=True)
    assert str(oauth) == (
        'CREATE SECRET IF NOT EXISTS "TOK" TYPE = OAUTH2 OAUTH_REFRESH_TOKEN = *** '
        "OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2030-12-31 21:59:59+00:00' API_AUTHENTICATION = \"MY_INTEGRATION\""
    )
    for statement in (generic, password, oauth):
        assert VALUE not in str(statement) + repr(statement) + f"{statement}" + f"{statement:>10}"
        assert secret_literal(VALUE, field="v") in statement_text(statement)


def test_alter_secret_set_keeps_the_integration() -> None:
    alter = statements.alter_secret_set("tok", OAuth2CodeSecret("rt-value", "2030-01-01", "i"), comment="c")
    assert str(alter) == (
        "ALTER SECRET \"TOK\" SET OAUTH_REFRESH_TOKEN = *** OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2030-01-01 00:00:00+00:00' "
        "COMMENT = 'c'"
    )
    assert "API_AUTHENTICATION" not in statement_text(alter)
    assert str(statements.alter_secret_set("s.n", PasswordSecret("u", "pw-value"), if_exists=True)) == (
        'ALTER SECRET IF EXISTS "S"."N" SET USERNAME = \'u\' PASSWORD = ***'
    )


def test_plain_secret_statements() -> None:
    assert statements.describe_secret('db.app."Key"') == 'DESCRIBE SECRET "DB"."APP"."Key"'
    assert statements.drop_secret("k") == 'DROP SECRET "K"'
    assert statements.drop_secret("k", if_exists=True) == 'DROP SECRET IF EXISTS "K"'
    assert statements.show_secrets_like("db.app.k") == 'SHOW SECRETS LIKE \'K\' IN SCHEMA "DB"."APP"'
    assert statements.show_secrets_like("k") == "SHOW SECRETS LIKE 'K' IN SCHEMA"


def test_or_replace_and_if_not_exists_exclude_each_other() -> None:
    with pytest.raises(SpcsConfigError, match="exclude each other"):
        statements.create_secret("k", GenericStringSecret("v-value"), or_replace=True, if_not_exists=True)


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain", "'plain'"),
        ("it's", "'it\\'s'"),
        ("back\\slash", "'back\\\\slash'"),
        ("a\nb\r\tc", "'a\\nb\\r\\tc'"),
        ("bell\x07del\x7f", "'bell\\x07del\\x7f'"),
        ("$$dollar$$", "'$$dollar$$'"),
        ("ünï 😀", "'ünï 😀'"),
    ],
)
def test_secret_literal_escapes(value: str, literal: str) -> None:
    assert secret_literal(value, field="v") == literal


@pytest.mark.parametrize(
    ("value", "why"),
    [("", "empty"), ("a\0b", "NUL"), ("a\ud800b", "lone surrogate")],
)
def test_values_snowflake_cannot_store_are_refused(value: str, why: str) -> None:
    with pytest.raises(SpcsConfigError, match=why) as info:
        secret_literal(value, field="secret_string")
    assert info.value.field == "secret_string"
    if value:
        assert value not in str(info.value)


def test_hostile_names_are_refused_before_any_statement_exists() -> None:
    for name in ("k; DROP TABLE t", "k'", "a.b.c.d", "", "x y"):
        with pytest.raises(SpcsConfigError) as info:
            statements.create_secret(name, GenericStringSecret("v-value"))
        assert info.value.field == "secret"


def test_secret_statements_refuse_every_serialiser() -> None:
    statement = statements.alter_secret_set("k", GenericStringSecret(VALUE))
    for attempt in (pickle.dumps, copy.copy, copy.deepcopy, json.dumps):
        with pytest.raises(TypeError) as info:
            attempt(statement)
        assert VALUE not in str(info.value)
    assert not hasattr(statement, "__dict__")  # vars() has nothing to show
    assert statement == statement
    assert statement != statements.alter_secret_set("k", GenericStringSecret(VALUE))  # identity only
    value = GenericStringSecret(VALUE)
    assert VALUE not in repr(value)
    with pytest.raises(TypeError):
        pickle.dumps(value)
    assert VALUE not in repr(PasswordSecret("u", VALUE)) + repr(OAuth2CodeSecret(VALUE, 0, "i"))


def test_values_reach_the_masker_before_a_statement_exists(heard: list[str]) -> None:
    value = "rotated-" + "q'uote\\"
    secret = GenericStringSecret(value)
    assert value in heard  # as soon as the value object exists
    assert "rotated-q\\'uote\\\\" in heard  # and the escaped form the statement text holds
    before = len(heard)
    statements.create_secret("k", secret)
    assert len(heard) == before  # building the statement announced nothing new: it was known already


def test_redact_removes_values_and_quoted_tokens() -> None:
    statement = statements.alter_secret_set("db.app.api_key", GenericStringSecret("tok-abc'def\nline-two"))
    messages = {
        "SQL compilation error:\nsyntax error line 1 at position 60 unexpected 'tok-abc\\'def'.": (
            "SQL compilation error:\nsyntax error line 1 at position 60 unexpected '***'."
        ),
        "Secret 'DB.APP.API_KEY' does not exist or not authorized.": (
            "Secret 'DB.APP.API_KEY' does not exist or not authorized."
        ),
        "value line-two is not allowed": "value *** is not allowed",
        "echoed tok-abc'def whole": "echoed *** whole",
    }
    for message, redacted in messages.items():
        assert statement.redact(message) == redacted


def _callers_of(name: str) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called == name:
                    found.append(str(path.relative_to(PACKAGE)))
    return found


def test_only_the_sending_calls_read_the_real_text() -> None:
    assert sorted(_callers_of("statement_text")) == ["core/connector.py", "core/sql_api.py"]
    private = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "._text" in path.read_text() and path.name != "secret_sql.py"
    ]
    assert private == []


def test_secret_statement_is_not_a_str() -> None:
    statement = statements.create_secret("k", GenericStringSecret(VALUE))
    assert isinstance(statement, SecretStatement)
    assert not isinstance(statement, str)  # nothing that takes text takes it by accident
