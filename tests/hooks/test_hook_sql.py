"""Status SQL through the hook: typed errors, 202 polling, partitions, containers, endpoints, ingress URL."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsNotReadyError, SpcsSqlError
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook


@pytest.mark.parametrize("method", ["pat", "password"])
def test_syntax_error_is_a_typed_sql_error(spcs: SpcsEmulator, make_hook: MakeHook, method: str) -> None:
    with pytest.raises(SpcsSqlError) as info:
        make_hook(method).run_sql("FROBNICATE THE DATABASE")
    assert info.value.code == "001003"
    assert info.value.sql_state == "42000"
    assert "syntax error" in str(info.value)


@pytest.mark.parametrize("method", ["key_pair", "password"])
def test_missing_service(spcs: SpcsEmulator, make_hook: MakeHook, method: str) -> None:
    with pytest.raises(SpcsSqlError) as info:
        make_hook(method).describe_service("NO_SUCH_SERVICE")
    assert info.value.code == "002003"
    assert "does not exist or not authorized" in str(info.value)


def test_rows_are_typed_and_keyed_by_lowercase_name(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    row = make_hook("pat").describe_service("ECHO_SERVICE")
    connector_row = make_hook("password").describe_service("ECHO_SERVICE")
    assert set(row) == set(connector_row)
    assert row["database_name"] == "SPCS_DB"
    assert isinstance(row["created_on"], dt.datetime)
    assert row["is_job"] is False
    assert row["current_instances"] == connector_row["current_instances"] == 1


def test_partitions_are_all_fetched(spcs: SpcsEmulator, make_hook: MakeHook, monkeypatch: pytest.MonkeyPatch) -> None:
    spcs.add_service("MANY", containers=("a", "b", "c", "d", "e"))
    monkeypatch.setattr(spcs.settings, "rows_per_partition", 2)
    hook = make_hook("pat")
    containers = hook.get_service_containers("MANY")
    assert sorted(c["container_name"] for c in containers) == ["a", "b", "c", "d", "e"]
    assert spcs.stats()["requests"]["sql_api"] == 3  # POST with partition 0, then GETs for 1 and 2


def test_running_statement_is_polled(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair")
    rows = hook.run_sql(
        "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL NAME = POLLED_JOB "
        "FROM @SPCS_DB.APP.SPECS SPECIFICATION_FILE = 'job.yaml'"
    )
    assert rows
    assert spcs.stats()["requests"]["sql_api"] >= 2
    assert hook.get_service_status("POLLED_JOB") == "DONE"


async def test_async_polling_and_errors(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    await hook.arun_sql(
        "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL NAME = APOLLED FROM @SPCS_DB.APP.SPECS SPECIFICATION_FILE = 'job.yaml'"
    )
    assert await hook.aget_service_status("APOLLED") == "DONE"
    with pytest.raises(SpcsSqlError):
        await hook.arun_sql("NOT SQL")


def test_endpoints_and_ingress_url(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    endpoints = hook.get_service_endpoints("ECHO_SERVICE")
    assert [e["name"] for e in endpoints] == ["echo"]
    assert hook.get_ingress_url("ECHO_SERVICE", "ECHO") == spcs.ingress_url()


async def test_ingress_url_not_ready_then_ready(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    spcs.add_service("SLOW_EP", provision_after_polls=2)
    hook = make_hook("pat")
    with pytest.raises(SpcsNotReadyError, match="provisioning"):
        hook.get_ingress_url("SLOW_EP", "echo")
    url = None
    for _ in range(5):
        try:
            url = await hook.aget_ingress_url("SLOW_EP", "echo")
            break
        except SpcsNotReadyError:
            continue
    assert url is not None
    assert url.startswith("http://127.0.0.1:")
    assert (await hook.arequest("GET", url)).status_code == 200


def test_unknown_and_private_endpoints(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    spcs.add_service("PRIV", endpoints=(("internal", False),))
    hook = make_hook("pat")
    with pytest.raises(SpcsConfigError, match="no endpoint 'nope'"):
        hook.get_ingress_url("ECHO_SERVICE", "nope")
    with pytest.raises(SpcsConfigError, match="not public"):
        hook.get_ingress_url("PRIV", "internal")


def test_containers_async(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    import asyncio

    hook = make_hook("oauth")
    containers = asyncio.run(hook.aget_service_containers("ECHO_SERVICE"))
    assert containers[0]["service_name"] == "ECHO_SERVICE"
    assert asyncio.run(hook.aget_service_endpoints("ECHO_SERVICE"))[0]["name"] == "echo"


async def test_password_statements_reuse_one_login(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("password")
    for _ in range(3):
        assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert await hook.aget_service_status("ECHO_SERVICE") == "RUNNING"
    assert spcs.stats()["logins"] == 1
    await hook.aclose()
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"  # logs in again after close
    assert spcs.stats()["logins"] == 2


def test_connector_session_lost_logs_in_again(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("password")
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    with spcs.state.lock:
        spcs.state.sessions.clear()  # the server forgot every session (expiry, restart)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert spcs.stats()["logins"] == 2
