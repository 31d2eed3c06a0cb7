"""The ``/_emulator/services`` admin routes over a real socket, seen through the SQL API and ingress."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from emu_helpers import query_rows, snowflake_token, sql_headers

from airflow_provider_spcs.testing import SpcsEmulator


class Admin:
    """Calls the admin routes and keeps every answer, to check that none holds a credential."""

    def __init__(self, client: httpx.Client, emu: SpcsEmulator) -> None:
        self.client = client
        self.base = f"{emu.account_url}/_emulator"
        self.answers: list[str] = []

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        reply = self.client.request(method, self.base + path, content=None if body is None else json.dumps(body))
        self.answers.append(reply.text)
        assert reply.status_code == expect, reply.text
        return reply.json()


@pytest.fixture
def admin(spcs: SpcsEmulator, client: httpx.Client) -> Admin:
    return Admin(client, spcs)


def _describe(client: httpx.Client, spcs: SpcsEmulator, name: str) -> str | None:
    return query_rows(client, spcs.account_url, spcs.pat, f"DESCRIBE SERVICE {name}")[0]["status"]


def test_a_service_held_pending_for_polls_then_running(spcs: SpcsEmulator, client: httpx.Client, admin: Admin) -> None:
    state = admin.call("POST", "/services", {"name": "batch_service", "pending_polls": 2}, expect=201)
    assert (state["qualified_name"], state["status"], state["polls"]) == ("SPCS_DB.APP.BATCH_SERVICE", "PENDING", 0)
    assert [_describe(client, spcs, "BATCH_SERVICE") for _ in range(3)] == ["PENDING", "PENDING", "RUNNING"]
    assert admin.call("GET", "/services/batch_service")["polls"] == 3  # reading the state is no look
    ingress = state["endpoints"][0]["ingress_url"]
    assert client.get(f"{ingress}/ping", headers=snowflake_token(spcs.pat)).json()["path"] == "/ping"


def test_fail_after_polls_shows_the_message_in_show_service_containers(
    spcs: SpcsEmulator, client: httpx.Client, admin: Admin
) -> None:
    admin.call("POST", "/services", {"name": "flaky", "containers": ["main", "sidecar"]}, expect=201)
    after = admin.call("POST", "/services/flaky/fail", {"after_polls": 1, "message": "OOMKilled", "exit_code": 137})
    assert after["status"] == "RUNNING"
    show = "SHOW SERVICE CONTAINERS IN SERVICE FLAKY"
    first = query_rows(client, spcs.account_url, spcs.pat, show)
    assert {row["status"] for row in first} == {"READY"}
    failed = query_rows(client, spcs.account_url, spcs.pat, show)
    assert [(r["container_name"], r["status"], r["message"], r["last_exit_code"]) for r in failed] == [
        ("main", "FAILED", "OOMKilled", "137"),
        ("sidecar", "FAILED", "OOMKilled", "137"),
    ]
    state = admin.call("GET", "/services/SPCS_DB.APP.FLAKY")
    assert (state["status"], state["message"], state["exit_code"]) == ("FAILED", "OOMKilled", 137)


def test_scripting_an_existing_service(spcs: SpcsEmulator, client: httpx.Client, admin: Admin) -> None:
    assert admin.call("POST", "/services/ECHO_SERVICE/pending", {"seconds": 3600})["status"] == "PENDING"
    assert [_describe(client, spcs, "ECHO_SERVICE") for _ in range(3)] == ["PENDING"] * 3  # seconds, not looks
    assert admin.call("POST", "/services/echo_service/status", {"status": "RUNNING"})["status"] == "RUNNING"
    assert admin.call("POST", "/services/ECHO_SERVICE/suspend")["status"] == "SUSPENDING"
    assert [_describe(client, spcs, "ECHO_SERVICE") for _ in range(2)] == ["SUSPENDING", "SUSPENDED"]
    assert admin.call("POST", "/services/ECHO_SERVICE/resume")["status"] == "PENDING"
    assert [_describe(client, spcs, "ECHO_SERVICE") for _ in range(2)] == ["PENDING", "RUNNING"]
    failed = admin.call("POST", "/services/ECHO_SERVICE/fail", {"message": "bad image"})
    assert (failed["status"], failed["message"], failed["exit_code"]) == ("FAILED", "bad image", 1)


def test_adding_a_failed_service_and_listing(admin: Admin) -> None:
    body = {"name": "broken", "status": "FAILED", "message": "no such image", "endpoints": ["api", "grpc:private"]}
    state = admin.call("POST", "/services", body, expect=201)
    assert (state["status"], state["message"]) == ("FAILED", "no such image")
    api, grpc = state["endpoints"]
    assert api["is_public"]
    assert api["ingress_url"].startswith("http://127.0.0.1:")
    assert (grpc["is_public"], grpc["ingress_url"]) == (False, None)
    names = [s["qualified_name"] for s in admin.call("GET", "/services")["services"]]
    assert names == ["SPCS_DB.APP.API_SERVICE", "SPCS_DB.APP.BROKEN", "SPCS_DB.APP.ECHO_SERVICE"]


def test_a_service_on_a_pool_of_its_own_keeps_running_when_the_default_pool_is_suspended(
    spcs: SpcsEmulator, client: httpx.Client, admin: Admin
) -> None:
    state = admin.call("POST", "/services", {"name": "own_pool_service", "compute_pool": "other_pool"}, expect=201)
    assert state["compute_pool"] == "OTHER_POOL"
    query_rows(client, spcs.account_url, spcs.pat, "ALTER COMPUTE POOL SPCS_POOL SUSPEND")
    assert _describe(client, spcs, "OWN_POOL_SERVICE") == "RUNNING"
    assert admin.call("GET", "/services/ECHO_SERVICE")["status"] != "RUNNING"


def test_drop_stops_the_service_and_its_endpoint(spcs: SpcsEmulator, client: httpx.Client, admin: Admin) -> None:
    ingress = admin.call("POST", "/services", {"name": "gone"}, expect=201)["endpoints"][0]["ingress_url"]
    assert admin.call("DELETE", "/services/gone")["status"] == "DELETED"
    assert admin.call("GET", "/services/gone", expect=404)["error"].startswith("no service 'gone'")
    reply = client.post(
        f"{spcs.account_url}/api/v2/statements",
        json={"statement": "DESCRIBE SERVICE GONE"},
        headers=sql_headers(spcs.pat),
    )
    assert reply.status_code == 422
    assert _stops_answering(client, ingress)


def _stops_answering(client: httpx.Client, url: str) -> bool:
    """Whether ``url`` refuses connections within a few seconds (a released port closes in ~0.1 s)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            client.get(url, timeout=1)
        except httpx.TransportError:
            return True
        time.sleep(0.05)
    return False


