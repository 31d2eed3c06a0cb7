"""A deferred sensor on a service the run holds PENDING while it restarts the triggerer."""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_spcs.sensors.spcs import SpcsServiceStatusSensor

with DAG(
    dag_id="e2e_triggerer_restart",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["spcs", "e2e"],
):
    SpcsServiceStatusSensor(
        task_id="wait_across_restart",
        service="SPCS_DB.APP.SLOW_SERVICE",
        poke_interval=float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30")),
        timeout=10 * 60,
        deferrable=True,
    )
