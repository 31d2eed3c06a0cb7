"""Suspend / resume operators against the emulator, waiting on the worker or in the triggerer."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from airflow_provider_spcs.core.errors import SpcsServiceFailedError, SpcsSqlError
from airflow_provider_spcs.operators.spcs import SpcsResumeServiceOperator, SpcsSuspendServiceOperator
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import Service
from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger


@pytest.mark.parametrize("deferrable", [False, True])
def test_suspend_then_resume(spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool) -> None:
    common: dict[str, Any] = {"service": "ECHO_SERVICE", "poll_interval": 0.05, "deferrable": deferrable}
    status, triggers = drive(SpcsSuspendServiceOperator(task_id="s", **common))
    assert status == "SUSPENDED"
    assert spcs.service("ECHO_SERVICE").status == "SUSPENDED"
    # SUSPENDING is seen by the first poll, so the deferred variant really defers.
    assert [type(t) for t in triggers] == ([SpcsServiceStatusTrigger] if deferrable else [])

    status, triggers = drive(SpcsResumeServiceOperator(task_id="r", **common))
    assert status == "RUNNING"
    assert spcs.service("ECHO_SERVICE").status == "RUNNING"
    if deferrable:
        (trigger,) = triggers
        assert trigger.serialize()[1]["also_wait"] == ["SUSPENDED", "SUSPENDING"]


def test_without_waiting_returns_at_once(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    status, triggers = drive(SpcsSuspendServiceOperator(task_id="s", service="ECHO_SERVICE", wait_for_completion=False))
    assert (status, triggers) == (None, [])
    assert spcs.service("ECHO_SERVICE").status in {"SUSPENDING", "SUSPENDED"}


@pytest.mark.parametrize("deferrable", [False, True])
def test_resume_that_fails_reports_the_containers(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, deferrable: bool
) -> None:
    service = spcs.service("ECHO_SERVICE")
    assert isinstance(service, Service)
    service.set_status("SUSPENDED")
    saved = service.start_after_polls
    service.start_after_polls = 10_000  # resumes into a long PENDING...
    stop = threading.Event()

    def crash_once_resumed() -> None:  # ...and crashes while the operator waits (never before the ALTER)
        while service.status == "SUSPENDED" and not stop.wait(0.01):
            pass
        if not stop.wait(0.2):
            service.fail("image pull failed: not found", exit_code=2, restart_count=1)

    crash = threading.Thread(target=crash_once_resumed, daemon=True)
    crash.start()
    try:
        with pytest.raises(SpcsServiceFailedError, match="exit code 2: image pull failed"):
            drive(
                SpcsResumeServiceOperator(
                    task_id="r", service="ECHO_SERVICE", poll_interval=0.05, deferrable=deferrable
                )
            )
    finally:
        stop.set()
        crash.join()
        service.start_after_polls = saved


def test_missing_service_fails_unless_if_exists(spcs: SpcsEmulator, spcs_conn: str, drive: Any) -> None:
    with pytest.raises(SpcsSqlError, match="does not exist"):
        drive(SpcsSuspendServiceOperator(task_id="s", service="NOPE", wait_for_completion=False))
    status, _ = drive(
        SpcsSuspendServiceOperator(task_id="s", service="NOPE", if_exists=True, wait_for_completion=False)
    )
    assert status is None


def test_deferrable_defaults_to_airflow_config(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SpcsSuspendServiceOperator(task_id="a", service="s").deferrable is False
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert SpcsSuspendServiceOperator(task_id="b", service="s").deferrable is True
    assert SpcsSuspendServiceOperator(task_id="c", service="s", deferrable=False).deferrable is False
