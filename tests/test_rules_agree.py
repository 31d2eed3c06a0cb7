"""Each rule has one home, and the sensor, the hook, the operators and the triggers agree on it.

Against the emulator over real sockets: the same input goes through each component's own public
path, and the answers must match.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import warnings
from typing import Any

import pytest

from airflow_provider_spcs._compat import TaskDeferred
from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsNotReadyError, SpcsServiceFailedError
from airflow_provider_spcs.core.jobs import JobSpec
from airflow_provider_spcs.core.retry import IDEMPOTENT_METHODS
from airflow_provider_spcs.core.services import Observation, ServiceStatus, ServiceWait
from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator, SpcsExecuteJobOperator
from airflow_provider_spcs.sensors.spcs import SpcsServiceStatusSensor
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.events import EventStatus, ServiceEvent
from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger

_names = itertools.count()


async def _event(trigger: SpcsServiceStatusTrigger) -> ServiceEvent:
    payloads = [e.payload async for e in trigger.run()]
    assert len(payloads) == 1
    return ServiceEvent.from_payload(payloads[0])


def _service_showing(spcs: SpcsEmulator, ingress_url: str) -> str:
    """A RUNNING service whose public endpoint ``echo`` shows ``ingress_url`` in SHOW ENDPOINTS."""
    name = f"RULE_SVC_{next(_names)}"
    spcs.add_service(name)
    endpoint = spcs.service(name).endpoint("echo")
    assert endpoint is not None
    endpoint.ingress_url = ingress_url
    return name


@pytest.mark.parametrize(
    ("shown", "ready"),
    [
        ("myhost", False),  # one word: neither a scheme nor a dot
        ("pending", False),
        ("Endpoints provisioning in progress... check back in a few minutes", False),
        ("abc-myorg-myacct.snowflakecomputing.app", True),
        ("http://127.0.0.1:9", True),
    ],
)
async def test_is_the_ingress_provisioned(spcs: SpcsEmulator, spcs_conn: str, shown: str, ready: bool) -> None:
    name = _service_showing(spcs, shown)
    hook = SpcsHook(spcs_conn)
    # the hook, as the endpoint operator uses it
    if ready:
        assert await asyncio.to_thread(hook.get_ingress_url, name, "echo") == (
            shown if "://" in shown else f"https://{shown}"
        )
    else:
        with pytest.raises(SpcsNotReadyError, match="still provisioning"):
            await asyncio.to_thread(hook.get_ingress_url, name, "echo")
    # the sensor on a worker
    sensor = SpcsServiceStatusSensor(task_id="s", service=name, wait_for_endpoints=True)
    assert bool(await asyncio.to_thread(sensor.poke, {})) is ready
    # the trigger in the triggerer (a deadline in the past: one look decides)
    trigger = SpcsServiceStatusTrigger(
        spcs_conn_id=spcs_conn, service=name, wait_for_endpoints=True, deadline=time.time() - 1
    )
    event = await _event(trigger)
    assert event.status is (EventStatus.SUCCESS if ready else EventStatus.TIMEOUT)


def test_a_bare_host_means_https(spcs: SpcsEmulator, spcs_conn: str) -> None:
    host = "abc-myorg-myacct.snowflakecomputing.app"
    name = _service_showing(spcs, host)
    assert SpcsHook(spcs_conn).get_ingress_url(name, "echo") == f"https://{host}"
    targets: list[dict[str, Any]] = [{"ingress_url": host}, {"service": name, "endpoint": "echo"}]
    for target in targets:
        op = SpcsEndpointOperator(task_id="call", path="/p", deferrable=True, **target)
        with pytest.raises(TaskDeferred) as deferred:  # deferring sends nothing: the URL is what it would call
            op.execute({})
        assert deferred.value.trigger.url == f"https://{host}/p"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE", "POST", "PATCH"])
def test_which_methods_may_run_twice(spcs: SpcsEmulator, spcs_conn: str, method: str) -> None:
    idempotent = method in IDEMPOTENT_METHODS
    # the operator warns before deferring exactly the methods the hook would not retry
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SpcsEndpointOperator(task_id="t", ingress_url="h.example", method=method, deferrable=True)
    assert bool([w for w in caught if "may send the request again" in str(w.message)]) is not idempotent
    # the hook retries a 503 for exactly those methods
    spcs.inject("ingress", status=503, count=1)
    response = SpcsHook(spcs_conn).request(method, spcs.ingress_url() + "/twice", raise_for_status=False)
    assert spcs.stats()["requests"]["ingress"] == (2 if idempotent else 1)
    assert (response.status_code == 503) is not idempotent  # (the echo app answers TRACE with 405)


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"stage": "@s", "spec_file": "f", "spec": "a: 1"}, "spec"),
        ({"stage": "@s"}, "spec_file"),
        ({"spec_file": "f"}, "spec_file"),
        ({}, "spec"),
    ],
)
def test_which_job_sources_are_valid(source: dict[str, Any], field: str) -> None:
    with pytest.raises(SpcsConfigError) as by_operator:
        SpcsExecuteJobOperator(task_id="j", compute_pool="p", **source)
    with pytest.raises(SpcsConfigError) as by_spec:
        JobSpec(compute_pool="p", name="j", **source)
    assert (by_operator.value.field, str(by_operator.value)) == (by_spec.value.field, str(by_spec.value))


async def test_a_failed_service_reads_the_same_everywhere(spcs: SpcsEmulator, spcs_conn: str) -> None:
    name = f"RULE_FAIL_{next(_names)}"
    spcs.add_service(name, containers=("main",))
    spcs.service(name).fail("OOMKilled", exit_code=137, restart_count=2)
    sensor = SpcsServiceStatusSensor(task_id="s", service=name)
    with pytest.raises(SpcsServiceFailedError) as on_worker:
        await asyncio.to_thread(sensor.poke, {})
    event = await _event(SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service=name, poll_interval=30))
    with pytest.raises(SpcsServiceFailedError) as deferred:
        event.raise_for_status()
    assert str(deferred.value) == str(on_worker.value)
    assert "restarts 2, exit code 137: OOMKilled" in str(on_worker.value)
    assert (deferred.value.status, deferred.value.details) == (on_worker.value.status, on_worker.value.details)


async def test_worker_and_triggerer_sleep_by_the_same_rule(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.service("ECHO_SERVICE").set_status("PENDING")  # never starts on its own
    hook = SpcsHook(spcs_conn)
    pauses: dict[str, list[float]] = {"worker": [], "triggerer": []}

    def recorder(where: str) -> Any:
        def record(observation: Observation, pause: float) -> None:
            pauses[where].append(pause)

        return record

    deadline = time.time() + 3.0
    wait = ServiceWait.of("ECHO_SERVICE", [ServiceStatus.RUNNING], deadline=deadline)
    on_worker = await asyncio.to_thread(hook.poll_service, wait, poll_interval=30.0, on_wait=recorder("worker"))
    deadline = time.time() + 3.0
    wait = ServiceWait.of("ECHO_SERVICE", [ServiceStatus.RUNNING], deadline=deadline)
    in_triggerer = await hook.apoll_service(wait, poll_interval=30.0, on_wait=recorder("triggerer"), share_listing=True)
    for observation in (on_worker, in_triggerer):
        assert observation.decision.reason == "still PENDING at the deadline"
    # Neither slept a poll interval (30 s) past the deadline: each woke at it (a pause of at most 3 s).
    for where, seen in pauses.items():
        assert seen, where
        assert all(0 <= p <= 3.0 for p in seen), (where, seen)
