"""Secrets: CREATE, ALTER, DESCRIBE, SHOW and DROP SECRET. No statement ever returns a value.

* ``CREATE [OR REPLACE] SECRET [IF NOT EXISTS] <name> TYPE = PASSWORD | GENERIC_STRING | OAUTH2
  <clauses>`` (``OR REPLACE`` and ``IF NOT EXISTS`` exclude each other) -> ``Secret <NAME>
  successfully created.``;
* ``ALTER SECRET [IF EXISTS] <name> SET <clauses> | UNSET COMMENT``;
* ``DESC[RIBE] SECRET <name>``, ``SHOW SECRETS [LIKE '<p>'] [IN ACCOUNT | DATABASE [<db>] |
  [SCHEMA] [<s>]] [STARTS WITH '<s>'] [LIMIT <n> [FROM '<s>']]``;
* ``DROP SECRET [IF EXISTS] <name>``.

Clauses: ``USERNAME``, ``PASSWORD``, ``SECRET_STRING``, ``OAUTH_REFRESH_TOKEN``,
``OAUTH_REFRESH_TOKEN_EXPIRY_TIME``, ``COMMENT`` take string literals (single-quoted with
Snowflake's escapes, or ``$$...$$``), ``API_AUTHENTICATION`` an integration name,
``OAUTH_SCOPES`` a list of strings; which ones a type takes:
:mod:`airflow_provider_spcs.testing.model.stored_secrets`. Syntax errors in these statements
show a string literal as ``'***'`` and no error quotes a value. Secrets are visible to their owner
role (and to roles a test grants READ through :meth:`.World.add_secret`).
"""

from __future__ import annotations

from typing import Any

from airflow_provider_spcs.testing.model.stored_secrets import SECRET_TYPES, Secret
from airflow_provider_spcs.testing.sql.failures import (
    SqlError,
    already_exists,
    already_exists_note,
    does_not_exist,
    model_errors,
)
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import Keywords, StatementHandler
from airflow_provider_spcs.testing.sql.result_sets import (
    TEXT,
    TIMESTAMP_LTZ,
    Cell,
    Column,
    ResultSet,
    ltz,
    status_result,
)
from airflow_provider_spcs.testing.sql.session import Session, display_name
from airflow_provider_spcs.testing.sql.show_clauses import in_database, parse_show_filter, schema_scope

DESCRIBE_COLUMNS: list[Column] = [
    Column("created_on", TIMESTAMP_LTZ),
    Column("name", TEXT),
    Column("schema_name", TEXT),
    Column("database_name", TEXT),
    Column("owner", TEXT),
    Column("comment", TEXT),
    Column("secret_type", TEXT),
    Column("username", TEXT),
    Column("oauth_access_token_expiry_time", TIMESTAMP_LTZ),
    Column("oauth_refresh_token_expiry_time", TIMESTAMP_LTZ),
    Column("oauth_scopes", TEXT),
    Column("integration_name", TEXT),
]

SHOW_COLUMNS: list[Column] = [
    Column("created_on", TIMESTAMP_LTZ),
    Column("name", TEXT),
    Column("schema_name", TEXT),
    Column("database_name", TEXT),
    Column("owner", TEXT),
    Column("comment", TEXT),
    Column("secret_type", TEXT),
    Column("oauth_scopes", TEXT),
    Column("owner_role_type", TEXT),
]

_STRING_CLAUSES = frozenset(
    {"USERNAME", "PASSWORD", "SECRET_STRING", "OAUTH_REFRESH_TOKEN", "OAUTH_REFRESH_TOKEN_EXPIRY_TIME", "COMMENT"}
)


def _scopes(scopes: list[str]) -> str | None:
    # Printed like the other list columns of SHOW output, e.g. [scope1, scope2].
    return "[" + ", ".join(scopes) + "]" if scopes else None


def _clauses(parser: Parser) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    while parser.peek().kind != "EOF" and not parser.at_punct(";"):
        parser.accept_punct(",")
        token = parser.peek()
        if token.kind != "IDENT":
            parser.fail(token)
        parser.next()
        if token.value in _STRING_CLAUSES:
            value: Any = parser.assignment(parser.string)
        elif token.value == "API_AUTHENTICATION":
            value = parser.assignment(parser.identifier_or_string)
        elif token.value == "OAUTH_SCOPES":
            value = parser.assignment(parser.string_list)
        else:
            parser.fail(token)
        if token.value in fields:
            parser.fail(token)
        fields[token.value] = value
    return fields


def _visible(session: Session, parts: list[str]) -> Secret | None:
    secret = session.world.secrets.get(session.resolve(parts))
    return secret if secret is not None and secret.is_visible_to(session.role) else None


def create_secret(parser: Parser, session: Session) -> ResultSet:
    """``CREATE SECRET [IF NOT EXISTS] <name> TYPE = <type> <clauses>``."""
    return _create(parser, session, or_replace=False)


