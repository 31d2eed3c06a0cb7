"""CREATE / ALTER / DESCRIBE / SHOW / DROP SECRET, string literals as Snowflake reads them, and
redacted statement text."""

from __future__ import annotations

import datetime as dt

import pytest
from emu_helpers import FakeClock
from sql_helpers import DESCRIBE_SECRET, SHOW_SECRETS, default_world, error, names, one, run

from airflow_provider_spcs.testing.model import World
from airflow_provider_spcs.testing.sql.redaction import redact_secret_literals

# (literal as the provider writes it: `\` and `'` escaped, or dollar-quoted; the value it stands for)
LITERALS = [
    ("'plain'", "plain"),
    ("'it\\'s'", "it's"),
    ("'it''s'", "it's"),
    ("'back\\\\slash \\\\\\\\ two'", "back\\slash \\\\ two"),
    ("'has $$ dollars $$'", "has $$ dollars $$"),
    ("'multi\nline\r\n'", "multi\nline\r\n"),
    ("'ünïcødé ✓ 🔑'", "ünïcødé ✓ 🔑"),
    ("'tab\\tnl\\n'", "tab\tnl\n"),
    ("'\\x41\\u00e9\\101'", "AéA"),
    ("$$it's \\ raw$$", "it's \\ raw"),
    ("'-- not a comment; DROP SECRET s'", "-- not a comment; DROP SECRET s"),
]


@pytest.fixture
def world(clock: FakeClock) -> World:
    return default_world(clock)


@pytest.mark.parametrize(("literal", "value"), LITERALS)
def test_hostile_values_round_trip_exactly(world: World, literal: str, value: str) -> None:
    run(world, f"CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = {literal}")
    secret = world.secret("S")
    assert secret is not None
    assert secret.mounted_value("secret_string") == value
    run(world, f"ALTER SECRET s SET SECRET_STRING = {literal}")
    assert secret.mounted_value("secret_string") == value
    run(world, f"CREATE SECRET p TYPE = PASSWORD USERNAME = {literal} PASSWORD = {literal}")
    password = world.secret("P")
    assert password is not None
    assert (password.mounted_value("username"), password.mounted_value("password")) == (value, value)
    assert one(world, "DESCRIBE SECRET p")["username"] == value  # the user name is not secret


def test_password_secret_describe_and_show(world: World) -> None:
    reply = run(world, "CREATE SECRET api_login TYPE = PASSWORD USERNAME = 'svc' PASSWORD = 'hunter2' COMMENT = 'c'")
    assert reply.rows == [["Secret API_LOGIN successfully created."]]
    described = run(world, "DESC SECRET api_login")
    assert names(described) == DESCRIBE_SECRET
    row = described.dicts()[0]
    assert (row["name"], row["schema_name"], row["database_name"], row["owner"]) == (
        "API_LOGIN",
        "APP",
        "SPCS_DB",
        "SPCS_ROLE",
    )
    assert (row["secret_type"], row["username"], row["comment"], row["oauth_scopes"]) == ("PASSWORD", "svc", "c", None)
    assert "hunter2" not in repr(described.rows)
    shown = run(world, "SHOW SECRETS")
    assert names(shown) == SHOW_SECRETS
    assert shown.rows[0][1:8] == ["API_LOGIN", "APP", "SPCS_DB", "SPCS_ROLE", "c", "PASSWORD", None]
    assert shown.rows[0][8] == "ROLE"


def test_oauth2_secrets(world: World) -> None:
    run(world, "CREATE SECRET cc TYPE = OAUTH2 API_AUTHENTICATION = my_int OAUTH_SCOPES = ('read', 'write')")
    row = one(world, "DESCRIBE SECRET cc")
    assert (row["secret_type"], row["integration_name"], row["oauth_scopes"]) == ("OAUTH2", "MY_INT", "[read, write]")
    run(
        world,
        "CREATE SECRET code TYPE = OAUTH2 OAUTH_REFRESH_TOKEN = 'rt-1' "
        "OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2030-06-01 12:00:00' API_AUTHENTICATION = my_int",
    )
    row = one(world, "DESCRIBE SECRET code")
    assert row["oauth_refresh_token_expiry_time"] == dt.datetime(2030, 6, 1, 12, tzinfo=dt.UTC)
    run(world, "ALTER SECRET code SET OAUTH_REFRESH_TOKEN = 'rt-2' OAUTH_REFRESH_TOKEN_EXPIRY_TIME = '2031-01-01'")
    assert one(world, "DESCRIBE SECRET code")["oauth_refresh_token_expiry_time"] == dt.datetime(
        2031, 1, 1, tzinfo=dt.UTC
    )
    assert error(world, "ALTER SECRET code SET OAUTH_SCOPES = ('x')").code == "002029"
    run(world, "ALTER SECRET cc SET OAUTH_SCOPES = ('admin')")
    assert one(world, "DESCRIBE SECRET cc")["oauth_scopes"] == "[admin]"


