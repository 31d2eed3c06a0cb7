"""Suspend a service every weekday night and resume it every weekday morning.

Suspended services use no compute-pool credits. The morning DAG resumes the service, waits until it
is RUNNING with its endpoint provisioned, and checks that the endpoint answers.
"""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_spcs.operators.spcs import (
    SpcsEndpointOperator,
    SpcsResumeServiceOperator,
    SpcsSuspendServiceOperator,
)
from airflow_provider_spcs.sensors.spcs import SpcsServiceStatusSensor

POKE_SECONDS = float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30"))
SERVICE = "SPCS_DB.APP.ECHO_SERVICE"


def build(suffix: str, *, deferrable: bool) -> tuple[DAG, DAG]:
    """The nightly and the morning DAG; ``deferrable`` waits in the triggerer."""
    # [START howto_spcs_lifecycle]
    with DAG(
        dag_id=f"example_spcs_nightly_suspend{suffix}",
        schedule="0 20 * * 1-5",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as nightly:
        SpcsSuspendServiceOperator(
            task_id="suspend",
            service=SERVICE,
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )

    with DAG(
        dag_id=f"example_spcs_morning_resume{suffix}",
        schedule="0 7 * * 1-5",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as morning:
        resume = SpcsResumeServiceOperator(
            task_id="resume",
            service=SERVICE,
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )
        ready = SpcsServiceStatusSensor(
            task_id="endpoint_ready",
            service=SERVICE,
            wait_for_endpoints=True,
            poke_interval=POKE_SECONDS,
            timeout=30 * 60,
            deferrable=deferrable,
        )
        smoke = SpcsEndpointOperator(
            task_id="smoke_test",
            service=SERVICE,
            endpoint="echo",
            path="/healthz",
            response_check=lambda response: response.status_code == 200,
            response_filter=lambda response: response.status_code,
        )
        resume >> ready >> smoke
    # [END howto_spcs_lifecycle]
    return nightly, morning


example_spcs_nightly_suspend, example_spcs_morning_resume = build("", deferrable=False)
example_spcs_nightly_suspend_deferrable, example_spcs_morning_resume_deferrable = build("_deferrable", deferrable=True)
