"""CREATE / ALTER / DESCRIBE / SHOW / DROP COMPUTE POOL and how pools and services interact."""

from __future__ import annotations

import pytest
from emu_helpers import FakeClock
from sql_helpers import POOLS, T0_LTZ, default_world, error, is_show_timestamp, names, one, run, text

from airflow_provider_spcs.testing.model import World


@pytest.fixture
def world(clock: FakeClock) -> World:
    return default_world(clock)


def state(world: World, pool: str) -> str:
    return text(one(world, f"DESCRIBE COMPUTE POOL {pool}")["state"])


def test_default_pool_is_active_with_echo_service(world: World) -> None:
    result = run(world, "SHOW COMPUTE POOLS")
    assert names(result) == POOLS
    [row] = result.dicts()
    assert (row["name"], row["state"], row["num_services"], row["num_jobs"]) == ("SPCS_POOL", "ACTIVE", 1, 0)
    assert (row["active_nodes"], row["idle_nodes"], row["target_nodes"]) == (1, 0, 1)
    assert (row["instance_family"], row["auto_resume"], row["auto_suspend_secs"]) == ("CPU_X64_XS", True, 3600)
    assert (row["is_exclusive"], row["application"], row["budget"], row["error_code"], row["status_message"]) == (
        False,
        None,
        None,
        None,
        None,
    )
    assert row["created_on"] == T0_LTZ
    assert names(run(world, "DESC COMPUTE POOL spcs_pool")) == POOLS


def test_create_starts_then_idle_and_if_not_exists(world: World) -> None:
    reply = run(
        world,
        "CREATE COMPUTE POOL IF NOT EXISTS etl_pool COMMENT = 'nightly' AUTO_SUSPEND_SECS = 300 "
        "MAX_NODES = 3 INSTANCE_FAMILY = CPU_X64_S MIN_NODES = 2 AUTO_RESUME = FALSE WITH TAG (env = 'prod')",
    )
    assert reply.rows == [["Compute Pool ETL_POOL successfully created."]]
    first = one(world, "DESCRIBE COMPUTE POOL etl_pool")
    assert (first["state"], first["target_nodes"], first["idle_nodes"]) == ("STARTING", 2, 0)
    second = one(world, "DESCRIBE COMPUTE POOL etl_pool")
    assert (second["state"], second["idle_nodes"], second["comment"], second["auto_resume"]) == (
        "IDLE",
        2,
        "nightly",
        False,
    )
    again = run(world, "CREATE COMPUTE POOL IF NOT EXISTS etl_pool MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS")
    assert again.rows == [["ETL_POOL already exists, statement succeeded."]]
    assert one(world, "DESCRIBE COMPUTE POOL etl_pool")["min_nodes"] == 2
    err = error(world, "CREATE COMPUTE POOL etl_pool MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS")
    assert (err.code, err.sql_state) == ("002002", "42710")


def test_initially_suspended_and_show_like(world: World) -> None:
    run(world, "CREATE COMPUTE POOL p2 MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS INITIALLY_SUSPENDED=TRUE")
    assert [r[0] for r in run(world, "SHOW COMPUTE POOLS").rows] == ["P2", "SPCS_POOL"]
    [row] = run(world, "SHOW COMPUTE POOLS LIKE 'p%'").dicts()
    assert (row["state"], row["resumed_on"], row["target_nodes"]) == ("SUSPENDED", None, 0)
    assert [r[0] for r in run(world, "SHOW COMPUTE POOLS STARTS WITH 'SPCS' LIMIT 1").rows] == ["SPCS_POOL"]


def test_suspend_suspends_services_and_resume_starts_again(world: World) -> None:
    assert run(world, "ALTER COMPUTE POOL spcs_pool SUSPEND").rows == [["Statement executed successfully."]]
    assert one(world, "DESCRIBE SERVICE echo_service")["status"] == "SUSPENDING"
    assert state(world, "spcs_pool") == "STOPPING"
    assert state(world, "spcs_pool") == "SUSPENDED"
    assert one(world, "DESCRIBE SERVICE echo_service")["status"] == "SUSPENDED"
    run(world, "ALTER COMPUTE POOL IF EXISTS spcs_pool RESUME")
    row = one(world, "DESCRIBE COMPUTE POOL spcs_pool")
    assert row["state"] == "STARTING"
    assert is_show_timestamp(row["resumed_on"])
    assert state(world, "spcs_pool") == "IDLE"  # its service stays suspended until resumed itself
    run(world, "ALTER SERVICE echo_service RESUME")
    assert [one(world, "DESCRIBE SERVICE echo_service")["status"] for _ in range(2)] == ["PENDING", "RUNNING"]
    assert state(world, "spcs_pool") == "ACTIVE"


