"""SYSTEM$GET_SERVICE_STATUS and SYSTEM$GET_SERVICE_LOGS on long-running services."""

from __future__ import annotations

import json

import pytest
from emu_helpers import FakeClock
from sql_helpers import echo_world, error, names, run, text

from airflow_provider_spcs.testing.model import World


@pytest.fixture
def world(clock: FakeClock) -> World:
    return echo_world(clock)


class TestStatusAndLogs:
    def test_get_service_status_json(self, world: World) -> None:
        result = run(world, "SELECT SYSTEM$GET_SERVICE_STATUS('echo_service')")
        assert names(result) == ["SYSTEM$GET_SERVICE_STATUS('ECHO_SERVICE')"]
        [entry] = json.loads(text(result.rows[0][0]))
        assert entry["status"] == "READY"
        assert entry["containerName"] == "echo"
        assert entry["instanceId"] == "0"
        assert entry["serviceName"] == "ECHO_SERVICE"
        assert entry["restartCount"] == 0
        assert set(entry) == {
            "status",
            "message",
            "containerName",
            "instanceId",
            "serviceName",
            "image",
            "restartCount",
            "startTime",
        }

    def test_get_service_status_pending_is_empty_and_polls(self, world: World) -> None:
        world.add_service("slow", start_after_polls=1)
        first = run(world, "CALL SYSTEM$GET_SERVICE_STATUS('SPCS_DB.APP.SLOW', 10)")
        assert names(first) == ["SYSTEM$GET_SERVICE_STATUS"]
        assert first.rows == [["[]"]]
        second = run(world, "CALL SYSTEM$GET_SERVICE_STATUS('slow')")
        assert json.loads(text(second.rows[0][0]))[0]["status"] == "READY"

    def test_logs_last_n_lines(self, world: World) -> None:
        service = world.service("ECHO_SERVICE")
        assert service is not None
        for i in range(5):
            service.add_log(f"line {i}")
        result = run(world, "SELECT SYSTEM$GET_SERVICE_LOGS('echo_service', 0, 'echo', 2)")
        assert names(result) == ["SYSTEM$GET_SERVICE_LOGS('ECHO_SERVICE', 0, 'ECHO', 2)"]
        assert result.rows == [["line 3\nline 4"]]
        everything = run(world, "select system$get_service_logs('echo_service', '0', 'echo') as logs")
        assert names(everything) == ["LOGS"]
        assert text(everything.rows[0][0]).splitlines()[-5:] == [f"line {i}" for i in range(5)]

    def test_logs_call_form_and_previous(self, world: World) -> None:
        service = world.service("ECHO_SERVICE")
        assert service is not None
        service.add_log("old run")
        service.fail("crash", 1, restart_count=1)
        result = run(world, "CALL SYSTEM$GET_SERVICE_LOGS('echo_service', 0, 'echo', 100, TRUE)")
        assert names(result) == ["SYSTEM$GET_SERVICE_LOGS"]
        assert text(result.rows[0][0]).endswith("old run")

    @pytest.mark.parametrize(
        "sql",
        [
            "SELECT SYSTEM$GET_SERVICE_LOGS('echo_service', 1, 'echo')",
            "SELECT SYSTEM$GET_SERVICE_LOGS('echo_service', 0, 'nope')",
        ],
    )
    def test_logs_of_unknown_instance_or_container(self, world: World, sql: str) -> None:
        assert "does not exist in service 'ECHO_SERVICE'" in error(world, sql).message

    @pytest.mark.parametrize(
        "sql",
        [
            "SELECT SYSTEM$GET_SERVICE_LOGS('echo_service')",
            "SELECT SYSTEM$GET_SERVICE_LOGS('echo_service', 0, 'echo', 'x')",
            "SELECT SYSTEM$GET_SERVICE_STATUS(1)",
        ],
    )
    def test_bad_arguments(self, world: World, sql: str) -> None:
        assert error(world, sql).code == "001044"
