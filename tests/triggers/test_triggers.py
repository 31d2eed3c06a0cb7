"""Triggers against the emulator: serialisation, events, deadlines, cleanup, shared token cache."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import time
from typing import Any

import pytest
from airflow.triggers.base import BaseTrigger

from airflow_provider_spcs.core.services import ServiceStatus
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.events import EventStatus, ResponseEvent, ServiceEvent
from airflow_provider_spcs.triggers.spcs import SpcsEndpointTrigger, SpcsJobTrigger, SpcsServiceStatusTrigger

_names = itertools.count()


def _fresh_service(spcs: SpcsEmulator, **kwargs: Any) -> str:
    """A new service per test: its own ingress host, so its own token-cache entry."""
    name = f"TRIGGER_SVC_{next(_names)}_{int(time.time() * 1000) % 100000}"
    spcs.add_service(name, **kwargs)
    return name


def _roundtrip(trigger: BaseTrigger) -> BaseTrigger:
    """What the triggerer does: serialize, store as JSON, import the class path, rebuild."""
    classpath, kwargs = trigger.serialize()
    stored = json.loads(json.dumps(kwargs))  # plain values only, or this raises
    module, _, name = classpath.rpartition(".")
    rebuilt: BaseTrigger = getattr(importlib.import_module(module), name)(**stored)
    assert rebuilt.serialize() == (classpath, kwargs)
    return rebuilt


async def _first_event(trigger: BaseTrigger) -> dict[str, Any]:
    events = [event.payload async for event in trigger.run()]
    assert len(events) == 1  # exactly one event per trigger
    payload: dict[str, Any] = events[0]
    json.dumps(payload)  # small JSON, storable in the metadata DB
    return payload


def _secrets(spcs: SpcsEmulator) -> list[str]:
    return [spcs.private_key_pem, spcs.pat, spcs.password, spcs.private_key_pem.splitlines()[1]]


# --- serialisation ------------------------------------------------------------------------------


def test_status_trigger_serializes_plain_values_and_no_secret(spcs: SpcsEmulator, spcs_conn: str) -> None:
    trigger = SpcsServiceStatusTrigger(
        spcs_conn_id=spcs_conn,
        service="SPCS_DB.APP.ECHO_SERVICE",
        target_statuses=["running"],
        deadline=1_900_000_000.5,
        poll_interval=5,
        wait_for_endpoints=["echo"],
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_spcs.triggers.spcs.SpcsServiceStatusTrigger"
    assert kwargs == {
        "spcs_conn_id": "snowflake_spcs_default",
        "service": "SPCS_DB.APP.ECHO_SERVICE",
        "target_statuses": ["RUNNING"],
        "deadline": 1_900_000_000.5,
        "poll_interval": 5.0,
        "also_wait": [],
        "wait_for_endpoints": ["echo"],
    }
    _roundtrip(trigger)
    text = json.dumps(kwargs)
    assert not any(secret in text for secret in _secrets(spcs))


async def test_endpoint_and_job_triggers_carry_no_secret_even_after_use(spcs: SpcsEmulator, spcs_conn: str) -> None:
    endpoint = SpcsEndpointTrigger(
        spcs_conn_id=spcs_conn,
        method="get",
        url=spcs.ingress_url(),
        request_kwargs={"params": {"a": "1"}, "timeout": 30.0},
        deadline=time.time() + 60,
        carry={"pages": []},
    )
    job = SpcsJobTrigger(spcs_conn_id=spcs_conn, service="JOB_X", deadline=123.0, poll_interval=1)
    assert job.serialize()[1] == {  # what it uses, nothing else
        "spcs_conn_id": "snowflake_spcs_default",
        "service": "JOB_X",
        "deadline": 123.0,
        "poll_interval": 1.0,
        "drop_on_kill": True,
    }
    assert job.target_statuses == [ServiceStatus.DONE]
    payload = await _first_event(_roundtrip(endpoint))  # after run(): the hook held tokens meanwhile
    assert payload["status"] == "success"
    for trigger in (endpoint, job):
        text = json.dumps(trigger.serialize()[1]) + json.dumps(payload)
        assert not any(secret in text for secret in _secrets(spcs))
        assert "Snowflake Token" not in text
        assert "eyJ" not in text  # no JWT / exchanged token


# --- status trigger -----------------------------------------------------------------------------


async def test_status_trigger_waits_until_running(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.service("ECHO_SERVICE").start_after(polls=3)
    trigger = SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service="ECHO_SERVICE", poll_interval=0.01)
    payload = await _first_event(_roundtrip(trigger))
    event = ServiceEvent.from_payload(payload)
    assert (event.status, event.service_status) == (EventStatus.SUCCESS, "RUNNING")
    assert spcs.service("ECHO_SERVICE").poll_count >= 4


async def test_status_trigger_fails_fast_with_container_details(spcs: SpcsEmulator, spcs_conn: str) -> None:
    name = _fresh_service(spcs, containers=("main",))
    spcs.service(name).fail("OOMKilled: container used 2Gi", exit_code=137, restart_count=3)
    trigger = SpcsServiceStatusTrigger(
        spcs_conn_id=spcs_conn, service=name, poll_interval=0.01, deadline=time.time() + 3600
    )
    started = time.monotonic()
    event = ServiceEvent.from_payload(await _first_event(trigger))
    assert time.monotonic() - started < 10  # did not wait for the deadline
    assert event.status is EventStatus.FAILED
    assert event.service_status == "FAILED"
    (container,) = event.containers
    assert container["container_name"] == "main"
    assert container["status"] == "FAILED"
    assert "OOMKilled" in container["message"]
    assert str(container["restart_count"]) == "3"
    assert str(container["last_exit_code"]) == "137"
    with pytest.raises(Exception, match=r"restarts 3, exit code 137: OOMKilled"):
        event.raise_for_status()


async def test_status_trigger_waits_for_endpoint_provisioning(spcs: SpcsEmulator, spcs_conn: str) -> None:
    name = _fresh_service(spcs, provision_after_polls=2)
    trigger = SpcsServiceStatusTrigger(
        spcs_conn_id=spcs_conn, service=name, poll_interval=0.01, wait_for_endpoints=True
    )
    event = ServiceEvent.from_payload(await _first_event(trigger))
    assert event.status is EventStatus.SUCCESS


async def test_missing_service_is_an_error_event(spcs: SpcsEmulator, spcs_conn: str) -> None:
    trigger = SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service="NO_SUCH_SERVICE", poll_interval=0.01)
    event = ServiceEvent.from_payload(await _first_event(trigger))
    assert event.status is EventStatus.ERROR
    assert event.error_type == "SpcsSqlError"
    assert "does not exist" in event.message


async def test_absolute_deadline_survives_reserialisation(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.service("ECHO_SERVICE").set_status("PENDING")  # never starts on its own
    deadline = time.time() + 6.0
    first = SpcsServiceStatusTrigger(
        spcs_conn_id=spcs_conn, service="ECHO_SERVICE", poll_interval=0.2, deadline=deadline
    )
    # A triggerer restart half-way: the trigger is rebuilt from its stored kwargs. A relative
    # timeout would start counting again (6 s); the absolute deadline does not move.
    await asyncio.sleep(3.0)
    rebuilt = _roundtrip(first)
    assert rebuilt.deadline == deadline  # type: ignore[attr-defined]
    started = time.monotonic()
    event = ServiceEvent.from_payload(await _first_event(rebuilt))
    elapsed = time.monotonic() - started
    assert event.status is EventStatus.TIMEOUT
    assert event.service_status == "PENDING"
    assert event.message == "still PENDING at the deadline"
    assert time.time() >= deadline
    assert elapsed < 5.5  # what was left of the original 6 s (3 s), not a fresh 6 s


async def test_past_deadline_still_reports_a_reached_target(spcs: SpcsEmulator, spcs_conn: str) -> None:
    trigger = SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service="ECHO_SERVICE", deadline=time.time() - 10)
    event = ServiceEvent.from_payload(await _first_event(trigger))
    assert event.status is EventStatus.SUCCESS


# --- job trigger and on_kill --------------------------------------------------------------------


def _start_job(spcs: SpcsEmulator, conn_id: str, spec_file: str = "job.yaml") -> str:
    from airflow_provider_spcs.core.jobs import JobSpec, generate_job_name
    from airflow_provider_spcs.core.statements import execute_job_service
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    job = JobSpec(compute_pool="SPCS_POOL", name=generate_job_name(), stage="@SPCS_DB.APP.SPECS", spec_file=spec_file)
    hook = SpcsHook(spcs_conn_id=conn_id)
    try:
        hook.run_sql(execute_job_service(job))
    finally:
        hook.close()
    return job.name


async def test_job_trigger_reports_done_and_failed(spcs: SpcsEmulator, spcs_conn: str) -> None:
    done = _start_job(spcs, spcs_conn)
    failed = _start_job(spcs, spcs_conn, "failing_job.yaml")
    events = await asyncio.gather(
        _first_event(SpcsJobTrigger(spcs_conn_id=spcs_conn, service=done, poll_interval=0.01)),
        _first_event(SpcsJobTrigger(spcs_conn_id=spcs_conn, service=failed, poll_interval=0.01)),
    )
    ok, bad = (ServiceEvent.from_payload(e) for e in events)
    assert (ok.status, ok.service_status) == (EventStatus.SUCCESS, "DONE")
    assert (bad.status, bad.service_status) == (EventStatus.FAILED, "FAILED")
    assert bad.containers[0]["last_exit_code"] not in (None, "0", 0)


async def test_job_trigger_on_kill_drops_the_job(spcs: SpcsEmulator, spcs_conn: str) -> None:
    name = _start_job(spcs, spcs_conn)
    trigger = _roundtrip(SpcsJobTrigger(spcs_conn_id=spcs_conn, service=name, poll_interval=30))
    task = asyncio.create_task(_first_event(trigger))
    await asyncio.sleep(0.5)  # the trigger is now sleeping between polls
    task.cancel()  # what the triggerer does when the user kills the task...
    with pytest.raises(asyncio.CancelledError):
        await task
    await trigger.on_kill()  # ...followed by on_kill (Airflow 3.3+)
    with pytest.raises(KeyError):
        spcs.service(name)


async def test_job_trigger_on_kill_can_be_disabled(spcs: SpcsEmulator, spcs_conn: str) -> None:
    name = _start_job(spcs, spcs_conn)
    await SpcsJobTrigger(spcs_conn_id=spcs_conn, service=name, drop_on_kill=False).on_kill()
    assert spcs.service(name).name == name


# --- endpoint trigger ---------------------------------------------------------------------------


async def test_endpoint_trigger_returns_a_small_response_event(spcs: SpcsEmulator, spcs_conn: str) -> None:
    trigger = SpcsEndpointTrigger(
        spcs_conn_id=spcs_conn,
        method="POST",
        url=spcs.ingress_url() + "/run",
        request_kwargs={"json": {"x": 1}, "params": {"q": "v"}},
        carry={"request": {"method": "POST"}},
    )
    event = ResponseEvent.from_payload(await _first_event(trigger))
    assert event.status is EventStatus.SUCCESS
    assert event.status_code == 200
    assert event.content_type == "application/json"
    body = json.loads(event.text)
    assert (body["method"], body["path"], body["json"], body["query"]) == ("POST", "/run", {"x": 1}, {"q": "v"})
    assert event.carry == {"request": {"method": "POST"}}


async def test_endpoint_trigger_times_out_at_its_deadline(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.inject("ingress", latency=3.0)
    trigger = SpcsEndpointTrigger(
        spcs_conn_id=spcs_conn, method="GET", url=spcs.ingress_url(), deadline=time.time() + 0.5
    )
    started = time.monotonic()
    event = ResponseEvent.from_payload(await _first_event(trigger))
    assert event.status is EventStatus.TIMEOUT
    assert time.monotonic() - started < 2.5


async def test_endpoint_trigger_http_error_is_typed(spcs: SpcsEmulator, spcs_conn: str) -> None:
    from starlette.responses import JSONResponse

    async def broken(request: Any) -> JSONResponse:
        return JSONResponse({"error": "nope"}, status_code=404)

    spcs.set_handler("ECHO_SERVICE", "echo", broken)
    event = ResponseEvent.from_payload(
        await _first_event(SpcsEndpointTrigger(spcs_conn_id=spcs_conn, method="GET", url=spcs.ingress_url()))
    )
    assert event.status is EventStatus.ERROR
    assert event.error_type == "SpcsApiError"
    with pytest.raises(Exception, match="404"):
        event.raise_for_status()


# --- many triggers, one token -------------------------------------------------------------------


async def test_concurrent_endpoint_triggers_share_one_exchange(spcs: SpcsEmulator, spcs_conn: str) -> None:
    name = _fresh_service(spcs)  # a new ingress host: nothing cached for it yet
    url = spcs.ingress_url(name)
    spcs.reset_stats()
    triggers = [SpcsEndpointTrigger(spcs_conn_id=spcs_conn, method="GET", url=f"{url}/{i}") for i in range(20)]
    events = await asyncio.gather(*(_first_event(t) for t in triggers))
    assert all(e["status"] == "success" for e in events)
    stats = spcs.stats()
    assert stats["requests"]["ingress"] == 20
    assert stats["exchanges"] == 1
    assert stats["tokens_minted"] == 1


@pytest.mark.parametrize(
    ("service", "namespace", "sql_requests"),
    [
        ("SPCS_DB.APP.ECHO_SERVICE", {}, 1),
        ("ECHO_SERVICE", {}, 1),
        ("ECHO_SERVICE", {"database": None, "schema": None}, 100),
    ],
    ids=["qualified-shared-listing", "unqualified-shared-listing", "no-namespace-describe-each"],
)
async def test_hundred_status_triggers_one_poll_cycle(
    spcs: SpcsEmulator,
    spcs_conn_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    namespace: dict[str, Any],
    sql_requests: int,
) -> None:
    """The measurement for the issue: 100 deferred status triggers, one poll cycle each."""
    monkeypatch.delenv("SNOWFLAKE_DATABASE", raising=False)
    monkeypatch.delenv("SNOWFLAKE_SCHEMA", raising=False)
    conn_id = spcs_conn_factory(**namespace)
    spcs.reset_stats()
    triggers = [SpcsServiceStatusTrigger(spcs_conn_id=conn_id, service=service, poll_interval=60) for _ in range(100)]
    started = time.monotonic()
    events = await asyncio.gather(*(_first_event(t) for t in triggers))
    elapsed = time.monotonic() - started
    assert all(e["status"] == "success" for e in events)
    stats = spcs.stats()
    print(f"\n100 status triggers on {service}, one poll cycle: {elapsed:.2f} s, stats={stats}")
    # Names in a known schema share one SHOW SERVICES IN SCHEMA; with neither the name nor the
    # connection saying which schema (the user's default namespace decides), each one DESCRIBEs.
    assert stats["requests"]["sql_api"] == sql_requests
    assert stats["exchanges"] == 0  # the SQL API takes the key-pair JWT itself: no ingress exchange
    assert stats["jwts_verified"] == sql_requests  # one JWT, signed once per process, on each request


async def test_shared_listing_follows_each_service_and_schema(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("BOARD_A", start_after_polls=2)
    spcs.add_service("BOARD_B", schema="OTHER", status="PENDING")  # never starts: times out
    spcs.service("BOARD_B", schema="OTHER").fail("boom", exit_code=3)
    spcs.reset_stats()
    deadline = time.time() + 20
    triggers = [
        SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service=name, poll_interval=0.2, deadline=deadline)
        for name in ["SPCS_DB.APP.BOARD_A"] * 5 + ["SPCS_DB.APP.ECHO_SERVICE"] * 5 + ["SPCS_DB.OTHER.BOARD_B"] * 5
    ]
    events = [ServiceEvent.from_payload(e) for e in await asyncio.gather(*(_first_event(t) for t in triggers))]
    assert [e.status for e in events] == [EventStatus.SUCCESS] * 10 + [EventStatus.FAILED] * 5
    assert all(e.containers and e.containers[0]["last_exit_code"] in (3, "3") for e in events[10:])
    stats = spcs.stats()
    # APP: one listing per cycle for BOARD_A and ECHO_SERVICE together (about 3 cycles); OTHER: one
    # listing, then each failed trigger reads its own containers. Far below 15 triggers x cycles.
    assert stats["requests"]["sql_api"] <= 3 + 1 + 5 + 2


async def test_missing_qualified_service_reports_the_describe_error(spcs: SpcsEmulator, spcs_conn: str) -> None:
    trigger = SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service="SPCS_DB.APP.NO_SUCH", poll_interval=0.01)
    event = ServiceEvent.from_payload(await _first_event(trigger))
    assert event.status is EventStatus.ERROR
    assert event.error_type == "SpcsSqlError"
    assert "does not exist" in event.message


async def test_cancelling_the_trigger_that_asked_does_not_strand_the_others(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.inject("sql_api", latency=0.5)  # the shared listing is in flight for a while
    triggers = [
        SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service="SPCS_DB.APP.ECHO_SERVICE", poll_interval=0.2)
        for _ in range(3)
    ]
    tasks = [asyncio.create_task(_first_event(t)) for t in triggers]
    await asyncio.sleep(0.2)
    tasks[0].cancel()  # the first trigger started the query; a user kills its task
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert [r["status"] for r in results[1:]] == ["success", "success"]  # type: ignore[index]


def test_job_trigger_stored_by_an_earlier_version_still_loads() -> None:
    stored: dict[str, Any] = {
        "spcs_conn_id": "c",
        "service": "JOB_Y",
        "target_statuses": ["DONE"],
        "deadline": None,
        "poll_interval": 10.0,
        "also_wait": [],
        "wait_for_endpoints": False,
        "drop_on_kill": True,
    }
    trigger = SpcsJobTrigger(**stored)
    assert trigger.serialize()[1] == {
        "spcs_conn_id": "c",
        "service": "JOB_Y",
        "deadline": None,
        "poll_interval": 10.0,
        "drop_on_kill": True,
    }
    with pytest.raises(TypeError, match="colour"):
        SpcsJobTrigger(spcs_conn_id="c", service="J", colour="red")
