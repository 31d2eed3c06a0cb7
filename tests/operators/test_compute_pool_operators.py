"""Suspend / resume compute pools and the compute pool sensor, on the worker and in the triggerer."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_spcs._compat import AirflowSensorTimeout
from airflow_provider_spcs.core.errors import SpcsComputePoolError, SpcsSqlError, SpcsTimeoutError
from airflow_provider_spcs.operators.spcs import SpcsResumeComputePoolOperator, SpcsSuspendComputePoolOperator
from airflow_provider_spcs.sensors.spcs import SpcsComputePoolSensor
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import Pace
from airflow_provider_spcs.triggers.spcs import SpcsComputePoolTrigger

CAPACITY = "Compute pool cannot acquire nodes: insufficient capacity in the region."


@pytest.mark.parametrize("deferrable", [False, True])
def test_suspend_then_resume(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    common: dict[str, Any] = {"compute_pool": "SPCS_POOL", "poll_interval": 0.05, "deferrable": deferrable}
    state, triggers = drive(SpcsSuspendComputePoolOperator(task_id="s", **common))
    assert state == "SUSPENDED"
    assert spcs.compute_pool("SPCS_POOL").status == "SUSPENDED"
    assert spcs.service("ECHO_SERVICE").status in {"SUSPENDING", "SUSPENDED"}  # suspended with its pool
    # STOPPING is seen by the first look, so the deferred variant really defers.
    assert [type(t) for t in triggers] == ([SpcsComputePoolTrigger] if deferrable else [])

    state, triggers = drive(SpcsResumeComputePoolOperator(task_id="r", **common))
    assert state == "IDLE"  # its service stays suspended until resumed itself
    assert [type(t) for t in triggers] == ([SpcsComputePoolTrigger] if deferrable else [])
    if deferrable:
        assert triggers[0].serialize()[1]["target_states"] == ["ACTIVE", "IDLE"]


def test_stop_all_drops_the_services_first(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.compute_pool("SPCS_POOL").refuse_busy_suspend = True  # the strict reading: busy pools refuse
    with pytest.raises(SpcsSqlError, match="STOP ALL"):
        drive(SpcsSuspendComputePoolOperator(task_id="s", compute_pool="SPCS_POOL"))
    state, _ = drive(
        SpcsSuspendComputePoolOperator(task_id="s", compute_pool="SPCS_POOL", stop_all=True, poll_interval=0.05)
    )
    assert state == "SUSPENDED"
    with pytest.raises(KeyError):
        spcs.service("ECHO_SERVICE")


@pytest.mark.parametrize("deferrable", [False, True])
def test_resume_fails_fast_on_the_pools_error(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    spcs.add_compute_pool("GPU_POOL", initially_suspended=True).fail_to_start(error_code="392507")
    op = SpcsResumeComputePoolOperator(task_id="r", compute_pool="GPU_POOL", poll_interval=0.05, deferrable=deferrable)
    with pytest.raises(SpcsComputePoolError) as err:
        drive(op)
    assert str(err.value) == f"Compute pool GPU_POOL is STARTING with error 392507: {CAPACITY}"
    assert (err.value.state, err.value.error_code, err.value.status_message) == ("STARTING", "392507", CAPACITY)


def test_missing_pool_fails_unless_if_exists(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    with pytest.raises(SpcsSqlError, match="does not exist"):
        drive(SpcsResumeComputePoolOperator(task_id="r", compute_pool="NOPE"))
    assert drive(SpcsResumeComputePoolOperator(task_id="r", compute_pool="NOPE", if_exists=True)) == (None, [])
    assert drive(SpcsSuspendComputePoolOperator(task_id="s", compute_pool="NOPE", if_exists=True)) == (None, [])


def test_without_waiting(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    op = SpcsSuspendComputePoolOperator(task_id="s", compute_pool="SPCS_POOL", wait_for_completion=False)
    assert drive(op) == (None, [])
    assert spcs.compute_pool("SPCS_POOL").status in {"STOPPING", "SUSPENDED"}


def test_a_wait_that_runs_out_times_out(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.add_compute_pool("SLOW_POOL", initially_suspended=True)
    spcs.timings.pool_start = Pace(polls=1000)  # STARTING for far longer than the wait
    op = SpcsResumeComputePoolOperator(
        task_id="r", compute_pool="SLOW_POOL", poll_interval=0.05, wait_timeout=0.3, deferrable=True
    )
    with pytest.raises(SpcsTimeoutError, match="still STARTING at the deadline"):
        drive(op)


# --- sensor ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("deferrable", [False, True])
def test_sensor_waits_for_the_target_state(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    spcs.compute_pool("SPCS_POOL").suspend()
    spcs.compute_pool("SPCS_POOL").resume()  # STARTING for one look
    sensor = SpcsComputePoolSensor(
        task_id="pool_up", compute_pool="SPCS_POOL", poke_interval=0.05, timeout=30, deferrable=deferrable
    )
    state, triggers = drive(sensor)
    assert state == "IDLE"
    assert [type(t) for t in triggers] == ([SpcsComputePoolTrigger] if deferrable else [])


@pytest.mark.parametrize("deferrable", [False, True])
def test_sensor_fails_fast_on_error_code(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    spcs.compute_pool("SPCS_POOL").fail_to_start(status_message="no GPU left")
    sensor = SpcsComputePoolSensor(
        task_id="pool_up", compute_pool="SPCS_POOL", poke_interval=0.05, timeout=30, deferrable=deferrable
    )
    with pytest.raises(SpcsComputePoolError, match="no GPU left"):
        drive(sensor)


@pytest.mark.parametrize("deferrable", [False, True])
def test_sensor_timeout_is_airflows(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    sensor = SpcsComputePoolSensor(
        task_id="pool_down",
        compute_pool="SPCS_POOL",
        target_states="suspended",
        poke_interval=0.05,
        timeout=0.3,
        deferrable=deferrable,
    )
    with pytest.raises(AirflowSensorTimeout):
        drive(sensor)


def test_sensor_refuses_unknown_states_at_parse_time() -> None:
    with pytest.raises(ValueError, match="target_states"):
        SpcsComputePoolSensor(task_id="s", compute_pool="p", target_states=["RUNNING"])
