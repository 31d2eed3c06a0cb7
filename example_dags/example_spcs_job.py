"""Run a job service from a stage specification and collect its logs into the task log.

Connection ``snowflake_spcs_default``. The job runs in compute pool ``SPCS_POOL`` from
``@SPCS_DB.APP.SPECS/job.yaml``; its containers' logs appear in the ``run_job`` task log, and the
job service is dropped once it has ended.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_spcs.operators.spcs import SpcsExecuteJobOperator

POKE_SECONDS = float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30"))


def build(dag_id: str, *, deferrable: bool) -> DAG:
    """One DAG of this example; ``deferrable`` waits for the job in the triggerer."""
    # [START howto_spcs_job]
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as dag:
        run_job = SpcsExecuteJobOperator(
            task_id="run_job",
            compute_pool="SPCS_POOL",
            stage="@SPCS_DB.APP.SPECS",
            spec_file="job.yaml",
            replicas=1,
            poll_interval=POKE_SECONDS,
            wait_timeout=2 * 60 * 60,
            drop_on_completion=True,
            deferrable=deferrable,
        )

        @task
        def report(result: dict[str, Any]) -> str:
            return f"{result['job_name']} ended {result['status']}"

        report(run_job.output)
    # [END howto_spcs_job]
    return dag


example_spcs_job = build("example_spcs_job", deferrable=False)
example_spcs_job_deferrable = build("example_spcs_job_deferrable", deferrable=True)
