"""Hooks in one process share connection settings (one read per TTL), runners and the HTTP pool,
over real sockets; a changed connection is picked up at once; a hook closes only what it owns."""

from __future__ import annotations

import asyncio
import gc
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.connections import SharedConnections
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.pytest_plugin import ConnFactory


def test_many_hooks_one_read_one_runner(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory, process: ProcessState
) -> None:
    conn_id = spcs_conn_factory("key_pair", conn_id="spcs_shared")
    process.keys.clear()  # parsed keys outlive a reset (they cannot go stale): count this test's own
    reads, parses = process.connections.reads, process.keys.parses
    hooks = [SpcsHook(conn_id) for _ in range(20)]
    for hook in hooks:
        assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert process.connections.reads - reads == 1
    assert process.keys.parses - parses == 1
    assert len({id(h.get_config()) for h in hooks}) == 1
    assert len({id(h.get_runner()) for h in hooks}) == 1
    # other settings that matter (timeout) get their own runner, the same settings
    other = SpcsHook(conn_id, timeout=5.0)
    assert other.get_config() is hooks[0].get_config()
    assert other.get_runner() is not hooks[0].get_runner()


async def test_concurrent_async_hooks_share_one_read_and_one_client(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory, process: ProcessState
) -> None:
    conn_id = spcs_conn_factory("key_pair", conn_id="spcs_shared_async")
    reads, created = process.connections.reads, process.clients.created
    hooks = [SpcsHook(conn_id) for _ in range(50)]
    statuses = await asyncio.gather(*(h.aget_service_status("ECHO_SERVICE") for h in hooks))
    assert statuses == ["RUNNING"] * 50
    assert process.connections.reads - reads == 1
    assert process.clients.created - created == 1  # this loop's shared client
    assert spcs.stats()["requests"]["sql_api"] == 50
    client = process.clients.aclient()
    for hook in hooks:
        await hook.aclose()
    assert not client.is_closed, "a hook must not close the shared pool"
    assert await hooks[0].aget_service_status("ECHO_SERVICE") == "RUNNING"


def test_loop_shutdown_closes_the_shared_client_quietly(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory, process: ProcessState
) -> None:
    conn_id = spcs_conn_factory("pat", conn_id="spcs_shared_loop")
    url = spcs.ingress_url()
    clients = []

    async def main() -> None:
        hook = SpcsHook(conn_id)
        await hook.arequest("GET", url)
        clients.append(process.clients.aclient())
        await hook.aclose()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    assert clients[0].is_closed
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [str(w.message) for w in caught]


def test_a_changed_connection_is_picked_up_at_once(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = spcs_conn_factory("pat", conn_id="spcs_shared_change")
    first = SpcsHook(conn_id).get_config()
    assert SpcsHook(conn_id).get_config() is first
    spcs_conn_factory("pat", conn_id="spcs_shared_change", role="PUBLIC")
    second = SpcsHook(conn_id).get_config()
    assert second.role == "PUBLIC"
    assert second is not first


def test_same_content_after_ttl_keeps_settings_and_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    process = ProcessState(connections=SharedConnections(ttl=60.0, clock=lambda: now[0]))
    conn = {"conn_type": "snowflake_spcs", "login": "u", "extra": {"account": "a", "token": "the-pat-value"}}
    monkeypatch.setenv("AIRFLOW_CONN_SPCS_TTL", json.dumps(conn))
    first = SpcsHook("spcs_ttl", process=process)
    config, runner = first.get_config(), first.get_runner()
    now[0] = 59.0
    assert SpcsHook("spcs_ttl", process=process).get_config() is config
    assert process.connections.reads == 1
    now[0] = 61.0  # expired: read again; same content keeps the same settings object, and its runner
    again = SpcsHook("spcs_ttl", process=process)
    assert again.get_config() is config
    assert again.get_runner() is runner
    assert process.connections.reads == 2


def test_failed_reads_are_not_cached(monkeypatch: pytest.MonkeyPatch, process: ProcessState) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SPCS_BROKEN", json.dumps({"conn_type": "snowflake_spcs", "login": "u"}))
    reads = process.connections.reads
    for _ in range(2):
        with pytest.raises(SpcsConfigError):
            SpcsHook("spcs_broken").get_config()
    assert process.connections.reads - reads == 2


def test_token_file_is_read_for_every_session(
    spcs: SpcsEmulator, spcs_conn_factory: ConnFactory, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    spcs.write_session_token_file(token_file)
    conn_id = spcs_conn_factory("spcs_token", conn_id="spcs_shared_file", token_file=str(token_file))
    SpcsHook(conn_id).run_sql("SELECT 1")
    token_file.write_text("garbage-token-not-accepted")
    with pytest.raises(Exception):  # noqa: B017,PT011 - any refusal proves the file was read again
        SpcsHook(conn_id).run_sql("SELECT 1")


async def test_many_concurrent_requests_one_exchange(spcs: SpcsEmulator, spcs_conn_factory: ConnFactory) -> None:
    conn_id = spcs_conn_factory("key_pair", conn_id="spcs_shared_many")
    url = spcs.ingress_url()
    hooks = [SpcsHook(conn_id) for _ in range(300)]
    responses = await asyncio.wait_for(asyncio.gather(*(h.arequest("GET", f"{url}/s") for h in hooks)), 60)
    assert all(r.status_code == 200 for r in responses)
    assert spcs.stats()["exchanges"] == 1
    assert spcs.stats()["requests"]["ingress"] == 300
