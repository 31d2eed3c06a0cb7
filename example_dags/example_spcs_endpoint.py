"""Wait for a service to be RUNNING, call its public endpoint with key-pair auth, use the JSON downstream.

Connection ``snowflake_spcs_default`` (key-pair): see docs/auth/key-pair.md. Two DAGs are built
from the same code: one waits on a worker, the other (``..._deferrable``) in the triggerer.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator
from airflow_provider_spcs.sensors.spcs import SpcsServiceStatusSensor

# How often to check the service; the tests shorten it to run against the local emulator.
POKE_SECONDS = float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30"))


def build(dag_id: str, *, deferrable: bool) -> DAG:
    """One DAG of this example; ``deferrable`` picks where the waiting happens."""
    # [START howto_spcs_endpoint]
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as dag:
        service_up = SpcsServiceStatusSensor(
            task_id="wait_for_service",
            service="SPCS_DB.APP.ECHO_SERVICE",
            wait_for_endpoints=["echo"],  # also wait until the ingress URL is provisioned
            mode="reschedule",  # free the worker slot between checks (deferrable waits in the triggerer)
            poke_interval=POKE_SECONDS,
            timeout=15 * 60,
            deferrable=deferrable,
        )
        call = SpcsEndpointOperator(
            task_id="call_endpoint",
            service="SPCS_DB.APP.ECHO_SERVICE",
            endpoint="echo",
            path="/greet",
            query_params={"run_id": "{{ run_id }}"},
            response_check=lambda response: response.status_code == 200,
            response_filter=lambda response: response.json(),  # XCom: the parsed JSON
            deferrable=deferrable,
        )

        @task
        def summarize(echo: dict[str, Any]) -> dict[str, Any]:
            # The SPCS proxy tells the service who called: proof the credential was accepted.
            return {"caller": echo["user"], "path": echo["path"], "run_id": echo["query"]["run_id"]}

        service_up >> call
        summarize(call.output)
    # [END howto_spcs_endpoint]
    return dag


example_spcs_endpoint = build("example_spcs_endpoint", deferrable=False)
example_spcs_endpoint_deferrable = build("example_spcs_endpoint_deferrable", deferrable=True)
