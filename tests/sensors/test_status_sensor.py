"""SpcsServiceStatusSensor against the emulator: poke, reschedule-style pokes, and deferred."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from airflow_provider_spcs._compat import AirflowSensorTimeout, TaskDeferred
from airflow_provider_spcs.core.errors import SpcsServiceFailedError
from airflow_provider_spcs.sensors.spcs import SpcsServiceStatusSensor
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger


def _sensor(**kwargs: Any) -> SpcsServiceStatusSensor:
    kwargs.setdefault("task_id", "wait")
    kwargs.setdefault("service", "SPCS_DB.APP.ECHO_SERVICE")
    kwargs.setdefault("poke_interval", 0.05)
    kwargs.setdefault("timeout", 30)
    return SpcsServiceStatusSensor(**kwargs)


def test_poke_is_false_while_pending_then_true(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.service("ECHO_SERVICE").start_after(polls=2)
    sensor = _sensor()
    results = [sensor.poke({}) for _ in range(3)]
    assert [bool(r) for r in results] == [False, False, True]
    assert results[-1].xcom_value == "RUNNING"


@pytest.mark.parametrize("deferrable", [False, True])
def test_waits_until_running(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    spcs.service("ECHO_SERVICE").start_after(polls=3)
    result, triggers = drive(_sensor(deferrable=deferrable))
    assert result == "RUNNING"
    assert [type(t) for t in triggers] == ([SpcsServiceStatusTrigger] if deferrable else [])


@pytest.mark.parametrize("deferrable", [False, True])
def test_fails_fast_with_container_messages(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    service = spcs.service("ECHO_SERVICE")
    service.set_status("PENDING")  # stays PENDING until scripted
    # The service crashes while the sensor waits (on the worker, or in the trigger when deferred).
    crash = threading.Timer(
        0.3, service.fail, ("readiness probe failed: connection refused",), {"exit_code": 137, "restart_count": 4}
    )
    crash.start()
    started = time.monotonic()
    try:
        with pytest.raises(SpcsServiceFailedError) as err:
            drive(_sensor(deferrable=deferrable, timeout=3600))
    finally:
        crash.cancel()
    assert time.monotonic() - started < 20  # no waiting for the hour-long timeout
    message = str(err.value)
    assert "reached FAILED while waiting for RUNNING" in message
    assert "instance 0 / main: FAILED, restarts 4, exit code 137: readiness probe failed: connection refused" in message
    assert err.value.details[0]["restart_count"] in (4, "4")


def test_suspended_fails_unless_targeted(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.service("ECHO_SERVICE").set_status("SUSPENDED")
    with pytest.raises(SpcsServiceFailedError, match="reached SUSPENDED"):
        drive(_sensor())
    result, _ = drive(_sensor(target_statuses=["SUSPENDED", "RUNNING"]))
    assert result == "SUSPENDED"


@pytest.mark.parametrize("deferrable", [False, True])
def test_wait_for_endpoints(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    name = f"PROVISIONING_{int(deferrable)}"
    spcs.add_service(name, provision_after_polls=3)
    result, triggers = drive(_sensor(service=name, wait_for_endpoints=True, deferrable=deferrable))
    assert result == "RUNNING"
    assert len(triggers) == int(deferrable)
    assert spcs.service(name).poll_count >= 3


def test_deferred_timeout_is_a_sensor_timeout(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    spcs.service("ECHO_SERVICE").set_status("PENDING")
    sensor = _sensor(deferrable=True, timeout=0.5, poke_interval=0.1)
    with pytest.raises(AirflowSensorTimeout, match="still PENDING at the deadline"):
        drive(sensor)


def test_deferred_trigger_has_absolute_deadline_and_padded_timeout(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.service("ECHO_SERVICE").set_status("PENDING")
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        _sensor(deferrable=True, timeout=600).execute({})
    kwargs = deferred.value.trigger.serialize()[1]
    assert before + 600 <= kwargs["deadline"] <= time.time() + 600
    assert deferred.value.timeout.total_seconds() > 600  # Airflow's own timeout fires after ours


def test_poke_mode_times_out(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.service("ECHO_SERVICE").set_status("PENDING")
    with pytest.raises(AirflowSensorTimeout):
        _sensor(timeout=0.3, poke_interval=0.1).execute({})


def test_reschedule_mode_uses_the_same_poke(spcs: SpcsEmulator, spcs_conn: str) -> None:
    # In reschedule mode Airflow calls poke() once per try; each try is one status check.
    spcs.service("ECHO_SERVICE").start_after(polls=1)
    sensor = _sensor(mode="reschedule")
    assert sensor.reschedule
    assert not sensor.poke({})
    assert sensor.poke({})


def test_bad_target_status_fails_at_parse_time() -> None:
    with pytest.raises(ValueError, match="target_statuses"):
        _sensor(target_statuses=["RUNING"])


def test_request_retry_policy_reaches_each_status_read(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    from airflow_provider_spcs.core.errors import SpcsApiError
    from airflow_provider_spcs.core.retry import RetryPolicy

    patient = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.01)
    spcs.inject("sql_api", status=503, count=3)
    assert drive(_sensor(request_retry_policy=patient))[0] == "RUNNING"  # the default 5 would also do
    impatient = {"max_attempts": 1}
    spcs.inject("sql_api", status=503, count=1)
    with pytest.raises(SpcsApiError) as worker:
        drive(_sensor(request_retry_policy=impatient))
    assert worker.value.status_code == 503
    # Deferred: checked once on the worker, then in the triggerer with the same policy.
    spcs.service("ECHO_SERVICE").start_after(polls=1)
    sensor = _sensor(deferrable=True, request_retry_policy=impatient)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({})
    trigger = deferred.value.trigger
    assert isinstance(trigger, SpcsServiceStatusTrigger)
    assert trigger.serialize()[1]["retry_policy"]["max_attempts"] == 1
    spcs.inject("sql_api", status=503, count=1)
    with pytest.raises(SpcsApiError):
        sensor.execute_complete({}, event=_first_event(trigger))


def _first_event(trigger: SpcsServiceStatusTrigger) -> dict[str, Any]:
    import asyncio

    async def first() -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("no event")

    return asyncio.run(first())
