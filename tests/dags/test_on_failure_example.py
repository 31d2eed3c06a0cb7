"""The event-driven example: its watcher fires against the emulator, its task reads what it fired.

The watcher is the one the example's asset carries, run as the triggerer runs it. The task gets
the context Airflow gives a run that an asset event queued: ``triggering_asset_events`` holding
the event with ``extra={"from_trigger": True, "payload": <the trigger's payload>}``, as
``Trigger.submit_event`` records it. (A real scheduler and triggerer run the same DAG in ``make e2e``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
from typing import Any

from airflow_provider_spcs.testing import SpcsEmulator

PATIENCE = 60.0


def _triggering_events(asset: Any, extras: list[dict[str, Any]]) -> Any:
    from airflow.sdk.api.datamodels._generated import AssetReferenceAssetEventDagRun
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    reference = AssetReferenceAssetEventDagRun(name=asset.name, uri=asset.uri, extra={})
    return TriggeringAssetEventsAccessor.build(
        AssetEventDagRunReferenceResult(
            asset=reference,
            extra=extra,
            source_task_id=None,
            source_dag_id=None,
            source_run_id=None,
            source_map_index=None,
            source_aliases=[],
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        for extra in extras
    )


def _open_incident(example: Any) -> Any:
    """The example's task, whose callable runs with the context values it names."""
    from airflow.providers.standard.operators.python import PythonOperator

    task = example.example_spcs_on_failure.get_task("open_incident")
    assert isinstance(task, PythonOperator)
    return task


async def _fire(spcs: SpcsEmulator, trigger: Any) -> dict[str, Any]:
    """Run the watcher; once it has looked twice, make ECHO_SERVICE fail; return its one event."""
    events: list[dict[str, Any]] = []

    async def consume() -> None:
        async for event in trigger.run():
            events.append(event.payload)

    task = asyncio.create_task(consume())
    echo = spcs.service("ECHO_SERVICE")
    deadline = time.monotonic() + PATIENCE
    try:
        start = echo.poll_count
        while echo.poll_count < start + 2:  # the baseline look, and one more
            assert time.monotonic() < deadline
            assert not task.done()
            await asyncio.sleep(0.01)
        echo.fail("OOMKilled: container used 2Gi", exit_code=137, restart_count=1)
        while not events:
            assert time.monotonic() < deadline
            assert not task.done()
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    (payload,) = events
    return payload


def test_the_watcher_fires_and_the_task_reads_the_payload(spcs: SpcsEmulator, spcs_conn: str) -> None:
    import example_spcs_on_failure as example

    asset = example.echo_service
    assert asset.uri == "snowflake-spcs://myorg-myacct/SPCS_DB/APP/ECHO_SERVICE"
    (watcher,) = asset.watchers
    payload = asyncio.run(_fire(spcs, watcher.trigger))
    assert (payload["kind"], payload["previous_status"], payload["status"]) == ("service_state", "RUNNING", "FAILED")

    task = _open_incident(example)
    # The same failure delivered twice (a triggerer restart) and merged into one run: one incident.
    fired = {"from_trigger": True, "payload": payload}
    incidents = task.python_callable(triggering_asset_events=_triggering_events(asset, [fired, fired]))
    assert incidents == [
        {
            "service": "SPCS_DB.APP.ECHO_SERVICE",
            "change": "RUNNING -> FAILED",
            "observed_at": payload["observed_at"],
            "event_key": f"SPCS_DB.APP.ECHO_SERVICE|RUNNING->FAILED|{payload['observed_at']}",
            "containers": ["main: FAILED, exit code 137: OOMKilled: container used 2Gi"],
        }
    ]


def test_a_run_without_service_events_opens_no_incident() -> None:
    import example_spcs_on_failure as example

    task = _open_incident(example)
    posted = _triggering_events(example.echo_service, [{"from_rest_api": True}])  # a user's asset event
    assert task.python_callable(triggering_asset_events=posted) == []
    assert task.python_callable(triggering_asset_events=None) == []
