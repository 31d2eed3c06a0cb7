"""DESCRIBE SERVICE, SHOW [JOB] SERVICES, SHOW SERVICE CONTAINERS | INSTANCES, SHOW ENDPOINTS."""

from __future__ import annotations

import json
import re

import pytest
from emu_helpers import FakeClock
from sql_helpers import (
    CONTAINERS,
    DESCRIBE,
    ENDPOINTS,
    INSTANCES,
    ISO_TS,
    SHOW_SERVICES,
    T0_LTZ,
    echo_world,
    error,
    is_show_timestamp,
    names,
    run,
    text,
)

from airflow_provider_spcs.testing.model import World


@pytest.fixture
def world(clock: FakeClock) -> World:
    return echo_world(clock)


class TestDescribe:
    @pytest.mark.parametrize(
        "sql",
        [
            "DESCRIBE SERVICE ECHO_SERVICE",
            "desc service echo_service;",
            "Describe Service app.Echo_Service ;",
            'DESCRIBE SERVICE "SPCS_DB"."APP"."ECHO_SERVICE"',
            "describe service spcs_db.app.echo_service",
            "  describe /* why not */ service\n  echo_service -- trailing comment",
        ],
    )
    def test_spellings(self, world: World, sql: str) -> None:
        result = run(world, sql)
        assert names(result) == DESCRIBE
        assert result.dicts()[0]["name"] == "ECHO_SERVICE"

    def test_row_values(self, world: World) -> None:
        [row] = run(world, "DESCRIBE SERVICE echo_service").dicts()
        assert row["status"] == "RUNNING"
        assert (row["database_name"], row["schema_name"], row["owner"], row["compute_pool"]) == (
            "SPCS_DB",
            "APP",
            "SPCS_ROLE",
            "SPCS_POOL",
        )
        assert "name: echo" in text(row["spec"])
        assert re.fullmatch(r"echo-service\.[0-9a-f]{4}\.svc\.spcs\.internal", text(row["dns_name"]))
        assert row["created_on"] == T0_LTZ
        assert row["resumed_on"] is None
        assert (row["current_instances"], row["target_instances"], row["auto_suspend_secs"]) == (1, 1, 0)
        assert (row["is_job"], row["is_async_job"], row["auto_resume"], row["is_upgrading"]) == (
            False,
            False,
            True,
            False,
        )
        assert row["owner_role_type"] == "ROLE"
        assert re.fullmatch(r"[0-9a-f]{64}", text(row["spec_digest"]))

    def test_column_types(self, world: World) -> None:
        types = {c.name: c.type for c in run(world, "DESCRIBE SERVICE echo_service").columns}
        assert types["name"] == "TEXT"
        assert types["current_instances"] == "FIXED"
        assert types["is_job"] == "BOOLEAN"
        assert types["created_on"] == "TIMESTAMP_LTZ"

    def test_spec_only_for_the_owner(self, world: World) -> None:
        world.add_service("shared", owner_role="OWNER", access_roles=["SPCS_ROLE"])
        assert run(world, "DESCRIBE SERVICE shared").dicts()[0]["spec"] is None
        assert run(world, "DESCRIBE SERVICE shared", role="OWNER").dicts()[0]["spec"] is not None

    def test_describe_is_a_poll(self, world: World) -> None:
        world.add_service("slow", start_after_polls=1)
        statuses = [run(world, "DESCRIBE SERVICE slow").dicts()[0]["status"] for _ in range(2)]
        assert statuses == ["PENDING", "RUNNING"]

    def test_session_database_and_schema(self, world: World) -> None:
        world.add_service("other", database="DB2", schema="S2")
        assert run(world, "DESCRIBE SERVICE other", database="DB2", schema="S2").rows[0][0] == "OTHER"
        assert run(world, "DESCRIBE SERVICE s2.other", database="DB2").rows[0][0] == "OTHER"
        assert error(world, "DESCRIBE SERVICE other").code == "002003"
        assert run(world, "DESCRIBE SERVICE other", database="db2", schema="s2").rows[0][0] == "OTHER"
        assert run(world, "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()", database="db2", schema='"s2"').rows == [
            ["DB2", "s2"]
        ]


