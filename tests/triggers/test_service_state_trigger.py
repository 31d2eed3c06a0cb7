"""The asset watcher's trigger against the emulator: one event per status change, across restarts.

Each test runs the trigger as the triggerer does (``run()`` consumed by a task, cancelled to stop)
and paces itself by the emulator's look counter, never by the clock: a ``SHOW SERVICES`` is one
look at every service it lists, so "three more looks and no event" means three polls saw the
service and none fired.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from airflow.triggers.base import BaseEventTrigger

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.process import ProcessState
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.triggers.service_state import ServiceStateEvent
from airflow_provider_spcs.triggers.spcs import SpcsServiceStateTrigger, SpcsServiceStatusTrigger

POLL = 0.1
#: A safety net for a broken trigger, never a speed claim: every wait below ends on a look count.
PATIENCE = 60.0


class MemoryStateStore:
    """Stands in for Airflow 3.3's per-asset ``asset_state_store`` accessor: ``aget``/``aset`` of JSON values.

    Values go through JSON, as they do through the Execution API.
    """

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(self.values[key]) if key in self.values else default

    async def aset(self, key: str, value: Any) -> None:
        self.writes += 1
        self.values[key] = json.dumps(value)


def rebuilt(trigger: SpcsServiceStateTrigger, store: Any = None) -> SpcsServiceStateTrigger:
    """What a triggerer does after a restart: the class path and stored kwargs make a new trigger."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    fresh: SpcsServiceStateTrigger = getattr(importlib.import_module(module), name)(**json.loads(json.dumps(kwargs)))
    assert fresh.serialize() == (classpath, kwargs)
    if store is not None:
        fresh.asset_state_store = store  # as the triggerer injects it (Airflow 3.3+)
    return fresh


