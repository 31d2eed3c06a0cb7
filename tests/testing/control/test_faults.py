"""Fault injection per route, counters, and the /_emulator admin API."""

from __future__ import annotations

import time

import httpx
import pytest
from emu_helpers import snowflake_token, sql_headers

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.control.faults import FaultInjector


def _select(client: httpx.Client, emu: SpcsEmulator) -> httpx.Response:
    return client.post(
        f"{emu.account_url}/api/v2/statements", json={"statement": "SELECT 1"}, headers=sql_headers(emu.pat)
    )


def test_next_n_requests_get_429_then_success(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.inject("sql_api", status=429, count=2)
    replies = [_select(client, spcs) for _ in range(3)]
    assert [r.status_code for r in replies] == [429, 429, 200]
    assert replies[0].json() == {"code": "390505", "message": "Too many requests."}
    assert "retry-after" not in replies[0].headers
    stats = spcs.stats()
    assert stats["requests"]["sql_api"] == 3
    assert stats["sql_statements"] == 1


@pytest.mark.parametrize("status", [503, 504])
def test_ingress_5xx_with_retry_after(spcs: SpcsEmulator, client: httpx.Client, status: int) -> None:
    spcs.inject("ingress", status=status, retry_after=2)
    failed = client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat))
    assert failed.status_code == status
    assert failed.headers["retry-after"] == "2"
    assert client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)).status_code == 200


def test_latency(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.inject("ingress", latency=0.3)
    started = time.monotonic()
    assert client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat))
    assert time.monotonic() - started < 0.3


def test_dropped_connection(spcs: SpcsEmulator) -> None:
    spcs.inject("oauth_token", drop=True)
    with httpx.Client(timeout=5) as fresh, pytest.raises(httpx.TransportError):
        fresh.post(f"{spcs.account_url}/oauth/token", data={"grant_type": "x"})
    with httpx.Client(timeout=5) as fresh:
        assert fresh.post(f"{spcs.account_url}/oauth/token", data={"grant_type": "x"}).status_code == 400
    assert spcs.stats()["requests"]["oauth_token"] == 2


def test_faults_are_per_route_and_clearable(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.inject("login", status=503, count=5)
    assert _select(client, spcs).status_code == 200
    login = client.post(f"{spcs.account_url}/session/v1/login-request", json={"data": {}})
    assert login.status_code == 503
    spcs.clear_faults()
    assert client.post(f"{spcs.account_url}/session/v1/login-request", json={"data": {}}).status_code == 200
    with pytest.raises(ValueError, match="unknown route"):
        spcs.inject("nowhere", status=500)


def test_admin_api(spcs: SpcsEmulator, client: httpx.Client) -> None:
    _select(client, spcs)
    stats = client.get(f"{spcs.account_url}/_emulator/stats").json()
    assert stats["requests"]["sql_api"] == 1
    assert stats["sql_statements"] == 1
    assert client.post(f"{spcs.account_url}/_emulator/reset_stats").status_code == 200
    assert spcs.stats()["sql_statements"] == 0
    injected = client.post(f"{spcs.account_url}/_emulator/inject", json={"route": "sql_api", "status": 503})
    assert injected.status_code == 200
    assert _select(client, spcs).status_code == 503
    assert client.post(f"{spcs.account_url}/_emulator/inject", json={"route": "bogus"}).status_code == 400
    client.post(f"{spcs.account_url}/_emulator/inject", json={"route": "sql_api", "status": 503})
    client.post(f"{spcs.account_url}/_emulator/clear_faults")
    assert _select(client, spcs).status_code == 200
    info = client.get(f"{spcs.account_url}/_emulator/info").json()
    assert info["account"] == "myorg-myacct"
    (echo,) = [s for s in info["services"] if s["name"].endswith(".ECHO_SERVICE")]
    assert echo["endpoints"][0]["ingress_url"] == spcs.ingress_url()


def test_reset_stats(spcs: SpcsEmulator, client: httpx.Client) -> None:
    _select(client, spcs)
    spcs.reset_stats()
    assert spcs.stats() == {
        "requests": {},
        "jwts_verified": 0,
        "tokens_minted": 0,
        "exchanges": 0,
        "sql_statements": 0,
        "logins": 0,
    }


def test_unknown_account_path_is_json_404(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.get(f"{spcs.account_url}/nothing/here")
    assert reply.status_code == 404
    assert reply.json()["code"] == "390404"


def test_fault_injector_consumes_in_order() -> None:
    faults = FaultInjector()
    faults.inject("ingress", status=429, count=2)
    faults.inject("ingress", status=503)
    taken = [faults.take("ingress") for _ in range(4)]
    assert [f.status if f else None for f in taken] == [429, 429, 503, None]
    with pytest.raises(ValueError, match="count"):
        faults.inject("ingress", count=0)
