"""Each example DAG run end to end with ``dag.test()`` against the emulator, sync and deferred.

``dag.test()`` does not raise when a task fails, so every test asserts the run state, each task's
state and the XCom values. Triggers run inline, so the deferred variants exercise the triggers'
``run()`` through real sockets too.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.handlers import paginated_handler

pytestmark = [pytest.mark.dagtest, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture(autouse=True)
def _info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


def _run(dag: Any) -> tuple[str, dict[str, str], Any]:
    dr = dag.test()
    states = {ti.task_id: str(ti.state) for ti in dr.get_task_instances()}
    return str(dr.state), states, dr


def _triggers_run(caplog: pytest.LogCaptureFixture) -> int:
    """How many triggers ``dag.test()`` ran inline (it logs one line per trigger)."""
    return sum("[DAG TEST] running trigger in line" in m for m in caplog.messages)


def _expected(variant: str, n: int) -> int:
    return n if variant else 0


def _reschedules(dr: Any, task_id: str) -> int:
    """How often a reschedule-mode sensor gave its slot back before succeeding."""
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    (ti,) = [ti for ti in dr.get_task_instances() if ti.task_id == task_id]
    with create_session() as session:
        return int(session.scalar(select(func.count()).where(TaskReschedule.ti_id == ti.id)) or 0)


def _xcom(dr: Any, task_id: str, key: str = "return_value") -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=dr.run_id, dag_ids=dr.dag_id, task_ids=task_id, key=key)
        ).first()
        assert row is not None, f"no XCom from {task_id}"
        return XComModel.deserialize_value(row)


@pytest.mark.parametrize("variant", ["", "_deferrable"])
def test_endpoint_example(variant: str, spcs: SpcsEmulator, spcs_conn: str, caplog: pytest.LogCaptureFixture) -> None:
    import example_spcs_endpoint as module

    # Start PENDING with the endpoint still provisioning, so the sensor has to wait (or defer).
    spcs.service("ECHO_SERVICE").start_after(polls=2)
    dag = getattr(module, f"example_spcs_endpoint{variant}")
    state, states, dr = _run(dag)
    assert state == "success"
    assert states == {"wait_for_service": "success", "call_endpoint": "success", "summarize": "success"}
    assert _triggers_run(caplog) == _expected(variant, 2)  # the sensor's wait and the request
    # Synchronous variant: the reschedule-mode sensor saw PENDING twice and gave its slot back.
    assert _reschedules(dr, "wait_for_service") == (0 if variant else 2)
    echo = _xcom(dr, "call_endpoint")
    assert echo["path"] == "/greet"
    assert echo["query"] == {"run_id": dr.run_id}
    assert "authorization" not in echo["headers"]  # the proxy strips the Snowflake credential
    assert _xcom(dr, "summarize") == {"caller": "SPCS_USER", "path": "/greet", "run_id": dr.run_id}
    assert _xcom(dr, "wait_for_service") == "RUNNING"
    # At most one key-pair JWT -> OAuth exchange: the token cache is process-wide, so an earlier
    # test's token may still serve this run; never one exchange per call.
    assert spcs.stats()["exchanges"] <= 1


@pytest.mark.parametrize("variant", ["", "_deferrable"])
def test_pagination_example_with_pat(
    variant: str, spcs: SpcsEmulator, spcs_conn_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import example_spcs_pagination as module

    spcs_conn_factory("pat", conn_id="snowflake_spcs_pat")
    try:
        spcs.service("CATALOG_SERVICE")
    except KeyError:
        spcs.add_service("CATALOG_SERVICE", endpoints=(("api", True),))
    spcs.set_handler("CATALOG_SERVICE", "api", paginated_handler(25, page_size=10))
    state, states, dr = _run(getattr(module, f"example_spcs_pagination{variant}"))
    assert state == "success"
    assert states == {"fetch_catalog": "success", "count": "success"}
    assert _triggers_run(caplog) == _expected(variant, 3)  # one deferral per page
    assert _xcom(dr, "fetch_catalog") == list(range(25))
    assert _xcom(dr, "count") == 25
    if variant:  # each earlier page kept once, pushed before a deferral and read back after it
        pages = [_xcom(dr, "fetch_catalog", key=f"spcs_page_{n}") for n in (0, 1)]
        assert [json.loads(page["text"])["items"][0] for page in pages] == [0, 10]
    assert spcs.stats()["requests"].get("ingress") == 3  # three pages, one request each
    assert spcs.stats()["jwts_verified"] == 0  # PAT: no key-pair JWT anywhere


@pytest.mark.parametrize("variant", ["", "_deferrable"])
def test_job_example(variant: str, spcs: SpcsEmulator, spcs_conn: str, caplog: pytest.LogCaptureFixture) -> None:
    import example_spcs_job as module

    state, states, dr = _run(getattr(module, f"example_spcs_job{variant}"))
    assert state == "success"
    assert states == {"run_job": "success", "report": "success"}
    assert _triggers_run(caplog) == _expected(variant, 1)
    result = _xcom(dr, "run_job")
    assert result["status"] == "DONE"
    assert result["job_name"].startswith("AIRFLOW_JOB_")
    assert _xcom(dr, "report") == f"{result['job_name']} ended DONE"
    with pytest.raises(KeyError):
        spcs.service(result["job_name"])  # drop_on_completion removed it


@pytest.mark.parametrize("variant", ["", "_deferrable"])
def test_lifecycle_examples(variant: str, spcs: SpcsEmulator, spcs_conn: str, caplog: pytest.LogCaptureFixture) -> None:
    import example_spcs_lifecycle as module

    state, states, dr = _run(getattr(module, f"example_spcs_nightly_suspend{variant}"))
    assert (state, states) == ("success", {"suspend": "success"})
    assert _triggers_run(caplog) == _expected(variant, 1)
    assert _xcom(dr, "suspend") == "SUSPENDED"
    caplog.clear()
    assert spcs.service("ECHO_SERVICE").status == "SUSPENDED"

    state, states, dr = _run(getattr(module, f"example_spcs_morning_resume{variant}"))
    assert state == "success"
    assert states == {"resume": "success", "endpoint_ready": "success", "smoke_test": "success"}
    # resume defers (PENDING first); the sensor then finds RUNNING at once and does not defer
    assert _triggers_run(caplog) == _expected(variant, 1)
    assert _xcom(dr, "resume") == "RUNNING"
    assert _xcom(dr, "smoke_test") == 200
    assert spcs.service("ECHO_SERVICE").status == "RUNNING"


@pytest.mark.parametrize("variant", ["", "_deferrable"])
def test_deploy_examples(variant: str, spcs: SpcsEmulator, spcs_conn: str, caplog: pytest.LogCaptureFixture) -> None:
    import example_spcs_deploy as module

    from airflow_provider_spcs.testing.model import Service

    name = f"ECHO_DEPLOYED{variant.upper()}"
    state, states, dr = _run(getattr(module, f"example_spcs_deploy{variant}"))
    assert state == "success"
    assert states == {
        "create_service": "success",
        "smoke_test": "success",
        "upgrade_to_v2": "success",
        "verify_digest": "success",
        "scale_out": "success",
    }
    # create (PENDING first), the rollout and the scaling each wait
    assert _triggers_run(caplog) == _expected(variant, 3)
    service = spcs.service(name)
    assert isinstance(service, Service)
    created = _xcom(dr, "create_service")
    upgraded = _xcom(dr, "upgrade_to_v2")
    assert created["name"] == f"SPCS_DB.APP.{name}"
    assert created["ingress_urls"] == {"echo": spcs.ingress_url(name)}
    assert upgraded["old_spec_digest"] == created["spec_digest"]
    assert upgraded["new_spec_digest"] == service.spec_digest == _xcom(dr, "verify_digest")
    assert "main:v2" in service.spec
    assert _xcom(dr, "smoke_test") == 200
    assert _xcom(dr, "scale_out")["current_instances"] == 2
    assert [(i.status, i.spec_digest) for i in service.instance_states()] == [("READY", service.spec_digest)] * 2
    caplog.clear()

    state, states, dr = _run(getattr(module, f"example_spcs_pool_nightly_suspend{variant}"))
    assert (state, states) == ("success", {"suspend_pool": "success"})
    assert _xcom(dr, "suspend_pool") == "SUSPENDED"
    assert _triggers_run(caplog) == _expected(variant, 1)
    assert service.status in {"SUSPENDING", "SUSPENDED"}  # suspended with its pool
    caplog.clear()

    state, states, dr = _run(getattr(module, f"example_spcs_pool_morning_resume{variant}"))
    assert state == "success"
    assert states == {"resume_pool": "success", "resume_service": "success", "pool_active": "success"}
    assert _xcom(dr, "resume_pool") == "IDLE"  # nothing runs on it until the service resumes
    assert _xcom(dr, "pool_active") == "ACTIVE"
    assert service.status == "RUNNING"
    assert _triggers_run(caplog) == _expected(variant, 2)  # both resumes defer; the sensor finds ACTIVE