class TestVisibilityAndNames:
    def test_missing_service_error(self, world: World) -> None:
        err = error(world, "DESCRIBE SERVICE nope")
        assert (err.code, err.sql_state) == ("002003", "02000")
        assert err.message == "SQL compilation error:\nService 'NOPE' does not exist or not authorized."

    @pytest.mark.parametrize(
        "sql",
        [
            "DESCRIBE SERVICE echo_service",
            "SHOW SERVICE CONTAINERS IN SERVICE echo_service",
            "SHOW SERVICE INSTANCES IN SERVICE echo_service",
            "SHOW ENDPOINTS IN SERVICE echo_service",
            "ALTER SERVICE echo_service SUSPEND",
            "DROP SERVICE echo_service",
            "SELECT SYSTEM$GET_SERVICE_LOGS('echo_service', 0, 'echo')",
            "SELECT SYSTEM$GET_SERVICE_STATUS('echo_service')",
        ],
    )
    def test_other_roles_cannot_see_the_service(self, world: World, sql: str) -> None:
        err = error(world, sql, role="PUBLIC")
        assert "'ECHO_SERVICE' does not exist or not authorized" in err.message
        assert world.service("ECHO_SERVICE") is not None
        assert world.service("ECHO_SERVICE").status == "RUNNING"  # type: ignore[union-attr]

    def test_access_role_sees_it(self, world: World) -> None:
        world.add_service("shared", owner_role="OWNER", access_roles=["READER"])
        assert run(world, "DESCRIBE SERVICE shared", role="reader").rows[0][0] == "SHARED"
        assert [r[0] for r in run(world, "SHOW SERVICES", role="READER").rows] == ["SHARED"]

    def test_quoted_names_are_case_sensitive(self, world: World) -> None:
        world.add_service('"MixedCase"')
        assert run(world, 'DESCRIBE SERVICE "MixedCase"').rows[0][0] == "MixedCase"
        assert error(world, "DESCRIBE SERVICE MixedCase").message.endswith(
            "Service 'MIXEDCASE' does not exist or not authorized."
        )

    @pytest.mark.parametrize(
        "sql",
        [
            "DESCRIBE SERVICE echo_service; DROP SERVICE echo_service",
            "DESCRIBE SERVICE 'echo_service'",
            "DESCRIBE SERVICE echo-service",
            "DESCRIBE SERVICE a.b.c.d",
            "DROP SERVICE echo_service --\n; DROP SERVICE x",
        ],
    )
    def test_unsafe_names_are_syntax_errors(self, world: World, sql: str) -> None:
        err = error(world, sql)
        assert (err.code, err.sql_state) == ("001003", "42000")
        assert world.service("ECHO_SERVICE") is not None

    def test_injection_inside_a_string_name_finds_nothing(self, world: World) -> None:
        err = error(world, "SELECT SYSTEM$GET_SERVICE_STATUS('echo_service''); DROP SERVICE echo_service; --')")
        assert err.code == "002003"
        assert world.service("ECHO_SERVICE") is not None


