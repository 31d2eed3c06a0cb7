"""SpcsEndpointOperator against the emulator's ingress, on the worker and through the trigger."""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_spcs.core.errors import SpcsApiError, SpcsTimeoutError
from airflow_provider_spcs.operators.spcs import ResponseCheckFailed, SpcsEndpointOperator
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.handlers import paginated_handler
from airflow_provider_spcs.triggers.spcs import SpcsEndpointTrigger

SERVICE = "SPCS_DB.APP.ECHO_SERVICE"


def _op(**kwargs: Any) -> SpcsEndpointOperator:
    kwargs.setdefault("task_id", "call")
    if "ingress_url" not in kwargs:
        kwargs.setdefault("service", SERVICE)
        kwargs.setdefault("endpoint", "echo")
    return SpcsEndpointOperator(**kwargs)


def test_call_by_service_and_endpoint_returns_text(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = _op(path="/api/run", query_params={"a": "1"}, headers={"X-Trace": "t1"})
    text, triggers = drive(op)
    assert triggers == []
    echo = json.loads(text)
    assert (echo["method"], echo["path"], echo["query"]) == ("GET", "/api/run", {"a": "1"})
    assert echo["headers"]["x-trace"] == "t1"
    assert echo["user"] == "SPCS_USER"
    assert "authorization" not in echo["headers"]
    assert "hook" not in vars(op)  # closed and released when the run ended


def test_call_by_ingress_url_with_json_and_form_bodies(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    url = spcs.ingress_url()
    posted, _ = drive(
        _op(ingress_url=url, path="run", method="post", json={"k": [1, 2]}, response_filter=lambda r: r.json())
    )
    assert (posted["method"], posted["path"], posted["json"]) == ("POST", "/run", {"k": [1, 2]})
    raw, _ = drive(_op(ingress_url=url + "/", path="/raw", method="PUT", data="plain text body"))
    assert json.loads(raw)["body"] == "plain text body"
    form, _ = drive(_op(ingress_url=url, method="POST", data={"a": "b"}))
    assert json.loads(form)["body"] == "a=b"


def test_response_check_false_fails_the_task(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = _op(response_check=lambda response: response.json()["path"] == "/expected")
    with pytest.raises(ResponseCheckFailed, match="response_check returned False"):
        drive(op)


def test_response_check_false_fails_the_deferred_task(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = _op(deferrable=True, response_check=lambda response: response.status_code == 201)
    with pytest.raises(ResponseCheckFailed):
        drive(op)


def test_http_errors_raise_unless_the_check_handles_them(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    async def teapot(request: Request) -> Response:
        return JSONResponse({"error": "short and stout"}, status_code=418)

    spcs.set_handler("ECHO_SERVICE", "echo", teapot)
    with pytest.raises(SpcsApiError) as err:
        drive(_op())
    assert err.value.status_code == 418
    # With raise_for_status off, the response reaches response_check / response_filter.
    status, _ = drive(
        _op(
            extra_options={"raise_for_status": False},
            response_check=lambda r: r.status_code == 418,
            response_filter=lambda r: r.status_code,
        )
    )
    assert status == 418


def _paged(spcs: SpcsEmulator) -> None:
    spcs.set_handler("ECHO_SERVICE", "echo", paginated_handler(23, page_size=10))


def _next_page(response: httpx.Response) -> dict[str, Any] | None:
    following = response.json()["next_page"]
    return {"params": {"page": following}} if following else None


@pytest.mark.parametrize("deferrable", [False, True])
def test_pagination_collects_every_page(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    _paged(spcs)
    op = _op(
        path="/items",
        query_params={"page_size": 10},
        pagination_function=_next_page,
        response_filter=lambda responses: [i for r in responses for i in r.json()["items"]],
        deferrable=deferrable,
    )
    items, triggers = drive(op)
    assert items == list(range(23))
    assert len(triggers) == (3 if deferrable else 0)
    if deferrable:  # the request parts were merged page by page, the page size kept
        assert [t.request_kwargs["params"] for t in triggers] == [
            {"page_size": 10},
            {"page_size": 10, "page": 2},
            {"page_size": 10, "page": 3},
        ]
        # Each trigger carries a cursor (the request and the page's number), never earlier pages:
        # what page N writes to the trigger table does not grow with N.
        assert [t.carry["page"] for t in triggers] == [0, 1, 2]
        assert all(set(t.carry) == {"base", "request", "page"} for t in triggers)
        assert not any('"items"' in json.dumps(t.serialize()[1]) for t in triggers)  # no page body rides along
    assert spcs.stats()["requests"]["ingress"] == 3


def test_pagination_by_path_without_filter_returns_texts(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    def by_path(response: httpx.Response) -> dict[str, Any] | None:
        n = int(response.json()["path"].rsplit("/", 1)[-1])
        return {"path": f"/page/{n + 1}"} if n < 3 else None

    texts, _ = drive(_op(path="/page/1", pagination_function=by_path))
    assert [json.loads(t)["path"] for t in texts] == ["/page/1", "/page/2", "/page/3"]


def test_pagination_rejects_unknown_request_parts(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    with pytest.raises(ValueError, match="unknown request part 'cursor'"):
        drive(_op(pagination_function=lambda response: {"cursor": "x"}))


def test_deferred_call_sends_the_request_from_the_trigger(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = _op(path="/slow", query_params={"x": "1"}, response_filter=lambda r: r.json(), deferrable=True, timeout=30)
    echo, triggers = drive(op)
    (trigger,) = triggers
    assert isinstance(trigger, SpcsEndpointTrigger)
    assert "hook" not in vars(op)  # released before deferring, rebuilt inside the trigger
    assert trigger.url == spcs.ingress_url() + "/slow"  # resolved on the worker, requested in the trigger
    assert echo["query"] == {"x": "1"}
    assert echo["user"] == "SPCS_USER"


def test_deferred_call_times_out_at_the_deadline(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.inject("ingress", latency=3.0)
    with pytest.raises(SpcsTimeoutError, match="no response before the deadline"):
        drive(_op(deferrable=True, timeout=0.5))


def test_deferrable_non_idempotent_method_warns() -> None:
    with pytest.warns(UserWarning, match="deferrable=True with POST"):
        _op(method="POST", deferrable=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _op(method="GET", deferrable=True)
        _op(method="PUT", deferrable=True)
        _op(method="POST", deferrable=False)


def test_exactly_one_way_to_name_the_target() -> None:
    targets: list[dict[str, Any]] = [
        {},
        {"service": SERVICE},
        {"endpoint": "echo"},
        {"ingress_url": "h", "service": SERVICE, "endpoint": "e"},
    ]
    for kwargs in targets:
        with pytest.raises(ValueError, match="either ingress_url"):
            SpcsEndpointOperator(task_id="t", **kwargs)


def test_log_response_is_off_by_default_and_never_logs_credentials(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    # Task loggers are structlog-rendered to the process output, so read that. The body is what
    # must stay out of the log (httpx itself may log the request line at INFO).
    drive(_op(path="/quiet"))
    quiet = "".join(capfd.readouterr())
    assert "sf-context-current-user" not in quiet
    drive(_op(path="/loud", log_response=True))
    loud = "".join(capfd.readouterr())
    assert '"path":"/loud"' in loud.replace(" ", "")
    assert "sf-context-current-user" in loud
    assert "Snowflake Token" not in loud
    assert spcs.pat not in loud


def test_templated_fields_cover_every_request_part() -> None:
    assert set(SpcsEndpointOperator.template_fields) >= {
        "ingress_url",
        "service",
        "endpoint",
        "path",
        "method",
        "data",
        "json",
        "query_params",
        "headers",
        "extra_options",
    }


def test_ingress_host_without_scheme_means_https(spcs: SpcsEmulator, spcs_conn: str) -> None:
    from airflow_provider_spcs.core.accounts import with_https_default
    from airflow_provider_spcs.operators.endpoint import _join

    assert with_https_default("abc-org-acct.snowflakecomputing.app") == "https://abc-org-acct.snowflakecomputing.app"
    assert with_https_default("http://127.0.0.1:9") == "http://127.0.0.1:9"
    assert _join("https://h/", "/a/b") == "https://h/a/b"
    assert _join("https://h", "") == "https://h"
