"""Token lifecycle over real sockets: one exchange per (account, user, role, host), renewal at expiry,
single flight across threads and asyncio tasks, one re-auth on 401."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.errors import SpcsAuthError
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook


def test_fifty_calls_one_exchange(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair")
    url = spcs.ingress_url()
    for _ in range(50):
        hook.request("GET", f"{url}/n")
    stats = spcs.stats()
    assert stats["exchanges"] == 1
    assert stats["requests"]["ingress"] == 50


def test_hooks_share_the_process_cache(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    url = spcs.ingress_url()
    for _ in range(3):
        make_hook("key_pair").request("GET", url)
    assert spcs.stats()["exchanges"] == 1


def test_jwt_signed_once_for_many_statements(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair")
    first = hook.get_runner().token("sql")
    for _ in range(5):
        hook.get_service_status("ECHO_SERVICE")
    assert hook.get_runner().token("sql") is first


def test_new_exchange_after_expiry(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    spcs.token_lifetime = 1.5
    hook = make_hook("key_pair")
    url = spcs.ingress_url()
    hook.request("GET", url)
    hook.request("GET", url)
    assert spcs.stats()["exchanges"] == 1
    time.sleep(1.6)
    hook.request("GET", url)
    assert spcs.stats()["exchanges"] == 2


def test_a_different_role_is_a_different_token(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    url = spcs.ingress_url()
    make_hook("key_pair").request("GET", url)
    make_hook("key_pair", role="PUBLIC").request("GET", url, raise_for_status=False)
    assert spcs.stats()["exchanges"] == 2


def test_threads_and_tasks_share_one_exchange(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    spcs.inject("oauth_token", latency=0.3)  # keep the first exchange in flight while others arrive
    hook = make_hook("key_pair")
    url = spcs.ingress_url()
    statuses: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            statuses.append(hook.request("GET", url).status_code)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    async def tasks() -> list[int]:
        responses = await asyncio.gather(*(hook.arequest("GET", url) for _ in range(10)))
        return [r.status_code for r in responses]

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    async_statuses = asyncio.run(tasks())
    for t in threads:
        t.join()
    assert not errors
    assert statuses == [200] * 10
    assert async_statuses == [200] * 10
    assert spcs.stats()["exchanges"] == 1


async def test_two_event_loops_one_hook(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    url = spcs.ingress_url()
    assert (await hook.arequest("GET", url)).status_code == 200

    def other_loop() -> int:
        return asyncio.run(hook.arequest("GET", url)).status_code

    assert await asyncio.to_thread(other_loop) == 200
    assert (await hook.arequest("GET", url)).status_code == 200


def test_401_reauthenticates_once(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair")
    url = spcs.ingress_url()
    hook.request("GET", url)
    spcs.inject("ingress", status=401, count=1)
    assert hook.request("GET", url).status_code == 200
    stats = spcs.stats()
    assert stats["exchanges"] == 2  # the refused token was dropped and exchanged anew
    assert stats["requests"]["ingress"] == 3


def test_second_401_is_an_auth_error(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair")
    spcs.inject("ingress", status=401, count=2)
    with pytest.raises(SpcsAuthError) as info:
        hook.request("GET", spcs.ingress_url())
    assert info.value.status_code == 401
    assert spcs.stats()["requests"]["ingress"] == 2


async def test_async_401_reauthenticates_once(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("password")
    url = spcs.ingress_url()
    spcs.inject("ingress", status=401, count=1)
    assert (await hook.arequest("GET", url)).status_code == 200
    assert spcs.stats()["logins"] == 2


def test_sql_api_401_reauthenticates(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("oauth")
    hook.get_service_status("ECHO_SERVICE")
    spcs.inject("sql_api", status=401, count=1)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert spcs.stats()["requests"]["oauth_server"] == 2


def test_invalid_pat_is_an_auth_error(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat", token="not-a-valid-pat-value")
    with pytest.raises(SpcsAuthError):
        hook.request("GET", spcs.ingress_url())
    with pytest.raises(SpcsAuthError):
        hook.run_sql("SELECT 1")
