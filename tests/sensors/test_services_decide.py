"""The one status decision shared by sensor, operators and triggers (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from airflow_provider_spcs.core.effects import Sleep, Steps, done
from airflow_provider_spcs.core.endpoints import endpoints_ready
from airflow_provider_spcs.core.errors import SpcsApiError
from airflow_provider_spcs.core.polling import next_poll_sleep, poll_until_final
from airflow_provider_spcs.core.services import (
    Observation,
    Outcome,
    ServiceReads,
    ServiceStatus,
    ServiceWait,
    container_details,
    decide,
    failure_statuses,
    format_container_details,
    observe_service,
    parse_statuses,
)

S = ServiceStatus
T = TypeVar("T")
RUNNING = [S.RUNNING]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("RUNNING", Outcome.SUCCESS),
        ("running", Outcome.SUCCESS),
        ("PENDING", Outcome.WAIT),
        ("FAILED", Outcome.FAILED),
        ("INTERNAL_ERROR", Outcome.FAILED),
        ("DELETED", Outcome.FAILED),
        ("DELETING", Outcome.FAILED),
        ("SUSPENDED", Outcome.FAILED),
        ("SUSPENDING", Outcome.FAILED),
        ("DONE", Outcome.FAILED),
        ("UNKNOWN", Outcome.FAILED),
        (None, Outcome.FAILED),
    ],
)
def test_waiting_for_running(status: str | None, outcome: Outcome) -> None:
    assert decide(status, RUNNING, now=0.0, deadline=None).outcome is outcome


def test_targeted_terminal_status_is_success_and_its_way_there_is_waiting() -> None:
    assert decide("SUSPENDED", [S.SUSPENDED], now=0, deadline=None).outcome is Outcome.SUCCESS
    assert decide("SUSPENDING", [S.SUSPENDED], now=0, deadline=None).outcome is Outcome.WAIT
    assert decide("RUNNING", [S.SUSPENDED], now=0, deadline=None).outcome is Outcome.WAIT


def test_job_statuses() -> None:
    assert decide("DONE", [S.DONE], now=0, deadline=None).outcome is Outcome.SUCCESS
    assert decide("RUNNING", [S.DONE], now=0, deadline=None).outcome is Outcome.WAIT
    failed = decide("FAILED", [S.DONE], now=0, deadline=None)
    assert failed.outcome is Outcome.FAILED
    assert failed.reason == "reached FAILED while waiting for DONE"
    assert decide("CANCELLED", [S.DONE], now=0, deadline=None).outcome is Outcome.FAILED


def test_also_wait_sits_out_a_status_that_would_fail() -> None:
    assert decide("SUSPENDED", RUNNING, now=0, deadline=None, also_wait=[S.SUSPENDED]).outcome is Outcome.WAIT
    assert S.SUSPENDED not in failure_statuses(RUNNING, [S.SUSPENDED])


def test_deadline_turns_waiting_into_timeout_but_never_hides_a_result() -> None:
    assert decide("PENDING", RUNNING, now=100.0, deadline=100.0).outcome is Outcome.TIMEOUT
    assert decide("PENDING", RUNNING, now=99.9, deadline=100.0).outcome is Outcome.WAIT
    assert decide("RUNNING", RUNNING, now=500.0, deadline=100.0).outcome is Outcome.SUCCESS
    assert decide("FAILED", RUNNING, now=500.0, deadline=100.0).outcome is Outcome.FAILED


def test_parse_statuses() -> None:
    assert parse_statuses("running", field="t") == {S.RUNNING}
    assert parse_statuses(["DONE", " failed "], field="t") == {S.DONE, S.FAILED}
    with pytest.raises(ValueError, match="target_statuses"):
        parse_statuses(["RUNNIN"], field="target_statuses")
    with pytest.raises(ValueError, match="t:"):
        parse_statuses([], field="t")


def test_container_details_are_small_and_formatted() -> None:
    rows = [
        {
            "instance_id": "0",
            "container_name": "main",
            "status": "FAILED",
            "message": "x" * 2000,
            "restart_count": "3",
            "last_exit_code": "137",
            "image_name": "big/image:tag",
        },
    ]
    (detail,) = container_details(rows)
    assert "image_name" not in detail
    assert len(detail["message"]) == 503
    line = format_container_details([{**detail, "message": "OOMKilled"}])
    assert line == "instance 0 / main: FAILED, restarts 3, exit code 137: OOMKilled"
    assert format_container_details([]) == "no container details available"


def test_endpoints_ready() -> None:
    rows: list[dict[str, Any]] = [
        {"name": "echo", "is_public": "true", "ingress_url": "abc-org-acct.snowflakecomputing.app"},
        {
            "name": "api",
            "is_public": "true",
            "ingress_url": "Endpoints provisioning in progress... check back in a few minutes",
        },
        {"name": "internal", "is_public": "false", "ingress_url": None},
    ]
    assert endpoints_ready(rows, True) == (False, ["api"])
    assert endpoints_ready(rows, ["echo"]) == (True, [])
    assert endpoints_ready(rows, ["ECHO", "missing"]) == (False, ["missing"])
    assert endpoints_ready(rows, False) == (True, [])


class _Sql:
    """Scripted rows per statement (the real hook runs the socket tests); records what was asked."""

    def __init__(
        self, status: str, endpoints: list[dict[str, str]] | None = None, containers_error: bool = False
    ) -> None:
        self.status, self.endpoints, self.containers_error = status, endpoints or [], containers_error
        self.asked: list[str] = []

    def __call__(self, statement: str) -> Steps[list[dict[str, Any]]]:
        if statement.startswith("DESCRIBE"):
            self.asked.append("status")
            return done([{"name": "SVC", "status": self.status}])
        if statement.startswith("SHOW ENDPOINTS"):
            self.asked.append("endpoints")
            return done(list(self.endpoints))
        self.asked.append("containers")
        if self.containers_error:
            raise SpcsApiError("boom", status_code=503)
        return done([{"instance_id": "0", "container_name": "main", "status": "FAILED", "message": "crash"}])


def _result(steps: Steps[T]) -> T:
    """The value of steps that yield no effect."""
    with pytest.raises(StopIteration) as finished:
        next(steps)
    return finished.value.value  # type: ignore[no-any-return]


def _look(sql: _Sql, **wait: Any) -> Observation:
    return _result(observe_service(ServiceReads(sql), ServiceWait.of("svc", RUNNING, **wait), clock=lambda: 0.0))


def test_observation_asks_only_what_it_needs() -> None:
    sql = _Sql("RUNNING")
    assert _look(sql).decision.outcome is Outcome.SUCCESS
    assert sql.asked == ["status"]

    sql = _Sql("RUNNING", endpoints=[{"name": "echo", "is_public": "true", "ingress_url": "provisioning in progress"}])
    obs = _look(sql, wait_for_endpoints=True)
    assert obs.decision.outcome is Outcome.WAIT
    assert not obs.final
    assert "echo" in obs.decision.reason
    assert sql.asked == ["status", "endpoints"]

    sql = _Sql("FAILED")
    obs = _look(sql)
    assert obs.final
    assert obs.containers[0]["message"] == "crash"
    assert sql.asked == ["status", "containers"]


def test_failure_survives_an_error_while_fetching_container_details() -> None:
    obs = _look(_Sql("FAILED", containers_error=True))
    assert obs.decision.outcome is Outcome.FAILED
    assert obs.containers == []


@dataclass(frozen=True)
class _Look:
    final: bool


def test_poll_until_final_sleeps_by_one_rule_and_never_past_the_deadline() -> None:
    looks = iter([False, False, True])
    now = [100.0]
    waited: list[float] = []

    def observe() -> Steps[_Look]:
        return done(_Look(next(looks)))

    steps = poll_until_final(
        observe, interval=10.0, deadline=115.0, clock=lambda: now[0], on_wait=lambda o, p: waited.append(p)
    )
    assert next(steps) == Sleep(10.0)
    now[0] = 110.0
    assert steps.send(None) == Sleep(5.0)  # wake at the deadline, not a whole interval after it
    with pytest.raises(StopIteration) as finished:
        steps.send(None)
    assert finished.value.value == _Look(True)
    assert waited == [10.0, 5.0]
    assert next_poll_sleep(10.0, None, 0.0) == 10.0
    assert next_poll_sleep(10.0, 50.0, 60.0) == 0.0
