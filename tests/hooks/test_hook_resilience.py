"""Retries over real sockets: 429/503/504 and dropped connections are retried a bounded number of
times with backoff; other errors fail at once with a typed error."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.errors import SpcsApiError, SpcsTokenExchangeError
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.testing import SpcsEmulator

if TYPE_CHECKING:
    from tests.hooks.conftest import MakeHook


@pytest.mark.parametrize("status", [429, 503, 504])
def test_sql_api_transient_statuses_are_retried(spcs: SpcsEmulator, make_hook: MakeHook, status: int) -> None:
    hook = make_hook("pat")
    spcs.inject("sql_api", status=status, count=2)
    assert hook.get_service_status("ECHO_SERVICE") == "RUNNING"
    assert spcs.stats()["requests"]["sql_api"] == 3
    assert spcs.stats()["sql_statements"] == 1


def test_retries_are_bounded(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat", policy=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02))
    spcs.inject("sql_api", status=429, count=10)
    with pytest.raises(SpcsApiError) as info:
        hook.run_sql("SELECT 1")
    assert info.value.status_code == 429
    assert info.value.retryable
    assert info.value.code == "390505"
    assert spcs.stats()["requests"]["sql_api"] == 3


def test_retry_after_is_honoured(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    spcs.inject("sql_api", status=503, count=1, retry_after=1)
    started = time.monotonic()
    hook.run_sql("SELECT 1")
    assert time.monotonic() - started >= 0.9


def test_dropped_connection_is_retried(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair")
    spcs.inject("sql_api", drop=True, count=1)
    assert hook.run_sql("SELECT 1")
    assert spcs.stats()["sql_statements"] == 1


def test_ingress_get_retried_on_503(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    spcs.inject("ingress", status=503, count=2)
    assert hook.request("GET", spcs.ingress_url()).status_code == 200
    assert spcs.stats()["requests"]["ingress"] == 3


def test_ingress_post_not_retried_on_503(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    spcs.inject("ingress", status=503, count=1)
    with pytest.raises(SpcsApiError) as info:
        hook.request("POST", spcs.ingress_url(), json={})
    assert info.value.status_code == 503
    assert spcs.stats()["requests"]["ingress"] == 1


async def test_async_ingress_get_retried_on_429(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    spcs.inject("ingress", status=429, count=1)
    assert (await hook.arequest("GET", spcs.ingress_url())).status_code == 200
    assert spcs.stats()["requests"]["ingress"] == 2


async def test_ingress_post_retried_on_429_only_when_the_policy_allows(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    spcs.inject("ingress", status=429, count=1)
    with pytest.raises(SpcsApiError) as info:
        await hook.arequest("POST", spcs.ingress_url(), json={"a": 1})
    assert (info.value.status_code, info.value.retryable) == (429, True)
    assert spcs.stats()["requests"]["ingress"] == 1  # a POST may have run: not sent again
    opted_in = make_hook("pat", policy=RetryPolicy(base_delay=0.01, max_delay=0.02, retry_non_idempotent=True))
    spcs.inject("ingress", status=503, count=1)
    assert (await opted_in.arequest("POST", spcs.ingress_url(), json={"a": 1})).status_code == 200
    assert spcs.stats()["requests"]["ingress"] == 3


def test_exchange_endpoint_retried_then_typed_error(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("key_pair", policy=RetryPolicy(max_attempts=2, base_delay=0.01))
    spcs.inject("oauth_token", status=503, count=1)
    assert hook.request("GET", spcs.ingress_url()).status_code == 200
    spcs.inject("oauth_token", status=400, count=1)
    other = make_hook("key_pair", role="PUBLIC")
    with pytest.raises(SpcsTokenExchangeError) as info:
        other.request("GET", spcs.ingress_url())
    assert info.value.status_code == 400


def test_raise_for_status_false_returns_the_response(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat")
    spcs.service("ECHO_SERVICE").set_status("SUSPENDED")
    response = hook.request("GET", spcs.ingress_url(), raise_for_status=False)
    assert response.status_code == 503
    with pytest.raises(SpcsApiError) as info:
        hook.request("PUT", spcs.ingress_url(), content=b"x")
    assert info.value.status_code == 503


def test_every_request_has_a_timeout(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat", policy=RetryPolicy(max_attempts=1))
    spcs.inject("ingress", latency=1.0, count=1)
    with pytest.raises(SpcsApiError, match="ReadTimeout"):
        hook.request("GET", spcs.ingress_url(), timeout=0.2)


@pytest.mark.parametrize("route", ["ingress", "sql_api"])
def test_a_retry_after_beyond_the_calls_budget_fails_at_once(
    spcs: SpcsEmulator, make_hook: MakeHook, route: str
) -> None:
    hook = make_hook("pat")
    spcs.inject(route, status=429, count=5, retry_after=100000)
    call = (
        (lambda: hook.request("GET", spcs.ingress_url())) if route == "ingress" else (lambda: hook.run_sql("SELECT 1"))
    )
    with pytest.raises(SpcsApiError, match="retry after 100000 s") as info:
        call()
    assert (info.value.status_code, info.value.retryable) == (429, True)
    assert spcs.stats()["requests"][route] == 1  # no sleeping, no second try


def test_the_calls_timeout_bounds_every_try(spcs: SpcsEmulator, make_hook: MakeHook) -> None:
    hook = make_hook("pat", policy=RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.01))
    spcs.inject("ingress", latency=3.0, count=5)
    with pytest.raises(SpcsApiError, match="ReadTimeout") as info:
        hook.request("GET", spcs.ingress_url(), timeout=0.5)
    assert info.value.retryable
    # The first try used the whole 0.5 s: no time was left for the four more the policy allows.
    assert spcs.stats()["requests"]["ingress"] == 1
