"""SQL API v2 over a real socket: auth, headers, ResultSet shape, polling, partitions, cancel."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from emu_helpers import MakeJwt, sql_headers

from airflow_provider_spcs.testing import SpcsEmulator

JOB_SQL = (
    "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @SPCS_DB.APP.SPECS SPECIFICATION_FILE='{file}' NAME={name}"
)


@pytest.fixture
def jwt_token(make_jwt: MakeJwt) -> str:
    return make_jwt()


def post(
    client: httpx.Client, emu: SpcsEmulator, headers: dict[str, str], body: dict[str, Any], query: str = ""
) -> httpx.Response:
    return client.post(f"{emu.account_url}/api/v2/statements{query}", json=body, headers=headers)


def test_result_set_shape(spcs: SpcsEmulator, client: httpx.Client, jwt_token: str) -> None:
    reply = post(client, spcs, sql_headers(jwt_token, "KEYPAIR_JWT"), {"statement": "DESCRIBE SERVICE ECHO_SERVICE"})
    assert reply.status_code == 200
    body = reply.json()
    meta = body["resultSetMetaData"]
    assert meta["format"] == "jsonv2"
    assert meta["numRows"] == 1
    names = [column["name"] for column in meta["rowType"]]
    assert names[:3] == ["name", "status", "database_name"]
    assert set(meta["rowType"][0]) == {
        "name", "database", "schema", "table", "scale", "precision", "length", "type", "nullable", "byteLength", "collation",
    }  # fmt: skip
    assert meta["partitionInfo"] == [{"rowCount": 1, "uncompressedSize": meta["partitionInfo"][0]["uncompressedSize"]}]
    row = dict(zip(names, body["data"][0], strict=True))
    assert row["status"] == "RUNNING"
    assert all(cell is None or isinstance(cell, str) for cell in body["data"][0])
    assert body["code"] == "090001"
    assert body["sqlState"] == "00000"
    assert body["statementStatusUrl"].startswith(f"/api/v2/statements/{body['statementHandle']}")
    assert isinstance(body["createdOn"], int)
    assert spcs.stats()["sql_statements"] == 1


@pytest.mark.parametrize("token_type", [None, "PROGRAMMATIC_ACCESS_TOKEN"])
def test_pat_auth(spcs: SpcsEmulator, client: httpx.Client, token_type: str | None) -> None:
    reply = post(client, spcs, sql_headers(spcs.pat, token_type), {"statement": "SELECT CURRENT_USER()"})
    assert reply.json()["data"] == [["SPCS_USER"]]


def test_jwt_without_token_type_header(spcs: SpcsEmulator, client: httpx.Client, jwt_token: str) -> None:
    assert post(client, spcs, sql_headers(jwt_token), {"statement": "SELECT 1"}).status_code == 200


def test_spcs_session_token_as_oauth(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = post(client, spcs, sql_headers(spcs.mint_session_token(), "OAUTH"), {"statement": "SELECT CURRENT_ROLE()"})
    assert reply.json()["data"] == [["SPCS_ROLE"]]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Accept": "application/json", "User-Agent": "t/1"}, "390303"),
        (sql_headers("nonsense"), "390303"),
        (sql_headers("pat_wrong", "PROGRAMMATIC_ACCESS_TOKEN"), "390303"),
        (sql_headers("x.y.z", "KEYPAIR_JWT"), "394306"),
    ],
    ids=["missing", "unknown", "bad-pat", "bad-jwt"],
)
def test_401(spcs: SpcsEmulator, client: httpx.Client, headers: dict[str, str], code: str) -> None:
    reply = post(client, spcs, headers, {"statement": "SELECT 1"})
    assert reply.status_code == 401
    assert reply.json()["code"] == code


def test_exchanged_ingress_token_is_not_a_sql_credential(
    spcs: SpcsEmulator, client: httpx.Client, jwt_token: str
) -> None:
    host = spcs.ingress_url().removeprefix("http://")
    data = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": jwt_token, "scope": host}
    ingress_token = client.post(f"{spcs.account_url}/oauth/token", data=data).text
    assert post(client, spcs, sql_headers(ingress_token, "OAUTH"), {"statement": "SELECT 1"}).status_code == 401


def test_header_and_payload_errors(spcs: SpcsEmulator, client: httpx.Client) -> None:
    url = f"{spcs.account_url}/api/v2/statements"
    headers = sql_headers(spcs.pat)
    assert client.post(url, content="SELECT 1", headers={**headers, "Content-Type": "text/plain"}).status_code == 415
    no_agent = {k: v for k, v in headers.items() if k != "User-Agent"}
    request = client.build_request("POST", url, json={"statement": "SELECT 1"}, headers=no_agent)
    del request.headers["user-agent"]
    missing_agent = client.send(request)
    assert missing_agent.status_code == 400
    assert "User-Agent" in missing_agent.json()["message"]
    assert (
        client.post(url, json={"statement": "SELECT 1"}, headers={**headers, "Accept": "text/html"}).status_code == 406
    )
    bad = client.post(url, content=b"{not json", headers={**headers, "Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "390142"
    assert client.post(url, json={"sql": "SELECT 1"}, headers=headers).status_code == 400


def test_unknown_sql_is_422(spcs: SpcsEmulator, client: httpx.Client) -> None:
    reply = post(client, spcs, sql_headers(spcs.pat), {"statement": "FROBNICATE"})
    assert reply.status_code == 422
    body = reply.json()
    assert (body["code"], body["sqlState"]) == ("001003", "42000")
    assert body["statementHandle"]


def test_role_and_namespace_are_honoured(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    assert post(client, spcs, headers, {"statement": "SELECT CURRENT_ROLE()", "role": "PUBLIC"}).json()["data"] == [
        ["PUBLIC"]
    ]
    denied = post(client, spcs, headers, {"statement": "SELECT 1", "role": "ACCOUNTADMIN"})
    assert denied.status_code == 422
    assert denied.json()["code"] == "390189"
    spcs.add_service("ELSEWHERE", database="OTHER_DB", schema="S")
    found = post(
        client, spcs, headers, {"statement": "DESCRIBE SERVICE ELSEWHERE", "database": "OTHER_DB", "schema": "S"}
    )
    assert found.status_code == 200
    assert post(client, spcs, headers, {"statement": "DESCRIBE SERVICE ELSEWHERE"}).status_code == 422


def test_retry_with_same_request_id_does_not_reexecute(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    first = post(client, spcs, headers, {"statement": "SELECT 1"}, "?requestId=req-1")
    again = post(client, spcs, headers, {"statement": "SELECT 1"}, "?requestId=req-1&retry=true")
    assert again.json()["statementHandle"] == first.json()["statementHandle"]
    assert spcs.stats()["sql_statements"] == 1
    fresh = post(client, spcs, headers, {"statement": "SELECT 1"}, "?requestId=req-1")
    assert fresh.json()["statementHandle"] != first.json()["statementHandle"]


def test_service_start_progresses_through_polls(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.add_service("SLOW_SERVICE", start_after_polls=2)
    headers = sql_headers(spcs.pat)
    seen = []
    for _ in range(3):
        reply = post(client, spcs, headers, {"statement": "DESCRIBE SERVICE SLOW_SERVICE"})
        names = [c["name"] for c in reply.json()["resultSetMetaData"]["rowType"]]
        seen.append(reply.json()["data"][0][names.index("status")])
    assert seen == ["PENDING", "PENDING", "RUNNING"]


def test_sync_job_answers_202_then_done_by_polling(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    reply = post(client, spcs, headers, {"statement": JOB_SQL.format(file="job.yaml", name="JOB_A")})
    assert reply.status_code == 202
    body = reply.json()
    assert body["code"] == "333334"
    url = f"{spcs.account_url}{body['statementStatusUrl']}"
    statuses = []
    for _ in range(10):
        polled = client.get(url, headers=headers)
        statuses.append(polled.status_code)
        if polled.status_code != 202:
            break
    assert statuses[-1] == 200
    assert statuses.count(202) >= 1
    assert polled.json()["data"] == [["Job JOB_A completed successfully with status: DONE."]]


def test_failing_job_answers_422(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    reply = post(
        client, spcs, headers, {"statement": JOB_SQL.format(file="failing_job.yaml", name="JOB_F")}, "?async=true"
    )
    assert reply.status_code == 202
    url = f"{spcs.account_url}/api/v2/statements/{reply.json()['statementHandle']}"
    for _ in range(10):
        polled = client.get(url, headers=headers)
        if polled.status_code != 202:
            break
    assert polled.status_code == 422
    assert "FAILED" in polled.json()["message"]


def test_partitions_and_link_header(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.settings.rows_per_partition = 2
    for index in range(3):  # with ECHO_SERVICE and API_SERVICE: five services
        spcs.add_service(f"PART_{index}", endpoints=())
    headers = sql_headers(spcs.pat)
    try:
        reply = post(client, spcs, headers, {"statement": "SHOW SERVICES"})
    finally:
        spcs.settings.rows_per_partition = 1000
    body = reply.json()
    info = body["resultSetMetaData"]["partitionInfo"]
    assert [p["rowCount"] for p in info] == [2, 2, 1]
    assert body["resultSetMetaData"]["numRows"] == 5
    assert 'rel="next"' in reply.headers["link"]
    handle = body["statementHandle"]
    spcs.settings.rows_per_partition = 2
    try:
        rows = []
        for partition in range(3):
            part = client.get(f"{spcs.account_url}/api/v2/statements/{handle}?partition={partition}", headers=headers)
            rows += part.json()["data"]
        missing = client.get(f"{spcs.account_url}/api/v2/statements/{handle}?partition=9", headers=headers)
    finally:
        spcs.settings.rows_per_partition = 1000
    assert len(rows) == 5
    assert missing.status_code == 422


def test_cancel(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    handle = post(
        client, spcs, headers, {"statement": JOB_SQL.format(file="job.yaml", name="JOB_C")}, "?async=true"
    ).json()["statementHandle"]
    cancelled = client.post(f"{spcs.account_url}/api/v2/statements/{handle}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["code"] == "000604"
    after = client.get(f"{spcs.account_url}/api/v2/statements/{handle}", headers=headers)
    assert after.status_code == 422
    assert after.json()["sqlState"] == "57014"
    unknown = client.post(f"{spcs.account_url}/api/v2/statements/nope/cancel", headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "000709"


def test_handles_are_private_to_their_user(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.add_user("OTHER", pat="pat_other", default_role="PUBLIC")
    handle = post(client, spcs, sql_headers(spcs.pat), {"statement": "SELECT 1"}).json()["statementHandle"]
    reply = client.get(f"{spcs.account_url}/api/v2/statements/{handle}", headers=sql_headers("pat_other"))
    assert reply.status_code == 422


def test_multi_statement(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    body = {"statement": "SELECT CURRENT_USER(); SELECT CURRENT_ROLE()", "parameters": {"MULTI_STATEMENT_COUNT": 2}}
    reply = post(client, spcs, headers, body)
    assert reply.status_code == 200
    handles = reply.json()["statementHandles"]
    assert reply.json()["data"] == [["Multiple statements executed successfully."]]
    second = client.get(f"{spcs.account_url}/api/v2/statements/{handles[1]}", headers=headers)
    assert second.json()["data"] == [["SPCS_ROLE"]]
    mismatch = post(client, spcs, headers, {"statement": "SELECT 1; SELECT 2"})
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "000008"


def test_nullable_false_renders_null_as_text(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    plain = post(client, spcs, headers, {"statement": "DESCRIBE SERVICE ECHO_SERVICE"})
    as_text = post(client, spcs, headers, {"statement": "DESCRIBE SERVICE ECHO_SERVICE"}, "?nullable=false")
    assert None in plain.json()["data"][0]
    assert None not in as_text.json()["data"][0]
    assert "null" in as_text.json()["data"][0]


def test_async_answers_202_with_the_handle_even_for_a_quick_statement(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    reply = post(client, spcs, headers, {"statement": "SELECT CURRENT_USER()"}, "?async=true&requestId=r-1")
    assert reply.status_code == 202
    body = reply.json()
    assert body["code"] == "333334"
    assert "data" not in body
    assert body["statementStatusUrl"] == f"/api/v2/statements/{body['statementHandle']}?requestId=r-1"
    fetched = client.get(f"{spcs.account_url}{body['statementStatusUrl']}", headers=headers)
    assert fetched.status_code == 200
    assert fetched.json()["data"] == [["SPCS_USER"]]


def test_async_failure_is_seen_on_the_fetch(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    reply = post(client, spcs, headers, {"statement": "DESCRIBE SERVICE NO_SUCH_SERVICE"}, "?async=true")
    assert reply.status_code == 202
    fetched = client.get(f"{spcs.account_url}/api/v2/statements/{reply.json()['statementHandle']}", headers=headers)
    assert fetched.status_code == 422
    assert "does not exist" in fetched.json()["message"]


def test_nullable_false_holds_for_a_polled_result(spcs: SpcsEmulator, client: httpx.Client) -> None:
    headers = sql_headers(spcs.pat)
    query = "?async=true&nullable=false"
    handle = post(client, spcs, headers, {"statement": "DESCRIBE SERVICE ECHO_SERVICE"}, query).json()[
        "statementHandle"
    ]
    row = client.get(f"{spcs.account_url}/api/v2/statements/{handle}", headers=headers).json()["data"][0]
    assert None not in row
    assert "null" in row