def test_services_on_a_suspended_pool(world: World) -> None:
    spec = "spec:\n  containers:\n  - {name: a, image: /x/a:1}\n"
    run(
        world,
        "CREATE COMPUTE POOL manual MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS AUTO_RESUME=FALSE INITIALLY_SUSPENDED=TRUE",
    )
    err = error(world, f"CREATE SERVICE a IN COMPUTE POOL manual FROM SPECIFICATION $${spec}$$")
    assert (err.code, err.sql_state) == ("002031", "55000")
    assert "ALTER COMPUTE POOL MANUAL RESUME" in err.message
    assert (
        error(world, "EXECUTE JOB SERVICE IN COMPUTE POOL manual FROM @specs SPECIFICATION_FILE='job.yaml'").code
        == "002031"
    )
    run(world, "CREATE COMPUTE POOL auto MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS INITIALLY_SUSPENDED=TRUE")
    run(world, f"CREATE SERVICE b IN COMPUTE POOL auto FROM SPECIFICATION $${spec}$$")
    assert one(world, "SHOW COMPUTE POOLS LIKE 'AUTO'")["state"] == "STARTING"  # auto-resumed
    assert [one(world, "DESCRIBE SERVICE b")["status"] for _ in range(2)] == ["PENDING", "RUNNING"]
    assert state(world, "auto") == "ACTIVE"


def test_stop_all_and_drop(world: World) -> None:
    run(
        world,
        "EXECUTE JOB SERVICE IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='job.yaml' NAME=j ASYNC=TRUE",
    )
    err = error(world, "DROP COMPUTE POOL spcs_pool")
    assert (err.code, err.sql_state) == ("002031", "55000")
    assert "STOP ALL" in err.message
    run(world, "ALTER COMPUTE POOL spcs_pool STOP ALL")
    assert error(world, "DESCRIBE SERVICE echo_service").code == "002003"
    assert [one(world, "DESCRIBE SERVICE j")["status"] for _ in range(2)] == ["CANCELLING", "CANCELLED"]
    assert run(world, "DROP COMPUTE POOL spcs_pool").rows == [["SPCS_POOL successfully dropped."]]
    assert error(world, "DESCRIBE COMPUTE POOL spcs_pool").code == "002003"
    assert run(world, "DROP COMPUTE POOL IF EXISTS spcs_pool").rows == [
        ["Drop statement executed successfully (SPCS_POOL already dropped)."]
    ]


def test_set_unset_and_resizing(world: World) -> None:
    run(world, "ALTER COMPUTE POOL spcs_pool SET MAX_NODES = 3, COMMENT = 'bigger' AUTO_SUSPEND_SECS = 120 TAG t = 'v'")
    row = one(world, "DESCRIBE COMPUTE POOL spcs_pool")
    assert (row["state"], row["max_nodes"], row["comment"], row["auto_suspend_secs"]) == ("RESIZING", 3, "bigger", 120)
    assert state(world, "spcs_pool") == "ACTIVE"
    run(world, "ALTER COMPUTE POOL spcs_pool UNSET COMMENT, AUTO_SUSPEND_SECS")
    row = one(world, "DESCRIBE COMPUTE POOL spcs_pool")
    assert (row["comment"], row["auto_suspend_secs"]) == (None, 3600)


def test_failing_start_shows_error_code(world: World) -> None:
    pool = world.compute_pools.get("SPCS_POOL")
    assert pool is not None
    pool.fail_to_start("392507", "Compute pool cannot acquire nodes: insufficient capacity.")
    row = one(world, "SHOW COMPUTE POOLS")
    assert (row["state"], row["error_code"], row["status_message"]) == (
        "STARTING",
        "392507",
        "Compute pool cannot acquire nodes: insufficient capacity.",
    )


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("CREATE COMPUTE POOL p MIN_NODES=1 MAX_NODES=1", "002029"),
        ("CREATE COMPUTE POOL p MIN_NODES=2 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS", "002029"),
        ("CREATE COMPUTE POOL p MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=TINY", "002029"),
        ("CREATE COMPUTE POOL p MIN_NODES=1 MIN_NODES=1", "001003"),
        ("ALTER COMPUTE POOL nope SUSPEND", "002003"),
        ("ALTER COMPUTE POOL spcs_pool RESTART", "001003"),
        ("ALTER COMPUTE POOL spcs_pool UNSET MIN_NODES", "001003"),
        ("ALTER COMPUTE POOL spcs_pool SET MIN_NODES = 4", "002029"),
        ("DESCRIBE COMPUTE POOL nope", "002003"),
    ],
)
def test_errors(world: World, sql: str, code: str) -> None:
    assert error(world, sql).code == code


def test_alter_if_exists_on_a_missing_pool(world: World) -> None:
    assert run(world, "ALTER COMPUTE POOL IF EXISTS nope STOP ALL").rows == [["Statement executed successfully."]]
