"""What the SQL engine tests share (imported as a plain module): worlds, runners, expected columns."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from emu_helpers import FakeClock

from airflow_provider_spcs.testing.default_world import add_default_service, load_default_world
from airflow_provider_spcs.testing.model import World
from airflow_provider_spcs.testing.sql import Cell, Pending, ResultSet, SqlError, execute

STAGE = "@SPCS_DB.APP.SPECS"

# Column lists copied from the protocol reference, sections 7.1-7.6 (not from the code under test).
SHOW_SERVICES = [
    "name", "status", "database_name", "schema_name", "owner", "compute_pool", "dns_name",
    "current_instances", "target_instances", "min_ready_instances", "min_instances", "max_instances",
    "auto_resume", "external_access_integrations", "created_on", "updated_on", "resumed_on",
    "suspended_on", "auto_suspend_secs", "comment", "owner_role_type", "query_warehouse", "is_job",
    "is_async_job", "spec_digest", "is_upgrading", "managing_object_domain", "managing_object_name",
]  # fmt: skip
DESCRIBE = [*SHOW_SERVICES[:6], "spec", *SHOW_SERVICES[6:]]
CONTAINERS = [
    "database_name", "schema_name", "service_name", "service_status", "instance_id", "instance_status",
    "container_name", "status", "message", "image_name", "image_digest", "restart_count", "start_time",
    "last_exit_code", "last_restart_time",
]  # fmt: skip
INSTANCES = [
    "database_name", "schema_name", "service_name", "service_status", "instance_id", "status",
    "spec_digest", "creation_time", "start_time", "ip_address",
]  # fmt: skip
ENDPOINTS = ["name", "port", "port_range", "protocol", "is_public", "ingress_url"]

T0_LTZ = dt.datetime(2024, 11, 29, 19, 53, 20, 250000, tzinfo=dt.UTC)
ISO_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def is_show_timestamp(value: Any) -> bool:
    """A TIMESTAMP_LTZ cell as SHOW reports it: UTC, whole milliseconds."""
    return isinstance(value, dt.datetime) and value.tzinfo is dt.UTC and value.microsecond % 1000 == 0


def text(value: Cell) -> str:
    """A TEXT cell's value; anything else (NULL included) fails the test."""
    assert isinstance(value, str), value
    return value


def echo_world(clock: FakeClock) -> World:
    """A world with a RUNNING ``ECHO_SERVICE`` (one container ``echo``) on ``clock``."""
    world = World(clock=clock)
    world.add_service("ECHO_SERVICE", containers=("echo",))
    return world


def job_world() -> World:
    """A world (wall clock) with pool ``SPCS_POOL`` and job specs ``job.yaml`` (DONE after two polls)
    and ``failing_job.yaml`` (FAILED after one) on ``@SPCS_DB.APP.SPECS``."""
    world = World()
    world.add_compute_pool("SPCS_POOL")
    world.add_job_spec(STAGE, "job.yaml", run_polls=2, logs=["starting", "step 1", "done"])
    world.add_job_spec(STAGE, "failing_job.yaml", outcome="FAILED", run_polls=1, exit_code=1, logs=["oops"])
    return world


def submit(world: World, sql: str, role: str = "SPCS_ROLE", **kwargs: str) -> ResultSet | Pending:
    return execute(world, sql, user="spcs_user", role=role, **kwargs)


def run(world: World, sql: str, role: str = "SPCS_ROLE", **kwargs: str) -> ResultSet:
    result = execute(world, sql, user="spcs_user", role=role, **kwargs)
    assert isinstance(result, ResultSet)
    return result


def names(result: ResultSet) -> list[str]:
    return [c.name for c in result.columns]


def error(world: World, sql: str, role: str = "SPCS_ROLE") -> SqlError:
    with pytest.raises(SqlError) as info:
        execute(world, sql, user="spcs_user", role=role)
    return info.value


POOLS = [
    "name", "state", "min_nodes", "max_nodes", "instance_family", "num_services", "num_jobs",
    "auto_suspend_secs", "auto_resume", "active_nodes", "idle_nodes", "target_nodes", "created_on",
    "resumed_on", "updated_on", "owner", "comment", "is_exclusive", "application", "budget",
    "error_code", "status_message",
]  # fmt: skip
DESCRIBE_SECRET = [
    "created_on", "name", "schema_name", "database_name", "owner", "comment", "secret_type", "username",
    "oauth_access_token_expiry_time", "oauth_refresh_token_expiry_time", "oauth_scopes", "integration_name",
]  # fmt: skip
SHOW_SECRETS = [
    "created_on", "name", "schema_name", "database_name", "owner", "comment", "secret_type", "oauth_scopes",
    "owner_role_type",
]  # fmt: skip


def default_world(clock: FakeClock) -> World:
    """The emulator's default world (pool, stage files, ECHO_SERVICE) on ``clock``, without a server."""
    world = World(clock=clock)
    load_default_world(world)
    add_default_service(world)
    return world


def one(world: World, sql: str, role: str = "SPCS_ROLE") -> dict[str, Cell]:
    """The single row of ``sql``, keyed by column."""
    [row] = run(world, sql, role).dicts()
    return row
