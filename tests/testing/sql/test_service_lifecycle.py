"""ALTER SERVICE ... SUSPEND | RESUME, ALTER SESSION and DROP SERVICE."""

from __future__ import annotations

import pytest
from emu_helpers import FakeClock
from sql_helpers import echo_world, error, is_show_timestamp, run, text

from airflow_provider_spcs.testing.model import World


@pytest.fixture
def world(clock: FakeClock) -> World:
    return echo_world(clock)


class TestAlterAndDrop:
    def test_suspend_resume_through_sql(self, world: World) -> None:
        def status() -> str:
            return text(run(world, "DESCRIBE SERVICE echo_service").dicts()[0]["status"])

        assert run(world, "ALTER SERVICE echo_service SUSPEND").rows == [["Statement executed successfully."]]
        assert [status(), status()] == ["SUSPENDING", "SUSPENDED"]
        row = run(world, "DESCRIBE SERVICE echo_service").dicts()[0]
        assert is_show_timestamp(row["suspended_on"])
        assert row["current_instances"] == 0
        assert run(world, "alter service if exists echo_service resume;").rows == [["Statement executed successfully."]]
        assert [status(), status()] == ["PENDING", "RUNNING"]
        assert is_show_timestamp(run(world, "DESCRIBE SERVICE echo_service").dicts()[0]["resumed_on"])

    def test_alter_if_exists_on_missing(self, world: World) -> None:
        assert run(world, "ALTER SERVICE IF EXISTS nope SUSPEND").rows == [["Statement executed successfully."]]
        assert error(world, "ALTER SERVICE nope SUSPEND").code == "002003"

    def test_alter_other_actions_are_syntax_errors(self, world: World) -> None:
        err = error(world, "ALTER SERVICE echo_service RESTART")
        assert err.message.endswith("unexpected 'RESTART'.")

    def test_alter_session_is_accepted(self, world: World) -> None:
        assert run(world, "ALTER SESSION SET QUERY_TAG = 'x'").rows == [["Statement executed successfully."]]

    def test_drop(self, world: World) -> None:
        service = world.service("ECHO_SERVICE")
        assert run(world, "DROP SERVICE echo_service").rows == [["ECHO_SERVICE successfully dropped."]]
        assert service is not None
        assert service.status == "DELETED"
        assert run(world, "SHOW SERVICES").rows == []
        assert error(world, "DESCRIBE SERVICE echo_service").code == "002003"
        assert error(world, "DROP SERVICE echo_service").code == "002003"
        assert run(world, "DROP SERVICE IF EXISTS echo_service FORCE").rows == [
            ["Drop statement executed successfully (ECHO_SERVICE already dropped)."]
        ]

    def test_drop_force(self, world: World) -> None:
        run(world, "drop service spcs_db.app.echo_service force;")
        assert world.service("ECHO_SERVICE") is None
