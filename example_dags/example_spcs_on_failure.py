"""Open an incident when a service fails: a DAG scheduled on a watched SPCS service asset.

``SpcsServiceStateTrigger`` watches ``ECHO_SERVICE`` from the triggerer (no worker slot, no sensor
waiting for days). Each time the service arrives in ``FAILED``, Airflow records an event on the
service's asset and runs this DAG; its task reads the change from ``triggering_asset_events``:
previous and new status, when it was seen, a key that identifies the change, and each container's
status, message and exit code.

Try it against the emulator: run ``python -m airflow_provider_spcs.testing`` next to your Airflow,
unpause this DAG, then make the service fail through the emulator's admin route::

    curl -X POST http://127.0.0.1:<port>/_emulator/services/ECHO_SERVICE/fail \\
        -d '{"message": "OOMKilled: container used 2Gi", "exit_code": 137}'
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, AssetWatcher, task

from airflow_provider_spcs.assets.spcs import service_asset
from airflow_provider_spcs.triggers.spcs import SpcsServiceStateTrigger, service_state_events

# How often the watcher looks; the tests shorten it to run against the local emulator.
POKE_SECONDS = float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30"))
# The account the service belongs to, as in its asset URI (the emulator's account here).
ACCOUNT = "myorg-myacct"

# [START howto_spcs_on_failure]
echo_service = service_asset(
    ACCOUNT,
    "SPCS_DB",
    "APP",
    "ECHO_SERVICE",  # snowflake-spcs://myorg-myacct/SPCS_DB/APP/ECHO_SERVICE
    watchers=[
        AssetWatcher(
            name="echo_service_failed",
            trigger=SpcsServiceStateTrigger(
                spcs_conn_id="snowflake_spcs_default",
                database="SPCS_DB",
                schema="APP",
                services=["ECHO_SERVICE"],
                statuses=["FAILED"],  # fire on arrival in FAILED, once per failure
                poll_interval=POKE_SECONDS,
            ),
        )
    ],
)

with DAG(
    dag_id="example_spcs_on_failure",
    schedule=[echo_service],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["spcs", "example"],
) as example_spcs_on_failure:

    @task
    def open_incident(triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """One incident per failure (several failures may land in one run)."""
        incidents = []
        for event in service_state_events(triggering_asset_events):
            incidents.append(
                {
                    "service": event.qualified_name,
                    "change": f"{event.previous_status} -> {event.status}",
                    "observed_at": event.observed_at,
                    "event_key": event.event_key,  # the same if a restart delivers it again
                    "containers": [
                        f"{c['container_name']}: {c['status']}, exit code {c['last_exit_code']}: {c['message']}"
                        for c in event.containers
                    ],
                }
            )
        return incidents  # page someone, open a ticket, restart the service...

    open_incident()
# [END howto_spcs_on_failure]
