"""SpcsExecuteJobOperator against the emulator: submit, wait (worker or trigger), logs, cleanup."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from airflow_provider_spcs.core.errors import SpcsServiceFailedError, SpcsTimeoutError
from airflow_provider_spcs.operators.spcs import SpcsExecuteJobOperator
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.spcs import SpcsJobTrigger


def _op(**kwargs: Any) -> SpcsExecuteJobOperator:
    kwargs.setdefault("task_id", "job")
    kwargs.setdefault("compute_pool", "SPCS_POOL")
    if "spec" not in kwargs:
        kwargs.setdefault("stage", "@SPCS_DB.APP.SPECS")
        kwargs.setdefault("spec_file", "job.yaml")
    kwargs.setdefault("poll_interval", 0.05)
    return SpcsExecuteJobOperator(**kwargs)


def _jobs(spcs: SpcsEmulator) -> list[Any]:
    return [s for s in spcs.world.services.values() if s.is_job]


@pytest.mark.parametrize("deferrable", [False, True])
def test_job_runs_to_done_and_logs_reach_the_task_log(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    result, triggers = drive(_op(name="NIGHTLY_JOB_" + str(int(deferrable)), deferrable=deferrable))
    assert result == {"job_name": f"NIGHTLY_JOB_{int(deferrable)}", "status": "DONE"}
    assert [type(t) for t in triggers] == ([SpcsJobTrigger] if deferrable else [])
    out = "".join(capfd.readouterr())
    assert f"Logs of NIGHTLY_JOB_{int(deferrable)} instance 0 / main" in out
    job = spcs.service(f"NIGHTLY_JOB_{int(deferrable)}")
    assert job.status == "DONE"  # kept: drop_on_completion is off by default
    for line in job.logs[("0", "main")]:
        assert line in out


@pytest.mark.parametrize("deferrable", [False, True])
def test_failed_job_fails_with_container_state_and_log_tail(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    with pytest.raises(SpcsServiceFailedError) as err:
        drive(_op(spec_file="failing_job.yaml", deferrable=deferrable, drop_on_completion=True))
    message = str(err.value)
    assert "reached FAILED while waiting for DONE" in message
    assert "instance 0 / main: FAILED" in message
    assert "exit code 1" in message
    assert "Last log lines:" in message
    assert err.value.status == "FAILED"
    assert err.value.details[0]["container_name"] == "main"
    name = message.split()[2]
    with pytest.raises(KeyError):
        spcs.service(name)  # drop_on_completion also cleans up after a failure


def test_inline_spec_with_replicas_and_options(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spec = {"spec": {"containers": [{"name": "worker", "image": "/spcs_db/app/repo/worker:1"}]}}
    result, _ = drive(
        _op(spec=spec, name="SPCS_DB.APP.INLINE_JOB", replicas=2, comment="from airflow", drop_on_completion=True)
    )
    assert result["status"] == "DONE"
    assert result["job_name"] == "SPCS_DB.APP.INLINE_JOB"
    assert spcs.stats()["sql_statements"] >= 4  # submit, polls, containers, logs per instance, drop


def test_timeout_drops_the_job(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.add_job_spec("@SPCS_DB.APP.SPECS", "long_job.yaml", run_polls=10_000)
    with pytest.raises(SpcsTimeoutError):
        drive(_op(spec_file="long_job.yaml", name="LONG_JOB", wait_timeout=0.3, poll_interval=0.1))
    with pytest.raises(KeyError):
        spcs.service("LONG_JOB")


def test_deferred_timeout_survives_and_drops(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.add_job_spec("@SPCS_DB.APP.SPECS", "long_job.yaml", run_polls=10_000)
    with pytest.raises(SpcsTimeoutError):
        drive(_op(spec_file="long_job.yaml", name="LONG_DEFERRED", wait_timeout=0.5, deferrable=True))
    with pytest.raises(KeyError):
        spcs.service("LONG_DEFERRED")


def test_on_kill_while_waiting_on_the_worker_drops_the_job(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_job_spec("@SPCS_DB.APP.SPECS", "long_job.yaml", run_polls=10_000)
    op = _op(spec_file="long_job.yaml", name="KILLED_JOB", poll_interval=0.1, wait_timeout=5)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            op.execute({})
        except BaseException as exc:  # the wait ends once the job is gone
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    for _ in range(100):
        if any(s.name == "KILLED_JOB" for s in _jobs(spcs)):
            break
        time.sleep(0.05)
    op.on_kill()  # what Airflow calls when the task is killed
    worker.join(10)
    assert not worker.is_alive()
    with pytest.raises(KeyError):
        spcs.service("KILLED_JOB")
    assert errors  # the waiting task saw its job disappear and stopped


def test_generated_name_is_known_before_submit(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = _op()
    result, _ = drive(op)
    assert result["job_name"].startswith("AIRFLOW_JOB_")
    assert op._job_name == result["job_name"]


def test_spec_source_must_be_one_of_stage_or_inline() -> None:
    with pytest.raises(ValueError, match="not both"):
        SpcsExecuteJobOperator(task_id="j", compute_pool="p", stage="@s", spec_file="f", spec="a: 1")
    with pytest.raises(ValueError, match="stage \\+ spec_file, or an inline spec"):
        SpcsExecuteJobOperator(task_id="j", compute_pool="p", stage="@s")
