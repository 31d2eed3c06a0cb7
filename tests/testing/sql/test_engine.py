"""Routing statements: the keyword table, syntax errors where no form fits, locking, extension."""

from __future__ import annotations

import threading

import pytest
from emu_helpers import FakeClock
from sql_helpers import echo_world, error, run, text

from airflow_provider_spcs.testing.model import World
from airflow_provider_spcs.testing.sql import Pending, ResultSet, engine, execute, split_statements
from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.registry import merge
from airflow_provider_spcs.testing.sql.result_sets import status_result
from airflow_provider_spcs.testing.sql.session import Session


@pytest.fixture
def world(clock: FakeClock) -> World:
    return echo_world(clock)


@pytest.mark.parametrize(
    ("sql", "token"),
    [
        ("frobnicate the service", "frobnicate"),
        ("", "<EOF>"),
        ("GRANT READ ON SECRET s TO ROLE r", "GRANT"),
        ("update t set a = 1", "update"),
    ],
)
def test_unknown_sql(world: World, sql: str, token: str) -> None:
    err = error(world, sql)
    assert (err.code, err.sql_state) == ("001003", "42000")
    assert err.message == f"SQL compilation error:\nsyntax error line 1 at position 0 unexpected '{token}'."


@pytest.mark.parametrize(
    ("sql", "position", "token"),
    [
        ("SHOW", 4, "<EOF>"),
        ("SHOW TABLES", 5, "TABLES"),
        ("SHOW SERVICE STATUS IN SERVICE x", 13, "STATUS"),
        ("EXECUTE JOB NOW", 12, "NOW"),
        ("ALTER WAREHOUSE w SUSPEND", 6, "WAREHOUSE"),
        ("CREATE TABLE t (a INT)", 7, "TABLE"),
        ("CREATE OR REPLACE SERVICE s", 18, "SERVICE"),
    ],
)
def test_a_statement_that_starts_like_no_form_fails_where_the_forms_end(
    world: World, sql: str, position: int, token: str
) -> None:
    err = error(world, sql)
    assert err.message == f"SQL compilation error:\nsyntax error line 1 at position {position} unexpected '{token}'."


def test_syntax_error_position_on_later_line(world: World) -> None:
    err = error(world, "SHOW SERVICES\n  LIKE 'x' BOGUS")
    assert err.message == "SQL compilation error:\nsyntax error line 2 at position 11 unexpected 'BOGUS'."


def test_the_longest_form_wins(world: World) -> None:
    # SHOW SERVICE ... and SHOW SERVICES share a first keyword; each reaches its own handler.
    assert [c.name for c in run(world, "SHOW SERVICE CONTAINERS IN SERVICE echo_service").columns][:3] == [
        "database_name",
        "schema_name",
        "service_name",
    ]
    assert run(world, "SHOW SERVICES").rows[0][0] == "ECHO_SERVICE"


def test_a_new_family_needs_only_its_handler_and_a_table_entry(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def frobnicate(parser: Parser, session: Session) -> ResultSet:
        name = parser.identifier()
        parser.end()
        return status_result(f"{name} frobnicated by {session.role}.")

    monkeypatch.setitem(engine.STATEMENTS, ("FROBNICATE", "SERVICE"), frobnicate)
    assert run(world, "frobnicate service echo").rows == [["ECHO frobnicated by SPCS_ROLE."]]
    assert error(world, "FROBNICATE POOL p").message.endswith("unexpected 'POOL'.")


def test_two_families_cannot_claim_one_form() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        merge({("SHOW", "SERVICES"): 1}, {("SHOW", "SERVICES"): 2})


def test_split_statements_respects_quotes() -> None:
    text = "SELECT 'a;b'; DESCRIBE SERVICE \"x;y\" ;; EXECUTE JOB SERVICE FROM SPECIFICATION $$a: 1;$$;"
    assert split_statements(text) == [
        "SELECT 'a;b'",
        'DESCRIBE SERVICE "x;y"',
        "EXECUTE JOB SERVICE FROM SPECIFICATION $$a: 1;$$",
    ]


def test_execute_returns_result_sets_for_non_job_statements(world: World) -> None:
    assert not isinstance(execute(world, "SELECT 1", user="u", role="r"), Pending)


def test_concurrent_statements_share_one_consistent_world() -> None:
    world = World()
    world.add_service("SLOW", start_after_polls=150)
    statuses: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                result = execute(world, "DESCRIBE SERVICE slow", user="u", role="SPCS_ROLE")
                assert isinstance(result, ResultSet)
                statuses.append(text(result.rows[0][1]))
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