class Watching:
    """One trigger running as in the triggerer, its events collected."""

    def __init__(self, spcs: SpcsEmulator, trigger: SpcsServiceStateTrigger, service: str) -> None:
        self.spcs = spcs
        self.service = service
        self.events: list[dict[str, Any]] = []
        self.statements_at_event: list[int] = []  # the emulator's statement count as each event arrived
        self._arrived = asyncio.Event()
        self.task = asyncio.create_task(self._consume(trigger.run()))

    async def _consume(self, stream: AsyncIterator[Any]) -> None:
        async for event in stream:
            json.dumps(event.payload)  # small JSON, storable in the metadata DB
            self.events.append(event.payload)
            self.statements_at_event.append(int(self.spcs.stats()["sql_statements"]))
            self._arrived.set()

    def looks(self) -> int:
        return self.spcs.service(self.service).poll_count

    async def after_looks(self, count: int) -> None:
        """Return once the service was looked at ``count`` more times (the trigger is alive)."""
        target = self.looks() + count
        deadline = time.monotonic() + PATIENCE
        while self.looks() < target:
            assert not self.task.done(), self.task.exception() if not self.task.cancelled() else "cancelled"
            assert time.monotonic() < deadline, f"the trigger stopped looking at {self.service}"
            await asyncio.sleep(0.01)

    async def next_event(self) -> dict[str, Any]:
        seen = len(self.events)
        deadline = time.monotonic() + PATIENCE
        while len(self.events) == seen:
            assert not self.task.done(), self.task.exception() if not self.task.cancelled() else "cancelled"
            assert time.monotonic() < deadline, "no event"
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), 0.05)
        return self.events[seen]

    async def stop(self) -> None:
        """As a triggerer shutting down: cancel the trigger's task."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def _until(check: Any, patience: float = PATIENCE) -> None:
    deadline = time.monotonic() + patience
    while not check():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)


def watcher(conn_id: str, service: str, **kwargs: Any) -> SpcsServiceStateTrigger:
    kwargs.setdefault("database", "SPCS_DB")
    kwargs.setdefault("schema", "APP")
    kwargs.setdefault("poll_interval", POLL)
    return SpcsServiceStateTrigger(spcs_conn_id=conn_id, services=[service], **kwargs)


# --- edge-triggered ------------------------------------------------------------------------------


async def test_a_failure_fires_once_and_staying_failed_fires_nothing(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("WATCHED_SVC", containers=("main", "sidecar"))
    watching = Watching(spcs, watcher(spcs_conn, "WATCHED_SVC"), "WATCHED_SVC")
    try:
        await watching.after_looks(2)  # the baseline: RUNNING, nothing fires
        assert watching.events == []
        spcs.service("WATCHED_SVC").fail("OOMKilled: container used 2Gi", exit_code=137, restart_count=3)
        payload = await watching.next_event()
        await watching.after_looks(4)  # still FAILED at every look
        assert watching.events == [payload]
    finally:
        await watching.stop()
    event = ServiceStateEvent.from_payload(payload)
    assert (event.service, event.previous_status, event.status) == ("WATCHED_SVC", "RUNNING", "FAILED")
    assert (event.database, event.schema, event.qualified_name) == ("SPCS_DB", "APP", "SPCS_DB.APP.WATCHED_SVC")
    assert event.event_key == f"SPCS_DB.APP.WATCHED_SVC|RUNNING->FAILED|{event.observed_at}"
    assert event.observed_at.endswith("Z")
    assert not event.redelivered
    assert sorted(c["container_name"] for c in event.containers) == ["main", "sidecar"]
    (main,) = [c for c in event.containers if c["container_name"] == "main"]
    assert "OOMKilled" in main["message"]
    assert (str(main["last_exit_code"]), str(main["restart_count"])) == ("137", "3")
    assert ServiceStateEvent.from_payload(payload) == event


async def test_failed_running_failed_fires_twice(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("FLAPPING_SVC")
    watching = Watching(spcs, watcher(spcs_conn, "FLAPPING_SVC"), "FLAPPING_SVC")
    try:
        await watching.after_looks(2)
        spcs.service("FLAPPING_SVC").fail("crashed")
        first = await watching.next_event()
        spcs.service("FLAPPING_SVC").set_status("RUNNING")  # not a watched status: no event
        await watching.after_looks(3)
        assert watching.events == [first]
        spcs.service("FLAPPING_SVC").fail("crashed again")
        second = await watching.next_event()
        await watching.after_looks(3)
    finally:
        await watching.stop()
    assert [(e["previous_status"], e["status"]) for e in watching.events] == [("RUNNING", "FAILED")] * 2
    assert first["event_key"] != second["event_key"]


async def test_a_service_failed_before_the_watch_started_does_not_fire(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("ALREADY_FAILED").fail("failed long ago")
    watching = Watching(spcs, watcher(spcs_conn, "ALREADY_FAILED"), "ALREADY_FAILED")
    try:
        await watching.after_looks(4)
    finally:
        await watching.stop()
    assert watching.events == []


async def test_from_statuses_limit_which_changes_fire(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("STARTING_SVC", status="PENDING")
    trigger = watcher(spcs_conn, "STARTING_SVC", statuses=["failed", "RUNNING"], from_statuses=["RUNNING"])
    watching = Watching(spcs, trigger, "STARTING_SVC")
    try:
        await watching.after_looks(2)
        spcs.service("STARTING_SVC").set_status("RUNNING")  # PENDING -> RUNNING: not from RUNNING
        await watching.after_looks(3)
        assert watching.events == []
        spcs.service("STARTING_SVC").fail("crashed")  # RUNNING -> FAILED fires
        event = await watching.next_event()
    finally:
        await watching.stop()
    assert (event["previous_status"], event["status"]) == ("RUNNING", "FAILED")


async def test_a_pattern_watches_services_created_later_and_their_drop(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("ETL_ONE")
    spcs.add_service("OTHER_SVC")  # not watched: counts the looks
    trigger = SpcsServiceStateTrigger(
        spcs_conn_id=spcs_conn,
        service_pattern="etl\\_%",
        statuses=["FAILED", "DELETED"],
        poll_interval=POLL,  # database and schema: the connection's
    )
    watching = Watching(spcs, trigger, "OTHER_SVC")
    try:
        await watching.after_looks(2)
        spcs.add_service("ETL_TWO", status="FAILED")  # appears already FAILED: a change from nothing
        spcs.service("OTHER_SVC").fail("not watched")
        appeared = await watching.next_event()
        spcs.drop_service("ETL_ONE")
        dropped = await watching.next_event()
        await watching.after_looks(3)
    finally:
        await watching.stop()
    assert (appeared["service"], appeared["previous_status"], appeared["status"]) == ("ETL_TWO", None, "FAILED")
    assert appeared["event_key"].startswith("SPCS_DB.APP.ETL_TWO|NONE->FAILED|")
    assert (dropped["service"], dropped["previous_status"], dropped["status"]) == ("ETL_ONE", "RUNNING", "DELETED")
    assert dropped["containers"] == []
    assert len(watching.events) == 2


# --- restarts -------------------------------------------------------------------------------------


async def test_a_change_during_a_restart_fires_once_with_a_state_store(
    spcs: SpcsEmulator, spcs_conn: str, process: ProcessState
) -> None:
    spcs.add_service("RESTART_SVC")
    store = MemoryStateStore()
    first = rebuilt(watcher(spcs_conn, "RESTART_SVC"), store)
    watching = Watching(spcs, first, "RESTART_SVC")
    await watching.after_looks(2)
    await watching.stop()  # the triggerer goes down with the service RUNNING
    assert watching.events == []
    spcs.service("RESTART_SVC").fail("failed while no triggerer ran")
    process.reads.clear()  # a new triggerer process starts with no listing read
    again = Watching(spcs, rebuilt(first, store), "RESTART_SVC")
    try:
        event = await again.next_event()
        await again.after_looks(3)  # past the redelivery window (one poll interval here)
    finally:
        await again.stop()
    assert (event["previous_status"], event["status"], event["redelivered"]) == ("RUNNING", "FAILED", False)
    assert again.events == [event]
    # A third start sees FAILED stored: nothing new.
    third = Watching(spcs, rebuilt(first, store), "RESTART_SVC")
    try:
        await third.after_looks(3)
    finally:
        await third.stop()
    assert third.events == []
    assert list(store.values) == [first.state_key]


async def test_without_a_state_store_the_first_look_after_a_restart_is_a_baseline(
    spcs: SpcsEmulator, spcs_conn: str, process: ProcessState
) -> None:
    spcs.add_service("NO_STORE_SVC")
    first = rebuilt(watcher(spcs_conn, "NO_STORE_SVC"))
    assert getattr(first, "asset_state_store", None) is None  # as on Airflow 3.1 and 3.2
    watching = Watching(spcs, first, "NO_STORE_SVC")
    await watching.after_looks(2)
    await watching.stop()
    spcs.service("NO_STORE_SVC").fail("failed while no triggerer ran")
    process.reads.clear()
    again = Watching(spcs, rebuilt(first), "NO_STORE_SVC")
    try:
        await again.after_looks(3)
        assert again.events == []  # documented: not seen
        spcs.service("NO_STORE_SVC").set_status("RUNNING")
        await again.after_looks(2)
        spcs.service("NO_STORE_SVC").fail("failed again")
        event = await again.next_event()
    finally:
        await again.stop()
    assert (event["previous_status"], event["status"]) == ("RUNNING", "FAILED")


async def test_an_event_not_yet_confirmed_is_delivered_again_with_its_key(
    spcs: SpcsEmulator, spcs_conn: str, process: ProcessState
) -> None:
    spcs.add_service("WINDOW_SVC")
    store = MemoryStateStore()
    first = rebuilt(watcher(spcs_conn, "WINDOW_SVC", poll_interval=30.0), store)  # a long redelivery window
    watching = Watching(spcs, first, "WINDOW_SVC")
    await _until(lambda: store.writes == 1)  # the baseline is stored
    spcs.service("WINDOW_SVC").fail("crashed")
    process.reads.clear()
    # The next look is 30 s away: a second watcher on the same store and selection looks now.
    second = Watching(spcs, rebuilt(first, store), "WINDOW_SVC")
    event = await second.next_event()
    await second.stop()  # the triggerer dies inside the redelivery window
    await watching.stop()
    assert store.writes == 2  # statuses and the unconfirmed event, written before yielding
    third = Watching(spcs, rebuilt(first, store), "WINDOW_SVC")
    try:
        again = await third.next_event()
    finally:
        await third.stop()
    assert again == {**event, "redelivered": True}
    assert ServiceStateEvent.from_payload(again).event_key == event["event_key"]


async def test_a_trigger_serving_several_assets_keeps_no_state(spcs: SpcsEmulator, spcs_conn: str) -> None:
    context = pytest.importorskip("airflow.sdk.execution_time.context")
    if not hasattr(context, "AssetStateStoreAccessors"):
        pytest.skip("no asset state store before Airflow 3.3")
    from airflow.sdk import Asset

    spcs.add_service("SHARED_SVC")
    # Two assets whose watchers have identical arguments share one trigger: the accessor refuses
    # to guess which asset's state is meant (ValueError), and the trigger carries on without.
    store = context.AssetStateStoreAccessors(inlets=[Asset(name="a", uri="x-a://a"), Asset(name="b", uri="x-b://b")])
    watching = Watching(spcs, rebuilt(watcher(spcs_conn, "SHARED_SVC"), store), "SHARED_SVC")
    try:
        await watching.after_looks(2)
        spcs.service("SHARED_SVC").fail("crashed")
        event = await watching.next_event()
    finally:
        await watching.stop()
    assert event["status"] == "FAILED"


# --- shared reads ---------------------------------------------------------------------------------


async def test_watchers_and_status_triggers_share_one_listing_per_cycle(spcs: SpcsEmulator, spcs_conn: str) -> None:
    spcs.add_service("SHARED_SVC", status="PENDING")  # held until the test says so
    stores = [MemoryStateStore() for _ in range(20)]
    watchers = [
        rebuilt(
            watcher(spcs_conn, "SHARED_SVC", statuses=["RUNNING"], poll_interval=0.5, schema=schema, database=database),
            store,
        )
        # both spellings status triggers use: qualified, and the connection's database and schema
        for (database, schema), store in zip([("SPCS_DB", "APP")] * 10 + [(None, None)] * 10, stores, strict=True)
    ]
    running = [Watching(spcs, w, "SHARED_SVC") for w in watchers]
    waits = [
        asyncio.create_task(
            _one_event(SpcsServiceStatusTrigger(spcs_conn_id=spcs_conn, service=name, poll_interval=0.5))
        )
        for name in ["SPCS_DB.APP.SHARED_SVC"] * 5 + ["SHARED_SVC"] * 5
    ]
    try:
        await _until(lambda: all(store.writes for store in stores))  # every watcher has its baseline
        spcs.reset_stats()
        spcs.service("SHARED_SVC").set_status("RUNNING")
        done = await asyncio.wait_for(asyncio.gather(*waits), PATIENCE)
        await _until(lambda: all(w.events for w in running))
    finally:
        for w in running:
            await w.stop()
    assert {d["status"] for d in done} == {"success"}
    assert {(w.events[0]["previous_status"], w.events[0]["status"]) for w in running} == {("PENDING", "RUNNING")}
    # 20 watchers and 10 status waits saw the change through one listing per schema spelling:
    # two statements in that cycle, not thirty.
    assert max(w.statements_at_event[0] for w in running) == 2


async def _one_event(trigger: SpcsServiceStatusTrigger) -> dict[str, Any]:
    async for event in trigger.run():
        payload: dict[str, Any] = event.payload
        return payload
    raise AssertionError("no event")


async def test_a_failing_look_is_retried_not_fatal(
    spcs: SpcsEmulator, spcs_conn: str, capfd: pytest.CaptureFixture[str]
) -> None:
    spcs.add_service("RETRIED_SVC")
    spcs.inject("sql_api", status=400, count=5)  # five looks refused outright
    store = MemoryStateStore()
    watching = Watching(spcs, rebuilt(watcher(spcs_conn, "RETRIED_SVC"), store), "RETRIED_SVC")
    try:
        await _until(lambda: store.writes == 1)  # refused five times, then the baseline
        assert spcs.stats()["requests"]["sql_api"] >= 6
        spcs.service("RETRIED_SVC").fail("crashed")
        event = await watching.next_event()
    finally:
        await watching.stop()
    assert (event["previous_status"], event["status"]) == ("RUNNING", "FAILED")
    out, err = capfd.readouterr()  # Airflow's structured logging writes trigger logs to the console
    warned = [line for line in (out + err).splitlines() if "the look failed" in line]
    assert len(warned) == 1  # once per distinct problem, not once per look
    assert "400" in warned[0]


# --- arguments ------------------------------------------------------------------------------------


def test_kwargs_are_canonical_plain_and_secret_free(spcs: SpcsEmulator, spcs_conn: str) -> None:
    one = SpcsServiceStateTrigger(
        spcs_conn_id=spcs_conn,
        services=["echo_service", '"Mixed"', "ECHO_SERVICE"],
        database="spcs_db",
        schema="app",
        statuses=["failed", "suspended"],
        poll_interval=5,
    )
    other = SpcsServiceStateTrigger(
        spcs_conn_id=spcs_conn,
        services=['"Mixed"', "Echo_Service"],
        database='"SPCS_DB"',
        schema="APP",
        statuses=["SUSPENDED", "FAILED"],
        poll_interval=5.0,
    )
    classpath, kwargs = one.serialize()
    assert classpath == "airflow_provider_spcs.triggers.service_state.SpcsServiceStateTrigger"
    assert kwargs == {
        "spcs_conn_id": "snowflake_spcs_default",
        "database": "SPCS_DB",
        "schema": "APP",
        "services": ['"Mixed"', "ECHO_SERVICE"],
        "service_pattern": None,
        "statuses": ["FAILED", "SUSPENDED"],
        "from_statuses": [],
        "poll_interval": 5.0,
    }
    assert other.serialize() == (classpath, kwargs)
    # Airflow tells watchers' triggers apart by this hash: spelling variants are one trigger.
    assert BaseEventTrigger.hash(*one.serialize()) == BaseEventTrigger.hash(*other.serialize())
    text = json.dumps(kwargs)
    assert not any(s in text for s in (spcs.pat, spcs.password, spcs.private_key_pem.splitlines()[1]))
    assert isinstance(one, BaseEventTrigger)


def test_the_state_key_ignores_what_fires_and_how_often() -> None:
    base = SpcsServiceStateTrigger(services=["A"], database="D", schema="S")
    assert (
        base.state_key == SpcsServiceStateTrigger(services=["a"], database="d", schema="s", poll_interval=1).state_key
    )
    assert (
        base.state_key == SpcsServiceStateTrigger(services=["A"], database="D", schema="S", statuses=["DONE"]).state_key
    )
    assert base.state_key != SpcsServiceStateTrigger(services=["B"], database="D", schema="S").state_key
    assert base.state_key != SpcsServiceStateTrigger(service_pattern="A", database="D", schema="S").state_key


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "services"),
        ({"services": ["A"], "service_pattern": "A%"}, "services"),
        ({"services": ["A B"]}, "services"),
        ({"services": ["DB.S.A"]}, "services"),
        ({"services": ["A"], "database": "DB"}, "schema"),
        ({"services": ["A"], "statuses": ["BROKEN"]}, "statuses"),
        ({"services": ["A"], "from_statuses": ["nope"]}, "from_statuses"),
        ({"service_pattern": "A\n%"}, "service_pattern"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(SpcsConfigError) as error:
        SpcsServiceStateTrigger(**kwargs)
    assert error.value.field == field


def test_a_poll_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        SpcsServiceStateTrigger(services=["A"], poll_interval=0)


async def test_no_schema_anywhere_is_reported_and_retried(spcs: SpcsEmulator, spcs_conn_factory: Any) -> None:
    conn_id = spcs_conn_factory(conn_id="spcs_watch_no_namespace", database=None, schema=None)
    trigger = SpcsServiceStateTrigger(spcs_conn_id=conn_id, services=["ECHO_SERVICE"], poll_interval=POLL)
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    hook = SpcsHook(spcs_conn_id=conn_id)
    with pytest.raises(SpcsConfigError, match="give database= and schema="):
        await hook.aobserve_service_states(trigger.watch)
    await hook.aclose()