def create_or_replace_secret(parser: Parser, session: Session) -> ResultSet:
    """``CREATE OR REPLACE SECRET <name> TYPE = <type> <clauses>``."""
    return _create(parser, session, or_replace=True)


def _create(parser: Parser, session: Session, *, or_replace: bool) -> ResultSet:
    parser.redact_strings = True
    if_token = parser.peek()
    if_not_exists = parser.accept_kw("IF", "NOT", "EXISTS")
    if or_replace and if_not_exists:
        parser.fail(if_token)
    parts = parser.name()
    parser.expect_kw("TYPE")
    parser.expect_punct("=")
    type_token = parser.peek()
    secret_type = parser.identifier()
    if secret_type not in SECRET_TYPES:
        parser.fail(type_token)
    fields = _clauses(parser)
    parser.end()
    database, schema, name = session.resolve(parts)
    world = session.world
    existing = world.secrets.get((database, schema, name))
    if existing is not None:
        if if_not_exists:
            return status_result(already_exists_note(name))
        if not or_replace:
            raise already_exists(name)
        if not existing.is_visible_to(session.role):
            raise SqlError(
                "003001", "42501", f"SQL access control error:\nInsufficient privileges to operate on secret '{name}'"
            )
    with model_errors():
        secret = Secret(
            name,
            database=database,
            schema=schema,
            secret_type=secret_type,
            owner_role=session.role,
            created_on=world.now(),
            fields=fields,
        )
    world.secrets.put((database, schema, name), secret)
    return status_result(f"Secret {name} successfully created.")


def alter_secret(parser: Parser, session: Session) -> ResultSet:
    """``ALTER SECRET [IF EXISTS] <name> SET <clauses> | UNSET COMMENT``."""
    parser.redact_strings = True
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    if parser.accept_kw("SET"):
        fields = _clauses(parser)
        if not fields:
            parser.fail()
    else:
        parser.expect_kw("UNSET", "COMMENT")
        fields = {"COMMENT": None}
    parser.end()
    secret = _visible(session, parts)
    if secret is None:
        if if_exists:
            return status_result()
        raise does_not_exist("Secret", display_name(parts))
    with model_errors():
        secret.alter(fields)
    return status_result()


def describe_secret(parser: Parser, session: Session) -> ResultSet:
    """``DESC[RIBE] SECRET <name>``: metadata only."""
    parts = parser.name()
    parser.end()
    secret = _visible(session, parts)
    if secret is None:
        raise does_not_exist("Secret", display_name(parts))
    row: list[Cell] = [
        ltz(secret.created_on),
        secret.name,
        secret.schema,
        secret.database,
        secret.owner_role,
        secret.comment,
        secret.secret_type,
        secret.username,
        None,
        ltz(secret.refresh_token_expiry),
        _scopes(secret.oauth_scopes),
        secret.integration,
    ]
    return ResultSet(list(DESCRIBE_COLUMNS), [row])


def show_secrets(parser: Parser, session: Session) -> ResultSet:
    """``SHOW SECRETS [LIKE '<p>'] [IN ACCOUNT | DATABASE [<db>] | [SCHEMA] [<s>]] ...``."""
    listing = parse_show_filter(
        parser,
        scope=schema_scope(session),
        default_scope=in_database(session.database),
        extra=[lambda s: s.is_visible_to(session.role)],
    )
    parser.end()
    rows: list[list[Cell]] = [
        [
            ltz(s.created_on),
            s.name,
            s.schema,
            s.database,
            s.owner_role,
            s.comment,
            s.secret_type,
            _scopes(s.oauth_scopes),
            "ROLE",
        ]
        for s in listing.select(session.world.secrets.values())
    ]
    return ResultSet(list(SHOW_COLUMNS), rows)


def drop_secret(parser: Parser, session: Session) -> ResultSet:
    """``DROP SECRET [IF EXISTS] <name>``."""
    if_exists = parser.accept_kw("IF", "EXISTS")
    parts = parser.name()
    parser.end()
    secret = _visible(session, parts)
    if secret is None:
        if if_exists:
            return status_result(f"Drop statement executed successfully ({display_name(parts)} already dropped).")
        raise does_not_exist("Secret", display_name(parts))
    session.world.secrets.pop((secret.database, secret.schema, secret.name))
    return status_result(f"{secret.name} successfully dropped.")


STATEMENTS: dict[Keywords, StatementHandler] = {
    ("CREATE", "SECRET"): create_secret,
    ("CREATE", "OR", "REPLACE", "SECRET"): create_or_replace_secret,
    ("ALTER", "SECRET"): alter_secret,
    ("DESCRIBE", "SECRET"): describe_secret,
    ("SHOW", "SECRETS"): show_secrets,
    ("DROP", "SECRET"): drop_secret,
}
