"""Hooks in one process share connection settings (one read per TTL), runners and the HTTP pool,
over real sockets; a changed connection is picked up at once; a hook closes only what it owns."""

from __future__ import annotations

import asyncio
import gc
import json
import warnings
from pathlib import Path

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.runner import POOL
from airflow_provider_spcs.hooks._shared import SHARED, SharedConnections
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator


def test_many_hooks_one_read_one_runner(spcs: SpcsEmulator, spcs_conn_factory) -> None:
    conn_id = spcs_conn_factory("key_pair", conn_id="spcs_shared")
    reads = SHARED.reads
    hooks = [SpcsHook(conn_id) for _ in range(20)]
    for hook in hooks:
        assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert SHARED.reads - reads == 1
    assert len({id(h.get_config()) for h in hooks}) == 1
    assert len({id(h.get_runner()) for h in hooks}) == 1
    # other settings that matter (timeout) get their own runner, the same settings
    other = SpcsHook(conn_id, timeout=5.0)
    assert other.get_config() is hooks[0].get_config()
    assert other.get_runner() is not hooks[0].get_runner()


async def test_concurrent_async_hooks_share_one_read_and_one_client(spcs: SpcsEmulator, spcs_conn_factory) -> None:
    conn_id = spcs_conn_factory("key_pair", conn_id="spcs_shared_async")
    reads, created = SHARED.reads, POOL.created
    hooks = [SpcsHook(conn_id) for _ in range(50)]
    statuses = await asyncio.gather(*(h.aget_service_status("ECHO_SERVICE") for h in hooks))
    assert statuses == ["RUNNING"] * 50
    assert SHARED.reads - reads == 1
    assert POOL.created - created <= 1  # this loop's shared client (none if an earlier test built it)
    assert spcs.stats()["requests"]["sql_api"] == 50
    client = POOL.aclient()
    for hook in hooks:
        await hook.aclose()
    assert not client.is_closed, "a hook must not close the shared pool"
    assert await hooks[0].aget_service_status("ECHO_SERVICE") == "RUNNING"


def test_loop_shutdown_closes_the_shared_client_quietly(spcs: SpcsEmulator, spcs_conn_factory) -> None:
    conn_id = spcs_conn_factory("pat", conn_id="spcs_shared_loop")
    url = spcs.ingress_url()
    clients = []

    async def main() -> None:
        hook = SpcsHook(conn_id)
        await hook.arequest("GET", url)
        clients.append(POOL.aclient())
        await hook.aclose()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    assert clients[0].is_closed
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [str(w.message) for w in caught]


def test_a_changed_connection_is_picked_up_at_once(
    spcs: SpcsEmulator, spcs_conn_factory, monkeypatch: pytest.MonkeyPatch
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
    shared = SharedConnections(ttl=60.0, clock=lambda: now[0])
    conn = {"conn_type": "snowflake_spcs", "login": "u", "extra": {"account": "a", "token": "the-pat-value"}}
    monkeypatch.setenv("AIRFLOW_CONN_SPCS_TTL", json.dumps(conn))
    hook = SpcsHook("spcs_ttl")
    reads: list[int] = []

    def read() -> object:
        reads.append(1)
        return hook.get_connection("spcs_ttl")

    first = shared.get("spcs_ttl", read, SpcsHook._config_of)
    now[0] = 59.0
    assert shared.get("spcs_ttl", read, SpcsHook._config_of) is first
    assert len(reads) == 1
    now[0] = 61.0  # expired: read again; same content keeps the same settings object
    assert shared.get("spcs_ttl", read, SpcsHook._config_of) is first
    assert len(reads) == 2


def test_failed_reads_are_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SPCS_BROKEN", json.dumps({"conn_type": "snowflake_spcs", "login": "u"}))
    reads = SHARED.reads
    for _ in range(2):
        with pytest.raises(SpcsConfigError):
            SpcsHook("spcs_broken").get_config()
    assert SHARED.reads - reads == 2


def test_token_file_is_read_for_every_session(spcs: SpcsEmulator, spcs_conn_factory, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    spcs.write_session_token_file(token_file)
    conn_id = spcs_conn_factory("spcs_token", conn_id="spcs_shared_file", token_file=str(token_file))
    SpcsHook(conn_id).run_sql("SELECT 1")
    token_file.write_text("garbage-token-not-accepted")
    with pytest.raises(Exception):  # noqa: B017,PT011 - any refusal proves the file was read again
        SpcsHook(conn_id).run_sql("SELECT 1")


async def test_many_concurrent_requests_one_exchange(spcs: SpcsEmulator, spcs_conn_factory) -> None:
    conn_id = spcs_conn_factory("key_pair", conn_id="spcs_shared_many")
    url = spcs.ingress_url()
    hooks = [SpcsHook(conn_id) for _ in range(300)]
    responses = await asyncio.wait_for(asyncio.gather(*(h.arequest("GET", f"{url}/s") for h in hooks)), 60)
    assert all(r.status_code == 200 for r in responses)
    assert spcs.stats()["exchanges"] == 1
    assert spcs.stats()["requests"]["ingress"] == 300
