"""Small helpers shared by the emulator tests (imported as a plain module): a hand-driven clock
and request helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import BaseService

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

MakeJwt = Callable[..., str]
"""The ``make_jwt`` fixture: builds a key-pair JWT for the default user; keywords override parts."""

T0 = 1_732_910_000.25  # 2024-11-29 19:53:20.250 UTC

WEB_SPEC = """spec:
  containers:
  - name: web
    image: /spcs_db/app/images/web:{tag}
  endpoints:
  - name: api
    port: 8000
    public: true
"""
"""A one-container service spec with a public endpoint ``api``; ``.format(tag=...)`` picks the image tag."""


class FakeClock:
    """A hand-driven world clock starting at :data:`T0`."""

    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def polls(service: BaseService, n: int) -> list[str]:
    """The statuses ``n`` polls of ``service`` observe."""
    return [service.poll() for _ in range(n)]


def ingress_host(emu: SpcsEmulator, service: str = "ECHO_SERVICE", endpoint: str = "echo") -> str:
    """``127.0.0.1:<port>`` of an endpoint (the scope host for /oauth/token)."""
    return emu.ingress_url(service, endpoint).removeprefix("http://")


def exchange(client: httpx.Client, emu: SpcsEmulator, assertion: str, scope: str | None = None) -> httpx.Response:
    """POST /oauth/token with the jwt-bearer grant."""
    data = {"grant_type": JWT_BEARER, "assertion": assertion, "scope": scope or ingress_host(emu)}
    return client.post(f"{emu.account_url}/oauth/token", data=data)


def snowflake_token(token: str) -> dict[str, str]:
    """The ingress Authorization header for ``token``."""
    return {"Authorization": f'Snowflake Token="{token}"'}


def sql_headers(token: str, token_type: str | None = None) -> dict[str, str]:
    """SQL API v2 request headers for a bearer ``token``."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": "emulator-tests/1.0"}
    if token_type:
        headers["X-Snowflake-Authorization-Token-Type"] = token_type
    return headers


def query_rows(client: httpx.Client, account_url: str, token: str, statement: str) -> list[dict[str, str | None]]:
    """Run ``statement`` on the SQL API with a bearer ``token``; its rows as dicts by column name."""
    reply = client.post(f"{account_url}/api/v2/statements", json={"statement": statement}, headers=sql_headers(token))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    names = [column["name"] for column in body["resultSetMetaData"]["rowType"]]
    return [dict(zip(names, row, strict=True)) for row in body["data"]]


def post_sql(client: httpx.Client, emu: SpcsEmulator, statement: str, *, status: int = 200) -> dict[str, Any]:
    """POST one statement to the SQL API as the default user (PAT); check the HTTP status."""
    reply = client.post(
        f"{emu.account_url}/api/v2/statements", json={"statement": statement}, headers=sql_headers(emu.pat)
    )
    assert reply.status_code == status, reply.text
    body: dict[str, Any] = reply.json()
    return body


def sql_rows(body: dict[str, Any]) -> list[dict[str, str | None]]:
    """A SQL API result's rows keyed by column name (cells as the wire sends them: strings)."""
    names = [column["name"] for column in body["resultSetMetaData"]["rowType"]]
    return [dict(zip(names, row, strict=True)) for row in body["data"]]


def sql_row(client: httpx.Client, emu: SpcsEmulator, statement: str) -> dict[str, str | None]:
    """The single row a statement gives."""
    [row] = sql_rows(post_sql(client, emu, statement))
    return row
