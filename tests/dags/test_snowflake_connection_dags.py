"""Each example DAG runs once with a ``snowflake``-type connection (the Snowflake provider's) under its conn id.

The examples are unchanged: only the connection behind ``snowflake_spcs_default`` (or
``snowflake_spcs_pat``) is a ``snowflake`` one, in a shape the Snowflake provider documents. Sync and
deferred variants are mixed, so triggers rebuild their hooks from such a connection too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from snowflake_connections import SHAPES, set_connection
from test_example_dag_runs import _run, _xcom  # the same run-and-read helpers as the sync/deferred suite

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.handlers import paginated_handler

pytestmark = [pytest.mark.dagtest, pytest.mark.usefixtures("airflow_db")]

DEFAULT = "snowflake_spcs_default"


def _use(
    shape: str, spcs: SpcsEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, conn_id: str = DEFAULT
) -> None:
    conn = SHAPES[shape][1](spcs, tmp_path)
    assert conn["conn_type"] == "snowflake"
    set_connection(monkeypatch, conn_id, conn)


def test_endpoint_example_deferred_with_key_pair(
    spcs: SpcsEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import example_spcs_endpoint as module

    _use("key pair, encrypted, passphrase in Password", spcs, tmp_path, monkeypatch)
    spcs.service("ECHO_SERVICE").start_after(polls=1)
    state, states, dr = _run(module.example_spcs_endpoint_deferrable)
    assert (state, states) == (
        "success",
        {"wait_for_service": "success", "call_endpoint": "success", "summarize": "success"},
    )
    assert _xcom(dr, "summarize") == {"caller": "SPCS_USER", "path": "/greet", "run_id": dr.run_id}


def test_pagination_example_with_the_pat_in_password(
    spcs: SpcsEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import example_spcs_pagination as module

    _use("PAT in Password, authenticator programmatic_access_token", spcs, tmp_path, monkeypatch, "snowflake_spcs_pat")
    try:
        spcs.service("CATALOG_SERVICE")
    except KeyError:
        spcs.add_service("CATALOG_SERVICE", endpoints=(("api", True),))
    spcs.set_handler("CATALOG_SERVICE", "api", paginated_handler(25, page_size=10))
    state, states, dr = _run(module.example_spcs_pagination)
    assert (state, states) == ("success", {"fetch_catalog": "success", "count": "success"})
    assert _xcom(dr, "count") == 25
    assert spcs.stats()["jwts_verified"] == 0  # the Password held a PAT, and it was sent as one


def test_job_example_deferred_with_oauth_client_credentials(
    spcs: SpcsEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import example_spcs_job as module

    _use("OAuth client-credentials grant", spcs, tmp_path, monkeypatch)
    state, states, dr = _run(module.example_spcs_job_deferrable)
    assert (state, states) == ("success", {"run_job": "success", "report": "success"})
    assert _xcom(dr, "run_job")["status"] == "DONE"
    assert spcs.stats()["requests"].get("oauth_server", 0) >= 1


def test_lifecycle_examples_with_a_password_and_legacy_keys(
    spcs: SpcsEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import example_spcs_lifecycle as module

    _use("password only", spcs, tmp_path, monkeypatch)
    state, states, dr = _run(module.example_spcs_nightly_suspend)
    assert (state, states) == ("success", {"suspend": "success"})
    assert spcs.service("ECHO_SERVICE").status == "SUSPENDED"

    _use("legacy extra__snowflake__ keys", spcs, tmp_path, monkeypatch)
    state, states, dr = _run(module.example_spcs_morning_resume_deferrable)
    assert state == "success"
    assert states == {"resume": "success", "endpoint_ready": "success", "smoke_test": "success"}
    assert _xcom(dr, "smoke_test") == 200