class TestShowServices:
    @pytest.fixture
    def many(self, world: World) -> World:
        world.add_service("ALPHA", compute_pool="OTHER_POOL")
        world.add_service("BETA", schema="S2")
        world.add_service("GAMMA", database="DB2", schema="APP")
        world.add_job(
            "JOB_1",
            world.add_job_spec("@specs", "job.yaml"),
            database="SPCS_DB",
            schema="APP",
            compute_pool="SPCS_POOL",
        )
        world.add_service("HIDDEN", owner_role="OTHER")
        return world

    def listed(self, world: World, sql: str) -> list[str]:
        return [text(row[0]) for row in run(world, sql).rows]

    def test_columns_and_default_scope(self, many: World) -> None:
        result = run(many, "SHOW SERVICES")
        assert names(result) == SHOW_SERVICES
        # Current database only; sorted by schema then name; jobs included; other roles' hidden.
        assert [r[0] for r in result.rows] == ["ALPHA", "ECHO_SERVICE", "JOB_1", "BETA"]

    def test_job_services_drop_is_job(self, many: World) -> None:
        result = run(many, "show job services")
        assert names(result) == [c for c in SHOW_SERVICES if c != "is_job"]
        assert [r[0] for r in result.rows] == ["JOB_1"]
        assert result.dicts()[0]["is_async_job"] is False

    def test_exclude_jobs_drops_both_job_columns(self, many: World) -> None:
        result = run(many, "SHOW SERVICES EXCLUDE JOBS IN ACCOUNT")
        assert names(result) == [c for c in SHOW_SERVICES if c not in {"is_job", "is_async_job"}]
        # Sorted by database, schema, name.
        assert [r[0] for r in result.rows] == ["GAMMA", "ALPHA", "ECHO_SERVICE", "BETA"]

    @pytest.mark.parametrize(
        ("sql", "expected"),
        [
            ("SHOW SERVICES LIKE 'echo%'", ["ECHO_SERVICE"]),
            ("SHOW SERVICES LIKE '%A'", ["ALPHA", "BETA"]),
            ("SHOW SERVICES LIKE '_eta'", ["BETA"]),
            ("SHOW SERVICES LIKE 'ECHO_SERVICE' IN SCHEMA SPCS_DB.APP", ["ECHO_SERVICE"]),
            ("SHOW SERVICES IN ACCOUNT", ["GAMMA", "ALPHA", "ECHO_SERVICE", "JOB_1", "BETA"]),
            ("SHOW SERVICES IN DATABASE", ["ALPHA", "ECHO_SERVICE", "JOB_1", "BETA"]),
            ("SHOW SERVICES IN DATABASE db2", ["GAMMA"]),
            ("SHOW SERVICES IN SCHEMA", ["ALPHA", "ECHO_SERVICE", "JOB_1"]),
            ("SHOW SERVICES IN SCHEMA s2", ["BETA"]),
            ('SHOW SERVICES IN "DB2"."APP"', ["GAMMA"]),
            ("SHOW SERVICES IN s2", ["BETA"]),
            ("SHOW SERVICES IN COMPUTE POOL other_pool", ["ALPHA"]),
            ("SHOW SERVICES IN ACCOUNT STARTS WITH 'G'", ["GAMMA"]),
            ("SHOW SERVICES IN ACCOUNT LIMIT 2", ["GAMMA", "ALPHA"]),
            ("SHOW SERVICES IN SCHEMA LIMIT 2 FROM 'BETA'", ["ECHO_SERVICE", "JOB_1"]),
            ("SHOW SERVICES LIKE 'nothing%'", []),
        ],
    )
    def test_filters(self, many: World, sql: str, expected: list[str]) -> None:
        assert self.listed(many, sql) == expected

    def test_show_counts_one_poll_per_listed_service(self, world: World) -> None:
        world.add_service("SLOW", start_after_polls=1)
        first = run(world, "SHOW SERVICES LIKE 'SLOW'").dicts()[0]
        second = run(world, "SHOW SERVICES LIKE 'SLOW'").dicts()[0]
        assert (first["status"], first["current_instances"]) == ("PENDING", 0)
        assert (second["status"], second["current_instances"]) == ("RUNNING", 1)

    def test_extra_properties(self, world: World) -> None:
        world.add_service(
            "props", query_warehouse="WH", external_access_integrations=["EAI_1"], comment="hello", instances=2
        )
        row = run(world, "SHOW SERVICES LIKE 'props'").dicts()[0]
        assert (row["query_warehouse"], row["comment"], row["target_instances"]) == ("WH", "hello", 2)
        assert json.loads(text(row["external_access_integrations"])) == ["EAI_1"]
        assert is_show_timestamp(row["created_on"])

    @pytest.mark.parametrize("sql", ["SHOW SERVICES LIKE", "SHOW SERVICES IN", "SHOW SERVICES LIMIT x", "SHOW SERVICE"])
    def test_malformed(self, world: World, sql: str) -> None:
        assert error(world, sql).code == "001003"


