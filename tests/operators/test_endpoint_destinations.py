"""SpcsEndpointOperator and hostile destinations, on the worker and through the trigger, for every
auth method: a foreign ingress_url, pagination links that leave the origin, redirects, huge bodies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from airflow_provider_spcs.core.errors import SpcsApiError, SpcsAuthError, SpcsConfigError
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.spcs import SpcsEndpointTrigger
from tests.recorder import AUTH_METHODS, endless

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.recorder import Recorder

ConnFactory = Callable[..., str]
MODES = [pytest.param(False, id="worker"), pytest.param(True, id="deferred")]


def _op(conn_id: str, deferrable: bool, **kwargs: Any) -> SpcsEndpointOperator:
    kwargs.setdefault("task_id", "call")
    if "ingress_url" not in kwargs:
        kwargs.update(service="SPCS_DB.APP.ECHO_SERVICE", endpoint="echo")
    return SpcsEndpointOperator(spcs_conn_id=conn_id, deferrable=deferrable, **kwargs)


@pytest.mark.parametrize("deferrable", MODES)
@pytest.mark.parametrize(("method", "extra"), AUTH_METHODS)
def test_a_foreign_ingress_url_gets_nothing(
    spcs_conn_factory: ConnFactory, foreign: Recorder, drive: Any, method: str, extra: dict[str, Any], deferrable: bool
) -> None:
    conn_id = spcs_conn_factory(method, conn_id=f"dest_{method}", **extra)
    with pytest.raises(SpcsConfigError, match="ingress_hosts"):
        drive(_op(conn_id, deferrable, ingress_url=foreign.url))
    assert foreign.requests == []


@pytest.mark.parametrize("deferrable", MODES)
@pytest.mark.parametrize(("method", "extra"), AUTH_METHODS)
def test_pagination_never_leaves_the_origin(
    spcs: SpcsEmulator,
    spcs_conn_factory: ConnFactory,
    foreign: Recorder,
    drive: Any,
    method: str,
    extra: dict[str, Any],
    deferrable: bool,
) -> None:
    conn_id = spcs_conn_factory(method, conn_id=f"pages_{method}", **extra)

    async def first_page(request: Request) -> Response:
        return JSONResponse({"next": request.query_params.get("to")})

    spcs.set_handler("ECHO_SERVICE", "echo", first_page)
    for target in (f"{foreign.url}/page2", "https://evil.example/page2", f"{spcs.account_url}/page2"):
        op = _op(
            conn_id,
            deferrable,
            query_params={"to": target},
            pagination_function=lambda r: {"url": r.json()["next"]} if r.json().get("next") else None,
        )
        with pytest.raises(SpcsConfigError, match="pagination_function") as refused:
            drive(op)
        assert "origin" in str(refused.value)
    assert foreign.requests == []


@pytest.mark.parametrize("deferrable", MODES)
@pytest.mark.parametrize(("method", "extra"), AUTH_METHODS)
def test_redirects_to_a_foreign_host_are_not_followed(
    spcs: SpcsEmulator,
    spcs_conn_factory: ConnFactory,
    foreign: Recorder,
    drive: Any,
    method: str,
    extra: dict[str, Any],
    deferrable: bool,
) -> None:
    conn_id = spcs_conn_factory(method, conn_id=f"redirect_{method}", **extra)

    async def away(request: Request) -> Response:
        return RedirectResponse(f"{foreign.url}/landing", status_code=302)

    spcs.set_handler("ECHO_SERVICE", "echo", away)
    for options in ({}, {"follow_redirects": True}):
        with pytest.raises(SpcsAuthError, match="redirected"):
            drive(_op(conn_id, deferrable, extra_options=options))
    assert foreign.requests == []


@pytest.mark.parametrize("deferrable", MODES)
def test_follow_redirects_works_on_the_same_origin(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    async def moved(request: Request) -> Response:
        if request.url.path == "/old":
            return RedirectResponse("/new?x=1", status_code=301)
        return JSONResponse({"path": request.url.path, "user": request.headers.get("sf-context-current-user")})

    spcs.set_handler("ECHO_SERVICE", "echo", moved)
    result, _ = drive(
        _op(spcs_conn, deferrable, path="/old", extra_options={"follow_redirects": True}, response_filter=_json)
    )
    assert result == {"path": "/new", "user": "SPCS_USER"}


def _json(response: httpx.Response) -> Any:
    return response.json()


def test_a_huge_body_stops_at_max_response_bytes(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    sent: list[int] = []
    total = 64 * 1024 * 1024

    async def firehose(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in endless():
                if sum(sent) >= total:
                    return
                sent.append(len(chunk))
                yield chunk
                await asyncio.sleep(0)  # let the server notice the client left

        return StreamingResponse(chunks(), media_type="text/plain")

    spcs.set_handler("ECHO_SERVICE", "echo", firehose)
    with pytest.raises(SpcsApiError, match="max_response_bytes") as error:
        drive(_op(spcs_conn, False, max_response_bytes=1_000_000))
    assert error.value.status_code == 200
    assert not error.value.retryable
    assert sum(sent) < total  # the client hung up long before the body ended


def test_a_body_within_the_limit_is_read_whole(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    async def big(request: Request) -> Response:
        return Response(b"y" * 3_000_000, media_type="text/plain")

    spcs.set_handler("ECHO_SERVICE", "echo", big)
    text, _ = drive(_op(spcs_conn, False))  # default limit, 10 MiB
    assert len(text) == 3_000_000
    with pytest.raises(SpcsApiError, match="max_response_bytes"):
        drive(_op(spcs_conn, False, max_response_bytes=2_999_999))


def test_max_response_bytes_is_checked_when_the_task_is_built() -> None:
    bad_values: tuple[Any, ...] = (0, -1, True, "10")
    for bad in bad_values:
        with pytest.raises(ValueError, match="max_response_bytes"):
            SpcsEndpointOperator(task_id="t", ingress_url="https://a.snowflakecomputing.app", max_response_bytes=bad)


def test_request_retry_policy_reaches_the_worker_and_the_trigger(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any
) -> None:
    policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
    spcs.inject("ingress", status=503, count=2)
    with pytest.raises(SpcsApiError) as worker:
        drive(_op(spcs_conn, False, request_retry_policy=policy))
    assert worker.value.status_code == 503
    assert spcs.stats()["requests"]["ingress"] == 2  # two attempts, as the policy says
    spcs.reset_stats()
    spcs.inject("ingress", status=503, count=2)
    deferred = _op(spcs_conn, True, request_retry_policy=policy.to_dict())
    with pytest.raises(SpcsApiError):
        drive(deferred)
    assert spcs.stats()["requests"]["ingress"] == 2
    assert (
        RetryPolicy.from_dict(deferred.request_retry_policy.to_dict() if deferred.request_retry_policy else {})
        == policy
    )


def test_deferred_by_service_looks_the_endpoint_up_in_the_triggerer(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any
) -> None:
    text, triggers = drive(_op(spcs_conn, True))
    assert '"method":"GET"' in text.replace(" ", "")
    trigger = triggers[0]
    assert isinstance(trigger, SpcsEndpointTrigger)
    _path, kwargs = trigger.serialize()
    assert kwargs["resolve_endpoint"] == ["SPCS_DB.APP.ECHO_SERVICE", "echo"]
    assert kwargs["request_kwargs"]["max_response_bytes"] == 10 * 1024 * 1024
    by_url = SpcsEndpointTrigger(spcs_conn_id=spcs_conn, method="GET", url=spcs.ingress_url())
    assert "resolve_endpoint" not in by_url.serialize()[1]
