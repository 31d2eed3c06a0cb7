"""SpcsAuth and the SQL API client over httpx.MockTransport: header forms, 401/sign-in re-auth, the
shared flow driven by hand, requestId reuse, 202 polling and partitions."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable

import httpx
import pytest

from airflow_provider_spcs.core import sql_api
from airflow_provider_spcs.core.auth import SpcsAuth, is_sign_in_redirect
from airflow_provider_spcs.core.cache import TokenCache
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import SQL, credential_for
from airflow_provider_spcs.core.effects import GetToken
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsAuthError, SpcsConfigError, SpcsSqlError
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.tokens import Token

ACCOUNT_URL = "https://myorg-myacct.snowflakecomputing.com"
INGRESS = "https://abc-myorg-myacct.snowflakecomputing.app"
FAST = RetryPolicy(base_delay=0, max_delay=0, poll_initial=0, poll_max=0)
Handler = Callable[[httpx.Request], httpx.Response]


def _config(**extra: str) -> SpcsConfig:
    return SpcsConfig.from_connection(login="alice", password=None, extra={"account": "myorg-myacct", **extra}, env={})


def _runner(config: SpcsConfig, handler: Handler) -> Runner:
    return Runner(
        credential_for(config, policy=FAST),
        cache=TokenCache(),
        transport=httpx.MockTransport(handler),
        async_transport=httpx.MockTransport(handler),
    )


def test_flow_driven_by_hand() -> None:
    runner = _runner(_config(token="the-pat"), lambda r: httpx.Response(200))
    auth = SpcsAuth(runner)
    request = httpx.Request("GET", f"{INGRESS}/x")
    flow = auth.flow(request)
    need = next(flow)
    assert need == GetToken("ingress:abc-myorg-myacct.snowflakecomputing.app")
    first = Token("t1", float("inf"))
    sent = flow.send(first)
    assert sent.headers["Authorization"] == 'Snowflake Token="t1"'
    again = flow.send(httpx.Response(401, request=sent))
    assert again == GetToken(need.audience, reject=first)
    resent = flow.send(Token("t2", float("inf")))
    assert resent.headers["Authorization"] == 'Snowflake Token="t2"'
    with pytest.raises(StopIteration):
        flow.send(httpx.Response(200, request=resent))


def test_pat_headers_for_sql_and_ingress() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    runner = _runner(_config(token="the-pat"), handler)
    runner.client().get(f"{INGRESS}/a", auth=SpcsAuth(runner))
    runner.client().get(f"{ACCOUNT_URL}/api/v2/statements", auth=SpcsAuth(runner, SQL))
    assert seen[0].headers["Authorization"] == 'Snowflake Token="the-pat"'
    assert seen[1].headers["Authorization"] == "Bearer the-pat"
    assert seen[1].headers["X-Snowflake-Authorization-Token-Type"] == "PROGRAMMATIC_ACCESS_TOKEN"


def test_sign_in_redirect_is_an_auth_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": f"{ACCOUNT_URL}/console/login?returnUrl=x"})

    runner = _runner(_config(token="the-pat"), handler)
    with pytest.raises(SpcsAuthError, match="redirected to sign-in"):
        runner.client().get(f"{INGRESS}/a", auth=SpcsAuth(runner))


def test_ordinary_redirect_is_not_an_auth_error() -> None:
    request = httpx.Request("GET", f"{INGRESS}/a")
    assert not is_sign_in_redirect(httpx.Response(302, headers={"Location": "/b"}, request=request))
    assert is_sign_in_redirect(httpx.Response(302, headers={"Location": "https://app.snowflake.com/"}, request=request))


async def test_async_client_reauths_once_then_fails() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, text=f"exchanged-{len(calls)}")
        return httpx.Response(401, json={"code": "390303"})

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    runner = _runner(_config(private_key_content=pem.decode(), role="R"), handler)
    with pytest.raises(SpcsAuthError) as info:
        await runner.aclient().get(f"{INGRESS}/a", auth=SpcsAuth(runner))
    assert info.value.code == "390303"
    assert calls == ["/oauth/token", "/a", "/oauth/token", "/a"]
    await runner.aclose()


def test_http_non_loopback_refused() -> None:
    runner = _runner(_config(token="the-pat"), lambda r: httpx.Response(200))
    with pytest.raises(SpcsConfigError, match="refusing"):
        runner.client().get("http://abc.snowflakecomputing.app/", auth=SpcsAuth(runner))


def _statement_server(responses: list[httpx.Response]) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    return handler, seen


def _result(data: list[list[str]], partitions: int = 1, handle: str = "h-1") -> httpx.Response:
    meta = {
        "rowType": [{"name": "NAME", "type": "text"}, {"name": "N", "type": "fixed", "scale": 0}],
        "partitionInfo": [{"rowCount": len(data)}] * partitions,
    }
    return httpx.Response(200, json={"resultSetMetaData": meta, "data": data, "statementHandle": handle})


def test_sql_retry_reuses_request_id_and_polls_and_fetches_partitions() -> None:
    responses = [
        httpx.Response(503, json={"code": "000000"}),
        httpx.Response(
            202, json={"statementHandle": "h-1", "statementStatusUrl": "/api/v2/statements/h-1?requestId=r"}
        ),
        httpx.Response(
            202, json={"statementHandle": "h-1", "statementStatusUrl": "/api/v2/statements/h-1?requestId=r"}
        ),
        _result([["a", "1"]], partitions=2),
        httpx.Response(200, json={"data": [["b", "2"]]}),
    ]
    handler, seen = _statement_server(responses)
    config = _config(token="the-pat", database="DB", role="R")
    runner = _runner(config, handler)
    result = runner.run(sql_api.execute(config, "SHOW X", auth=SpcsAuth(runner, SQL), policy=FAST, timeout=30))
    assert result.records() == [{"name": "a", "n": 1}, {"name": "b", "n": 2}]
    first, retry, poll1, _poll2, part = seen
    assert first.url.params["requestId"] == retry.url.params["requestId"]
    assert "retry" not in first.url.params
    assert retry.url.params["retry"] == "true"
    assert json.loads(first.content) == {"statement": "SHOW X", "timeout": 30, "database": "DB", "role": "R"}
    assert first.headers["User-Agent"].startswith("airflow-provider-spcs/")
    assert first.headers["Accept"] == "application/json"
    assert (poll1.method, poll1.url.path) == ("GET", "/api/v2/statements/h-1")
    assert part.url.params["partition"] == "1"


async def test_sql_422_is_typed_async() -> None:
    body = {"code": "000904", "sqlState": "42000", "message": "invalid identifier 'X'", "statementHandle": "h-2"}
    handler, _ = _statement_server([httpx.Response(422, json=body)])
    config = _config(token="the-pat")
    runner = _runner(config, handler)
    with pytest.raises(SpcsSqlError) as info:
        await runner.arun(sql_api.execute(config, "SELECT X", auth=SpcsAuth(runner, SQL), policy=FAST))
    assert (info.value.code, info.value.sql_state, info.value.statement_handle) == ("000904", "42000", "h-2")
    assert str(info.value) == "invalid identifier 'X'"


def test_sql_other_errors_fail_at_once() -> None:
    handler, seen = _statement_server([httpx.Response(400, json={"code": "390142", "message": "bad payload"})])
    config = _config(token="the-pat")
    runner = _runner(config, handler)
    with pytest.raises(SpcsApiError) as info:
        runner.run(sql_api.execute(config, "SELECT 1", auth=SpcsAuth(runner, SQL), policy=FAST))
    assert (info.value.status_code, info.value.code, info.value.retryable) == (400, "390142", False)
    assert len(seen) == 1


_UTC_TS = dt.datetime(2024, 11, 29, 20, 12, 47, 310000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "kind", "scale", "expected"),
    [
        ("12", "fixed", 0, 12),
        ("12", "FIXED", None, 12),
        ("3.25", "fixed", 2, decimal.Decimal("3.25")),
        ("1.5", "real", None, 1.5),
        ("true", "boolean", None, True),
        ("false", "boolean", None, False),
        ("1", "boolean", None, True),
        ("0", "boolean", None, False),
        ("20056", "date", None, dt.date(2024, 11, 29)),
        ("45167.310000000", "time", 9, dt.time(12, 32, 47, 310000)),
        ("1732911167.310000000", "timestamp_ltz", 9, _UTC_TS),
        ("1732911167.310000000", "timestamp_ntz", 9, _UTC_TS.replace(tzinfo=None)),
        ("-0.500000000", "timestamp_ltz", 9, dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.UTC)),
        ("x", "text", None, "x"),
        ("true", "text", None, "true"),
        (None, "fixed", 0, None),
        (None, "timestamp_ltz", 9, None),
        ("nan?", "fixed", 0, "nan?"),
        ("maybe", "boolean", None, "maybe"),
        ("2024-11-29 12:12:47.310 -0800", "timestamp_ltz", 9, "2024-11-29 12:12:47.310 -0800"),
    ],
)
def test_convert_cell(value: str | None, kind: str, scale: int | None, expected: object) -> None:
    converted = sql_api.convert_cell(value, kind, scale)
    assert converted == expected
    assert type(converted) is type(expected)


def test_convert_timestamps_keep_their_zone() -> None:
    ltz = sql_api.convert_cell("1732911167.310000000", "timestamp_ltz", 9)
    assert ltz.tzinfo is dt.UTC
    tz = sql_api.convert_cell("1732911167.310000000 960", "timestamp_tz", 9)
    assert tz == ltz
    assert tz.utcoffset() == dt.timedelta(hours=-8)
    assert (tz.hour, tz.minute) == (12, 12)
    assert sql_api.convert_cell("1732911167.310000000", "timestamp_ntz", 9).tzinfo is None