def test_job_services_cannot_be_suspended(spcs: SpcsEmulator, client: httpx.Client, admin: Admin) -> None:
    statement = (
        "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @SPCS_DB.APP.SPECS "
        "SPECIFICATION_FILE='job.yaml' NAME=NIGHTLY ASYNC=TRUE"
    )
    query_rows(client, spcs.account_url, spcs.pat, statement)
    assert admin.call("GET", "/services/NIGHTLY")["kind"] == "job"
    error = admin.call("POST", "/services/NIGHTLY/suspend", expect=409)["error"]
    assert "job service" in error
    assert admin.call("POST", "/services/NIGHTLY/fail", {"message": "killed"})["status"] == "FAILED"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    [
        ("POST", "/services", "not json", 400, "the body must be a JSON object"),
        ("POST", "/services", ["a"], 400, "the body must be a JSON object"),
        ("POST", "/services", {"name": "x", "pending_polls": -1}, 400, "pending_polls must be a whole number >= 0"),
        ("POST", "/services", {"name": "ECHO_SERVICE"}, 409, "already exists"),
        ("POST", "/services/NOPE/suspend", None, 404, "no service 'NOPE'"),
        ("POST", "/services/ECHO_SERVICE/explode", None, 404, "unknown action 'explode'"),
        ("POST", "/services/ECHO_SERVICE/fail", {"exit_code": "x"}, 400, "exit_code must be a whole number"),
        ("POST", "/session_token_file", {"user": "NOBODY"}, 404, "no user 'NOBODY'"),
        ("POST", "/session_token_file", {"path": "/etc/passwd"}, 400, "unknown field 'path'"),
    ],
)
def test_bad_requests_answer_a_clear_error(
    client: httpx.Client, spcs: SpcsEmulator, method: str, path: str, body: Any, status: int, fragment: str
) -> None:
    content = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    reply = client.request(method, f"{spcs.account_url}/_emulator{path}", content=content)
    assert reply.status_code == status
    assert fragment in reply.json()["error"]


