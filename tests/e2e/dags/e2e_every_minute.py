"""A DAG on a one-minute schedule: the scheduler must start its runs by itself."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator

with DAG(
    dag_id="e2e_every_minute",
    schedule="* * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["spcs", "e2e"],
):
    SpcsEndpointOperator(
        task_id="tick",
        service="SPCS_DB.APP.TICK_SERVICE",
        endpoint="api",
        path="/tick",
        query_params={"run_id": "{{ run_id }}"},
        response_check=lambda response: response.status_code == 200,
        response_filter=lambda response: response.status_code,
    )