class TestContainersAndInstances:
    def test_running_containers(self, world: World) -> None:
        result = run(world, "SHOW SERVICE CONTAINERS IN SERVICE echo_service")
        assert names(result) == CONTAINERS
        [row] = result.dicts()
        assert row["service_status"] == "RUNNING"
        assert (row["instance_id"], row["instance_status"], row["container_name"]) == ("0", "READY", "echo")
        assert (row["status"], row["message"], row["restart_count"]) == ("READY", "Running", 0)
        assert row["start_time"] == "2024-11-29T19:53:20Z"
        assert (row["last_exit_code"], row["last_restart_time"]) == (None, None)
        assert text(row["image_name"]).endswith("/spcs_db/app/images/echo:latest")
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", text(row["image_digest"]))
        types = {c.name: c.type for c in result.columns}
        assert (types["restart_count"], types["last_exit_code"], types["instance_id"]) == ("FIXED", "FIXED", "TEXT")

    def test_pending_service_has_one_null_row(self, world: World) -> None:
        world.add_service("slow", start_after_polls=5)
        [row] = run(world, "SHOW SERVICE CONTAINERS IN SERVICE slow").rows
        assert row[:4] == ["SPCS_DB", "APP", "SLOW", "PENDING"]
        assert row[4:] == [None] * 11

    def test_failed_service(self, world: World, clock: FakeClock) -> None:
        clock.now += 90
        world.service("ECHO_SERVICE").fail("Back-off restarting failed container", 137, 5)  # type: ignore[union-attr]
        [row] = run(world, "SHOW SERVICE CONTAINERS IN SERVICE echo_service").dicts()
        assert (row["service_status"], row["instance_status"], row["status"]) == ("FAILED", "FAILED", "FAILED")
        assert row["message"] == "Back-off restarting failed container"
        assert (row["restart_count"], row["last_exit_code"]) == (5, 137)
        assert row["last_restart_time"] == "2024-11-29T19:54:50Z"

    def test_instances(self, world: World) -> None:
        world.add_service("multi", instances=2)
        result = run(world, "SHOW SERVICE INSTANCES IN SERVICE multi")
        assert names(result) == INSTANCES
        rows = result.dicts()
        assert [r["instance_id"] for r in rows] == ["0", "1"]
        assert {r["status"] for r in rows} == {"READY"}
        assert all(ISO_TS.fullmatch(text(r["creation_time"])) for r in rows)
        assert all(re.fullmatch(r"\d+\.\d+\.\d+\.\d+", text(r["ip_address"])) for r in rows)

    def test_no_instances_when_suspended(self, world: World) -> None:
        run(world, "ALTER SERVICE echo_service SUSPEND")
        run(world, "DESCRIBE SERVICE echo_service")
        assert run(world, "SHOW SERVICE INSTANCES IN SERVICE echo_service").rows == []
        [row] = run(world, "SHOW SERVICE CONTAINERS IN SERVICE echo_service").rows
        assert row[3] == "SUSPENDED"
        assert row[4:] == [None] * 11


class TestEndpoints:
    def test_columns_and_ingress_url(self, world: World) -> None:
        world.service("ECHO_SERVICE").endpoints[0].ingress_url = "http://127.0.0.1:50123"  # type: ignore[union-attr]
        result = run(world, "SHOW ENDPOINTS IN SERVICE echo_service")
        assert names(result) == ENDPOINTS
        assert result.rows == [["echo", 8080, None, "HTTP", True, "http://127.0.0.1:50123"]]

    def test_without_a_server_a_bare_host_is_reported(self, world: World) -> None:
        [row] = run(world, "SHOW ENDPOINTS IN SERVICE echo_service").rows
        assert re.fullmatch(r"[0-9a-f]{6}-myorg-myacct\.snowflakecomputing\.app", text(row[5]))

    def test_provisioning_placeholder_then_url(self, world: World) -> None:
        service = world.add_service("svc", endpoints=(("api", True), ("private", False)), provision_after_polls=1)
        service.endpoints[0].ingress_url = "http://127.0.0.1:50124"
        first = run(world, "SHOW ENDPOINTS IN SERVICE svc").rows
        second = run(world, "SHOW ENDPOINTS IN SERVICE svc").rows
        assert first == [
            ["api", 8080, None, "HTTP", True, "Endpoints provisioning in progress... check back in a few minutes"],
            ["private", 8081, None, "HTTP", False, None],
        ]
        assert second[0][5] == "http://127.0.0.1:50124"

    def test_show_endpoints_does_not_advance_the_service(self, world: World) -> None:
        service = world.add_service("svc", start_after_polls=1)
        run(world, "SHOW ENDPOINTS IN SERVICE svc")
        assert service.poll() == "PENDING"
