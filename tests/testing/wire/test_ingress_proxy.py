"""SPCS ingress: redirects, rejections, role checks, proxy header rules, handlers."""

from __future__ import annotations

import time

import httpx
import pytest
from emu_helpers import MakeJwt, exchange, ingress_host, snowflake_token
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from airflow_provider_spcs.testing import SpcsEmulator, paginated_handler


def _assert_error_body(reply: httpx.Response, status: int, response_type: str) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["responseType"] == response_type
    assert body["requestId"]
    assert body["detail"]


def test_no_credentials_redirects_to_sign_in(spcs: SpcsEmulator, client: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer something"}):
        reply = client.get(spcs.ingress_url() + "/page", headers=headers)
        assert reply.status_code == 302
        assert reply.headers["location"].startswith(f"{spcs.account_url}/console/login?")
    sign_in = client.get(reply.headers["location"])
    assert sign_in.status_code == 200
    assert "Sign in" in sign_in.text


def test_pat_reaches_echo_with_credentials_stripped(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.post(
        spcs.ingress_url() + "/api/run?x=1&y=two",
        content=b'{"a": 1}',
        headers={
            **snowflake_token(spcs.pat),
            "X-SF-SPCS-Authorization": 'Snowflake Token="other"',
            "Sf-Context-Current-User": "MALLORY",
            "Content-Type": "application/json",
        },
    )
    assert reply.status_code == 200
    echoed = reply.json()
    assert (echoed["method"], echoed["path"], echoed["query"]) == ("POST", "/api/run", {"x": "1", "y": "two"})
    assert echoed["json"] == {"a": 1}
    assert echoed["body"] == '{"a": 1}'
    headers = echoed["headers"]
    assert "authorization" not in headers
    assert "x-sf-spcs-authorization" not in headers
    assert headers["sf-context-current-user"] == "SPCS_USER"
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "server" not in reply.headers
    assert spcs.stats()["requests"]["ingress"] == 1


def test_credential_on_spcs_header_lets_app_authorization_through(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.get(
        spcs.ingress_url(),
        headers={"X-SF-SPCS-Authorization": f'Snowflake Token="{spcs.pat}"', "Authorization": "Bearer app-level"},
    )
    assert reply.status_code == 200
    assert reply.json()["headers"]["authorization"] == "Bearer app-level"


def test_exchanged_token_works_only_on_its_host(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    spcs.add_service("OTHER_SERVICE", endpoints=(("api", True),))
    token = exchange(client, spcs, make_jwt()).text
    assert client.get(spcs.ingress_url(), headers=snowflake_token(token)).status_code == 200
    other = client.get(spcs.ingress_url("OTHER_SERVICE", "api"), headers=snowflake_token(token))
    _assert_error_body(other, 401, "ERROR_INVALID_TOKEN")
    token_b = exchange(client, spcs, make_jwt(), scope=ingress_host(spcs, "OTHER_SERVICE", "api")).text
    assert client.get(spcs.ingress_url("OTHER_SERVICE", "api"), headers=snowflake_token(token_b)).status_code == 200


def test_expired_and_bogus_tokens_get_401(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    spcs.token_lifetime = 0.3
    token = exchange(client, spcs, make_jwt()).text
    assert client.get(spcs.ingress_url(), headers=snowflake_token(token)).status_code == 200
    time.sleep(0.4)
    _assert_error_body(client.get(spcs.ingress_url(), headers=snowflake_token(token)), 401, "ERROR_EXPIRED_TOKEN")
    _assert_error_body(client.get(spcs.ingress_url(), headers=snowflake_token("garbage")), 401, "ERROR_INVALID_TOKEN")


def test_spcs_session_token_and_oauth_token_are_accepted(spcs: SpcsEmulator, client: httpx.Client) -> None:
    for token in (spcs.mint_session_token(), spcs.mint_oauth_token()):
        reply = client.get(spcs.ingress_url(), headers=snowflake_token(token))
        assert reply.status_code == 200
        assert reply.json()["user"] == "SPCS_USER"


def test_role_without_access_gets_403_until_granted(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.add_user("VIEWER", pat="pat_viewer_secret", default_role="VIEWER_ROLE", roles=("VIEWER_ROLE",))
    _assert_error_body(
        client.get(spcs.ingress_url(), headers=snowflake_token("pat_viewer_secret")), 403, "ERROR_FORBIDDEN"
    )
    spcs.add_service("SHARED_SERVICE", access_roles=("VIEWER_ROLE",))
    shared = client.get(spcs.ingress_url("SHARED_SERVICE"), headers=snowflake_token("pat_viewer_secret"))
    assert shared.status_code == 200
    assert shared.json()["user"] == "VIEWER"


def test_service_not_running_gets_503(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.service("ECHO_SERVICE").set_status("SUSPENDED")
    _assert_error_body(
        client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)), 503, "ERROR_SERVICE_UNAVAILABLE"
    )


def test_trace_is_not_forwarded(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = client.request("TRACE", spcs.ingress_url(), headers=snowflake_token(spcs.pat))
    assert reply.status_code == 405


def test_custom_handler_and_response_scrubbing(spcs: SpcsEmulator, client: httpx.Client) -> None:
    async def handler(request: Request) -> Response:
        return PlainTextResponse("ok", headers={"Server": "gunicorn", "X-Powered-By": "php", "X-Custom": "kept"})

    spcs.set_handler("ECHO_SERVICE", "echo", handler)
    reply = client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat))
    assert reply.text == "ok"
    assert reply.headers["x-custom"] == "kept"
    assert "server" not in reply.headers
    assert "x-powered-by" not in reply.headers


def test_blocked_content_type_and_handler_crash(spcs: SpcsEmulator, client: httpx.Client) -> None:
    async def shell(request: Request) -> Response:
        return Response("#!/bin/sh", media_type="application/x-sh")

    async def crash(request: Request) -> Response:
        raise RuntimeError("boom")

    spcs.set_handler("ECHO_SERVICE", "echo", shell)
    _assert_error_body(
        client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)), 403, "ERROR_FORBIDDEN_CONTENT_TYPE"
    )
    spcs.set_handler("ECHO_SERVICE", "echo", crash)
    _assert_error_body(client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)), 502, "ERROR_BAD_GATEWAY")