def test_session_token_file_route_writes_the_emulators_file(
    spcs: SpcsEmulator, client: httpx.Client, admin: Admin, tmp_path: Path
) -> None:
    spcs.session_token_path = str(tmp_path / "token")
    try:
        answer = admin.call("POST", "/session_token_file")
    finally:
        spcs.session_token_path = None
    assert answer == {"path": str(tmp_path / "token"), "user": "SPCS_USER", "expires_in": 3600}
    token = (tmp_path / "token").read_text()
    assert query_rows(client, spcs.account_url, token, "SELECT CURRENT_USER()") == [{"CURRENT_USER()": "SPCS_USER"}]
    assert (tmp_path / "token").stat().st_mode & 0o077 == 0
    assert token not in "".join(admin.answers)


def test_no_admin_answer_holds_a_credential(spcs: SpcsEmulator, admin: Admin) -> None:
    admin.call("POST", "/services", {"name": "svc", "status": "FAILED", "message": "m"}, expect=201)
    admin.call("GET", "/services")
    admin.call("GET", "/services/svc")
    admin.call("POST", "/services/svc/status", {"status": "RUNNING"})
    admin.call("POST", "/session_token_file")
    admin.call("GET", "/info")
    admin.call("GET", "/stats")
    admin.call("DELETE", "/services/svc")
    secrets = [spcs.pat, spcs.password, spcs.oauth_client_secret, "PRIVATE KEY", spcs.private_key_pem.splitlines()[1]]
    for answer in admin.answers:
        for secret in secrets:
            assert secret not in answer


def test_a_slow_paginated_service_and_slowing_down_an_existing_one(
    spcs: SpcsEmulator, client: httpx.Client, admin: Admin
) -> None:
    fields = {"name": "catalog", "endpoints": ["api"], "handler": "paginated:3:2", "latency": 0.3}
    state = admin.call("POST", "/services", fields, expect=201)
    assert state["endpoints"][0]["latency"] == 0.3
    api = state["endpoints"][0]["ingress_url"]
    started = time.monotonic()
    first = client.get(f"{api}/items", headers=snowflake_token(spcs.pat)).json()
    waited = time.monotonic() - started
    last = client.get(f"{api}/items", params={"page": 2}, headers=snowflake_token(spcs.pat)).json()
    assert (first["items"], first["next_page"], last["items"], last["next_page"]) == ([0, 1], 2, [2], None)
    assert waited >= 0.3  # the service took its time
    echo = admin.call("POST", "/services/ECHO_SERVICE/latency", {"seconds": 0.2, "endpoint": "echo"})
    assert [e["latency"] for e in echo["endpoints"]] == [0.2]
    admin.call("POST", "/services/ECHO_SERVICE/latency", {"seconds": 1, "endpoint": "grpc"}, expect=404)
    spcs.reset()
    assert admin.call("GET", "/services/ECHO_SERVICE")["endpoints"][0]["latency"] == 0.0