def test_or_replace_if_not_exists_and_drop(world: World) -> None:
    run(world, "CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'v1' COMMENT = 'first'")
    err = error(world, "CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'v2'")
    assert (err.code, err.sql_state) == ("002002", "42710")
    assert run(world, "CREATE SECRET IF NOT EXISTS s TYPE = GENERIC_STRING SECRET_STRING = 'v2'").rows == [
        ["S already exists, statement succeeded."]
    ]
    secret = world.secret("s")
    assert secret is not None
    assert secret.mounted_value("secret_string") == "v1"
    run(world, "CREATE OR REPLACE SECRET s TYPE = PASSWORD USERNAME = 'u' PASSWORD = 'v3'")
    assert one(world, "DESCRIBE SECRET s")["secret_type"] == "PASSWORD"
    assert one(world, "DESCRIBE SECRET s")["comment"] is None
    run(world, "ALTER SECRET s SET COMMENT = 'x'")
    run(world, "ALTER SECRET s UNSET COMMENT")
    assert one(world, "DESCRIBE SECRET s")["comment"] is None
    assert run(world, "DROP SECRET s").rows == [["S successfully dropped."]]
    assert error(world, "DESCRIBE SECRET s").code == "002003"
    assert run(world, "DROP SECRET IF EXISTS s").rows == [["Drop statement executed successfully (S already dropped)."]]
    assert run(world, "ALTER SECRET IF EXISTS s SET COMMENT = 'x'").rows == [["Statement executed successfully."]]


def test_show_scopes_and_visibility(world: World) -> None:
    run(world, "CREATE SECRET a TYPE = GENERIC_STRING SECRET_STRING = 'x'")
    run(world, "CREATE SECRET other_db.s.b TYPE = GENERIC_STRING SECRET_STRING = 'x'")
    world.add_secret("hidden", "GENERIC_STRING", secret_string="x", owner_role="ADMIN")
    assert [r[1] for r in run(world, "SHOW SECRETS").rows] == ["A"]
    assert [r[1] for r in run(world, "SHOW SECRETS IN ACCOUNT").rows] == ["B", "A"]
    assert [r[1] for r in run(world, "SHOW SECRETS LIKE 'b' IN DATABASE other_db").rows] == ["B"]
    assert [r[1] for r in run(world, "SHOW SECRETS IN SCHEMA other_db.s").rows] == ["B"]
    assert [r[1] for r in run(world, "SHOW SECRETS", role="ADMIN").rows] == ["HIDDEN"]
    assert error(world, "DESCRIBE SECRET hidden").code == "002003"
    assert error(world, "CREATE OR REPLACE SECRET hidden TYPE = GENERIC_STRING SECRET_STRING = 'y'").code == "003001"


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("CREATE SECRET s TYPE = PASSWORD USERNAME = 'u'", "002029"),
        ("CREATE SECRET s TYPE = GENERIC_STRING PASSWORD = 'hunter2'", "002029"),
        ("CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'hunter2' 'hunter2'", "001003"),
        ("CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING 'hunter2'", "001003"),
        ("CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'hunter2' SECRET_STRING = 'hunter2'", "001003"),
        ("CREATE SECRET s TYPE = SYMMETRIC_KEY SECRET_STRING = 'hunter2'", "001003"),
        ("CREATE OR REPLACE SECRET IF NOT EXISTS s TYPE = GENERIC_STRING SECRET_STRING = 'hunter2'", "001003"),
        ("CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'hunter2", "001003"),
        ("ALTER SECRET nope SET SECRET_STRING = 'hunter2'", "002003"),
        ("CREATE SECRET s TYPE = OAUTH2 API_AUTHENTICATION = i OAUTH_REFRESH_TOKEN = 'hunter2'", "002029"),
    ],
)
def test_errors_never_quote_the_value(world: World, sql: str, code: str) -> None:
    err = error(world, sql)
    assert err.code == code
    assert "hunter2" not in err.message
    assert "hunter2" not in repr(err)


def test_syntax_errors_show_a_literal_as_stars(world: World) -> None:
    err = error(world, "CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING 'hunter2'")
    assert err.message.endswith("at position 52 unexpected '***'.")


def test_an_existing_secret_is_not_changed_by_a_failed_alter(world: World) -> None:
    run(world, "CREATE SECRET s TYPE = PASSWORD USERNAME = 'u' PASSWORD = 'one'")
    assert error(world, "ALTER SECRET s SET SECRET_STRING = 'two'").code == "002029"
    secret = world.secret("s")
    assert secret is not None
    assert secret.mounted_value("password") == "one"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "CREATE SECRET s TYPE = PASSWORD USERNAME = 'u' PASSWORD = 'p''w'",
            "CREATE SECRET s TYPE = PASSWORD USERNAME = 'u' PASSWORD = '***'",
        ),
        (
            "alter secret s set secret_string=$$a'b$$ comment='c'",
            "alter secret s set secret_string='***' comment='***'",
        ),
        ("ALTER SECRET s SET SECRET_STRING 'x' 'y'", "ALTER SECRET s SET SECRET_STRING '***' '***'"),
        (
            "CREATE SECRET s TYPE = PASSWORD COMMENT = 'c' PASSWORD = 'p'",
            "CREATE SECRET s TYPE = PASSWORD COMMENT = 'c' PASSWORD = '***'",
        ),
        (
            "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = 'r' ; SELECT 'x'",
            "ALTER SECRET s SET OAUTH_REFRESH_TOKEN = '***' ; SELECT 'x'",
        ),
        (
            "CREATE SECRET s TYPE=GENERIC_STRING SECRET_STRING = 'unterminated",
            "CREATE SECRET s TYPE=GENERIC_STRING SECRET_STRING = ***",
        ),
        ("SELECT 'PASSWORD = x'", "SELECT 'PASSWORD = x'"),
    ],
)
def test_redaction(text: str, redacted: str) -> None:
    assert redact_secret_literals(text) == redacted