def test_paginated_handler(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.set_handler("ECHO_SERVICE", "echo", paginated_handler(25, page_size=10))
    items: list[int] = []
    url: str | None = spcs.ingress_url() + "/items"
    while url:
        reply = client.get(url, headers=snowflake_token(spcs.pat))
        items += reply.json()["items"]
        url = str(reply.links["next"]["url"]) if "next" in reply.links else None
        if url and url.startswith("/"):
            url = spcs.ingress_url() + url
    assert items == list(range(25))


def test_runtime_service_gets_a_port_and_dropped_service_404s(spcs: SpcsEmulator, client: httpx.Client) -> None:
    service = spcs.add_service("LATE_SERVICE", endpoints=(("web", True), ("internal", False)))
    url = spcs.ingress_url("LATE_SERVICE", "web")
    assert client.get(url, headers=snowflake_token(spcs.pat)).status_code == 200
    internal = service.endpoint("internal")
    assert internal is not None
    assert internal.ingress_url is None
    spcs.world.drop_service(service)
    _assert_error_body(client.get(url, headers=snowflake_token(spcs.pat)), 404, "ERROR_ENDPOINT_NOT_FOUND")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_all_methods_are_forwarded(spcs: SpcsEmulator, client: httpx.Client, method: str) -> None:
    reply = client.request(method, spcs.ingress_url() + "/r", headers=snowflake_token(spcs.pat))
    assert reply.json()["method"] == method


def test_json_handler_sees_forwarded_user(spcs: SpcsEmulator, client: httpx.Client) -> None:
    async def whoami(request: Request) -> Response:
        return JSONResponse({"user": request.headers["sf-context-current-user"]})

    spcs.set_handler("ECHO_SERVICE", "echo", whoami)
    assert client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)).json() == {"user": "SPCS_USER"}
