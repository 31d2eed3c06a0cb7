"""Deploying services and operating compute pools through the SQL API over a real socket:
CREATE SERVICE, its ingress, the rolling upgrade, scaling, a broken image, pools, resets."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from emu_helpers import WEB_SPEC, post_sql, snowflake_token, sql_row, sql_rows

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import Pace

SPEC = WEB_SPEC


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def until(client: httpx.Client, emu: SpcsEmulator, statement: str, column: str, wanted: str, looks: int = 10) -> int:
    """Poll ``statement`` until its single row's ``column`` is ``wanted``; the looks it took."""
    for look in range(1, looks + 1):
        if sql_row(client, emu, statement)[column] == wanted:
            return look
    raise AssertionError(f"{column} never became {wanted}")


def test_create_service_from_a_stage_file_serves_its_endpoint(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.add_stage_file("@SPCS_DB.APP.SPECS", "web.yaml", SPEC.format(tag="v1"))
    body = post_sql(
        client,
        spcs,
        "CREATE SERVICE web IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='web.yaml' MIN_INSTANCES=2",
    )
    assert body["data"] == [["Service WEB successfully created."]]
    assert until(client, spcs, "DESCRIBE SERVICE web", "status", "RUNNING") == 2
    row = sql_row(client, spcs, "SHOW SERVICES LIKE 'WEB'")
    assert (row["current_instances"], row["target_instances"], row["is_upgrading"]) == ("2", "2", "false")
    assert row["spec_digest"] == sha(SPEC.format(tag="v1"))
    [endpoint] = sql_rows(post_sql(client, spcs, "SHOW ENDPOINTS IN SERVICE web"))
    assert endpoint["ingress_url"] == spcs.ingress_url("WEB", "api")
    echo = client.get(f"{endpoint['ingress_url']}/hello", headers=snowflake_token(spcs.pat))
    assert echo.status_code == 200
    assert (echo.json()["path"], echo.json()["user"], echo.json()["secrets"]) == ("/hello", "SPCS_USER", {})


def test_duplicate_create_is_422_and_if_not_exists_succeeds(spcs: SpcsEmulator, client: httpx.Client) -> None:
    sql = "CREATE SERVICE echo_service IN COMPUTE POOL spcs_pool FROM @specs SPECIFICATION_FILE='echo_service_v2.yaml'"
    body = post_sql(client, spcs, sql, status=422)
    assert (body["code"], body["sqlState"]) == ("002002", "42710")
    assert body["message"] == "SQL compilation error:\nObject 'ECHO_SERVICE' already exists."
    again = post_sql(client, spcs, sql.replace("SERVICE echo_service", "SERVICE IF NOT EXISTS echo_service"))
    assert again["data"] == [["ECHO_SERVICE already exists, statement succeeded."]]
    unknown = post_sql(
        client, spcs, sql.replace("echo_service IN COMPUTE POOL spcs_pool", "x IN COMPUTE POOL nope"), status=422
    )
    assert unknown["code"] == "002003"


def test_rolling_upgrade_from_a_template_with_lagging_digests(spcs: SpcsEmulator, client: httpx.Client) -> None:
    post_sql(client, spcs, "ALTER SERVICE echo_service SET MIN_INSTANCES = 2")
    until(client, spcs, "SHOW SERVICES LIKE 'ECHO_SERVICE'", "current_instances", "2")
    old = sql_row(client, spcs, "DESCRIBE SERVICE echo_service")["spec_digest"]
    post_sql(
        client,
        spcs,
        "ALTER SERVICE echo_service FROM @specs SPECIFICATION_TEMPLATE_FILE='echo_service_template.yaml' USING (tag=>'v3')",
    )
    described = sql_row(client, spcs, "DESCRIBE SERVICE echo_service")
    new = described["spec_digest"]
    assert new != old
    assert (described["status"], described["is_upgrading"]) == ("RUNNING", "true")
    assert "images/main:v3" in str(described["spec"])
    history = []
    for _ in range(4):  # each SHOW is one look: one step of the rollout
        rows = sql_rows(post_sql(client, spcs, "SHOW SERVICE INSTANCES IN SERVICE echo_service"))
        history.append([(r["instance_id"], r["status"], r["spec_digest"] == new) for r in rows])
    # the DESCRIBE above saw instance 1 TERMINATING; then it restarts on the new digest, then instance 0
    assert history == [
        [("0", "READY", False), ("1", "PENDING", True)],
        [("0", "TERMINATING", False), ("1", "READY", True)],
        [("0", "PENDING", True), ("1", "READY", True)],
        [("0", "READY", True), ("1", "READY", True)],
    ]
    assert sql_row(client, spcs, "SHOW SERVICES LIKE 'ECHO_SERVICE'")["is_upgrading"] == "false"
    final = sql_rows(post_sql(client, spcs, "SHOW SERVICE INSTANCES IN SERVICE echo_service"))
    assert {(r["status"], r["spec_digest"]) for r in final} == {("READY", new)}
    assert client.get(spcs.ingress_url(), headers=snowflake_token(spcs.pat)).status_code == 200


def test_upgrade_to_a_broken_image_fails_fast_with_container_details(spcs: SpcsEmulator, client: httpx.Client) -> None:
    spcs.mark_image_broken("images/web:bad", message="ImagePullBackOff: manifest unknown", exit_code=2)
    post_sql(
        client, spcs, f"CREATE SERVICE web IN COMPUTE POOL spcs_pool FROM SPECIFICATION $${SPEC.format(tag='v1')}$$"
    )
    until(client, spcs, "DESCRIBE SERVICE web", "status", "RUNNING")
    post_sql(client, spcs, f"ALTER SERVICE web FROM SPECIFICATION $${SPEC.format(tag='bad')}$$")
    until(client, spcs, "DESCRIBE SERVICE web", "status", "FAILED")
    [container] = sql_rows(post_sql(client, spcs, "SHOW SERVICE CONTAINERS IN SERVICE web"))
    assert (container["instance_status"], container["status"], container["last_exit_code"]) == ("FAILED", "FAILED", "2")
    assert container["message"] == "ImagePullBackOff: manifest unknown"
    assert sql_row(client, spcs, "SHOW SERVICES LIKE 'WEB'")["is_upgrading"] == "true"
    assert client.get(spcs.ingress_url("WEB", "api"), headers=snowflake_token(spcs.pat)).status_code == 503


def test_compute_pool_lifecycle(spcs: SpcsEmulator, client: httpx.Client) -> None:
    body = post_sql(client, spcs, "CREATE COMPUTE POOL nightly MIN_NODES=1 MAX_NODES=2 INSTANCE_FAMILY=CPU_X64_S")
    assert body["data"] == [["Compute Pool NIGHTLY successfully created."]]
    assert until(client, spcs, "DESCRIBE COMPUTE POOL nightly", "state", "IDLE") == 2
    post_sql(client, spcs, f"CREATE SERVICE web IN COMPUTE POOL nightly FROM SPECIFICATION $${SPEC.format(tag='v1')}$$")
    until(client, spcs, "DESCRIBE SERVICE web", "status", "RUNNING")
    pool = sql_row(client, spcs, "SHOW COMPUTE POOLS LIKE 'NIGHTLY'")
    assert (pool["state"], pool["num_services"], pool["active_nodes"]) == ("ACTIVE", "1", "1")
    post_sql(client, spcs, "ALTER COMPUTE POOL nightly SUSPEND")
    until(client, spcs, "DESCRIBE COMPUTE POOL nightly", "state", "SUSPENDED")
    assert sql_row(client, spcs, "DESCRIBE SERVICE web")["status"] in {"SUSPENDING", "SUSPENDED"}
    post_sql(client, spcs, "ALTER COMPUTE POOL nightly RESUME")
    assert sql_row(client, spcs, "DESCRIBE COMPUTE POOL nightly")["state"] == "STARTING"
    until(client, spcs, "DESCRIBE COMPUTE POOL nightly", "state", "IDLE")
    spcs.compute_pool("nightly").fail_to_start("392507", "no capacity")
    failing = sql_row(client, spcs, "DESCRIBE COMPUTE POOL nightly")
    assert (failing["state"], failing["error_code"], failing["status_message"]) == ("STARTING", "392507", "no capacity")


def test_reset_removes_what_a_test_deployed(spcs: SpcsEmulator, client: httpx.Client) -> None:
    post_sql(client, spcs, "CREATE COMPUTE POOL temp MIN_NODES=1 MAX_NODES=1 INSTANCE_FAMILY=CPU_X64_XS")
    post_sql(client, spcs, f"CREATE SERVICE web IN COMPUTE POOL temp FROM SPECIFICATION $${SPEC.format(tag='v1')}$$")
    post_sql(client, spcs, "ALTER SERVICE echo_service FROM @specs SPECIFICATION_FILE='echo_service_v2.yaml'")
    post_sql(client, spcs, "ALTER COMPUTE POOL spcs_pool SET MAX_NODES = 5")
    echo_url = spcs.ingress_url()
    spcs.timings.service_start = Pace(polls=9)
    spcs.reset()
    assert [r["name"] for r in sql_rows(post_sql(client, spcs, "SHOW COMPUTE POOLS"))] == ["SPCS_POOL"]
    assert sql_row(client, spcs, "SHOW COMPUTE POOLS")["max_nodes"] == "1"
    described = sql_row(client, spcs, "DESCRIBE SERVICE echo_service")
    assert (described["status"], described["is_upgrading"]) == ("RUNNING", "false")
    assert "main:latest" in str(described["spec"])
    assert spcs.ingress_url() == echo_url
    assert spcs.timings.service_start.polls == 1
    with pytest.raises(KeyError):
        spcs.service("WEB")
