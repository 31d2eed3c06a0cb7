"""Authentication as steps (driven by hand, by the runner, and through the httpx.Auth adapter): header
forms, 401/sign-in re-auth, the https gate; and the SQL API client over httpx.MockTransport: requestId
reuse, 202 polling and partitions."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable

import httpx
import pytest

from airflow_provider_spcs.core import sql_api
from airflow_provider_spcs.core.auth import SpcsAuth, authorization, authorized_send, is_sign_in_redirect
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.credentials import SQL, credential_for
from airflow_provider_spcs.core.effects import GetToken, Send
from airflow_provider_spcs.core.errors import SpcsApiError, SpcsAuthError, SpcsConfigError, SpcsSqlError
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.core.runner import Runner
from airflow_provider_spcs.core.tokens import Token

ACCOUNT_URL = "https://myorg-myacct.snowflakecomputing.com"
INGRESS = "https://abc-myorg-myacct.snowflakecomputing.app"
FAST = RetryPolicy(base_delay=0, max_delay=0, poll_initial=0, poll_max=0)
Handler = Callable[[httpx.Request], httpx.Response]
MockRunner = Callable[..., Runner]


def _config(**extra: str) -> SpcsConfig:
    return SpcsConfig.from_connection(login="alice", password=None, extra={"account": "myorg-myacct", **extra}, env={})


def test_steps_driven_by_hand() -> None:
    credential = credential_for(_config(token="the-pat"))
    request = httpx.Request("GET", f"{INGRESS}/x")
    steps = authorized_send(credential, request)
    need = next(steps)
    assert need == GetToken("ingress:abc-myorg-myacct.snowflakecomputing.app")
    first = Token("t1", float("inf"))
    sent = steps.send(first)
    assert isinstance(sent, Send)
    assert sent.request.headers["Authorization"] == 'Snowflake Token="t1"'
    again = steps.send(httpx.Response(401, request=sent.request))
    assert again == GetToken(need.audience, reject=first)
    resent = steps.send(Token("t2", float("inf")))
    assert isinstance(resent, Send)
    assert resent.request.headers["Authorization"] == 'Snowflake Token="t2"'
    ok = httpx.Response(200, request=resent.request)
    with pytest.raises(StopIteration) as done:
        steps.send(ok)
    assert done.value.value is ok


def test_pat_headers_for_sql_and_ingress(mock_runner: MockRunner) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    runner = mock_runner(credential_for(_config(token="the-pat")), handler)
    runner.run(authorized_send(runner.credential, httpx.Request("GET", f"{INGRESS}/a")))
    runner.run(authorized_send(runner.credential, httpx.Request("GET", f"{ACCOUNT_URL}/api/v2/statements"), SQL))
    assert runner.run(authorization(runner.credential, f"{INGRESS}/z")) == {
        "Authorization": 'Snowflake Token="the-pat"'
    }
    assert len(seen) == 2  # headers alone send nothing
    # The httpx.Auth adapter, in a client of your own, runs the same steps: the same headers.
    with httpx.Client(transport=httpx.MockTransport(handler)) as own:
        own.get(f"{INGRESS}/a", auth=SpcsAuth(runner))
        own.get(f"{ACCOUNT_URL}/api/v2/statements", auth=SpcsAuth(runner, SQL))
    for ingress, sql in (seen[0:2], seen[2:4]):
        assert ingress.headers["Authorization"] == 'Snowflake Token="the-pat"'
        assert sql.headers["Authorization"] == "Bearer the-pat"
        assert sql.headers["X-Snowflake-Authorization-Token-Type"] == "PROGRAMMATIC_ACCESS_TOKEN"


def test_sign_in_redirect_is_an_auth_error(mock_runner: MockRunner) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": f"{ACCOUNT_URL}/console/login?returnUrl=x"})

    runner = mock_runner(credential_for(_config(token="the-pat")), handler)
    with pytest.raises(SpcsAuthError, match="redirected to sign-in"):
        runner.run(authorized_send(runner.credential, httpx.Request("GET", f"{INGRESS}/a")))


def test_ordinary_redirect_is_not_an_auth_error() -> None:
    request = httpx.Request("GET", f"{INGRESS}/a")
    assert not is_sign_in_redirect(httpx.Response(302, headers={"Location": "/b"}, request=request))
    assert is_sign_in_redirect(httpx.Response(302, headers={"Location": "https://app.snowflake.com/"}, request=request))


def _reauth_server() -> tuple[Handler, list[str]]:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, text=f"exchanged-{len(calls)}")
        return httpx.Response(401, json={"code": "390303"})

    return handler, calls


def _key_pair_config() -> SpcsConfig:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return _config(private_key_content=pem.decode(), role="R")


async def test_async_reauths_once_then_fails(mock_runner: MockRunner) -> None:
    handler, calls = _reauth_server()
    runner = mock_runner(credential_for(_key_pair_config()), handler)
    with pytest.raises(SpcsAuthError) as info:
        await runner.arun(authorized_send(runner.credential, httpx.Request("GET", f"{INGRESS}/a")))
    assert info.value.code == "390303"
    assert calls == ["/oauth/token", "/a", "/oauth/token", "/a"]
    # The adapter runs the same steps inside an httpx client of your own.
    calls.clear()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as own:
        with pytest.raises(SpcsAuthError):
            await own.get(f"{INGRESS}/b", auth=SpcsAuth(runner))
    assert calls == ["/b", "/oauth/token", "/b"]  # the cached token first, then one re-exchange


def test_http_non_loopback_refused_before_a_token_is_fetched(mock_runner: MockRunner) -> None:
    seen: list[httpx.Request] = []
    runner = mock_runner(credential_for(_config(token="the-pat", pat_exchange="true")), seen.append)
    for steps in (
        authorized_send(runner.credential, httpx.Request("GET", "http://abc.snowflakecomputing.app/")),
        authorization(runner.credential, "http://abc.snowflakecomputing.app/"),
    ):
        with pytest.raises(SpcsConfigError, match="refusing"):
            runner.run(steps)
    assert seen == []  # no exchange, no request


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


def test_sql_retry_reuses_request_id_and_polls_and_fetches_partitions(mock_runner: MockRunner) -> None:
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
    runner = mock_runner(credential_for(config), handler)
    result = runner.run(sql_api.execute(runner.credential, "SHOW X", policy=FAST, timeout=30))
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


async def test_sql_422_is_typed_async(mock_runner: MockRunner) -> None:
    body = {"code": "000904", "sqlState": "42000", "message": "invalid identifier 'X'", "statementHandle": "h-2"}
    handler, _ = _statement_server([httpx.Response(422, json=body)])
    runner = mock_runner(credential_for(_config(token="the-pat")), handler)
    with pytest.raises(SpcsSqlError) as info:
        await runner.arun(sql_api.execute(runner.credential, "SELECT X", policy=FAST))
    assert (info.value.code, info.value.sql_state, info.value.statement_handle) == ("000904", "42000", "h-2")
    assert str(info.value) == "invalid identifier 'X'"


def test_sql_other_errors_fail_at_once(mock_runner: MockRunner) -> None:
    handler, seen = _statement_server([httpx.Response(400, json={"code": "390142", "message": "bad payload"})])
    runner = mock_runner(credential_for(_config(token="the-pat")), handler)
    with pytest.raises(SpcsApiError) as info:
        runner.run(sql_api.execute(runner.credential, "SELECT 1", policy=FAST))
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
