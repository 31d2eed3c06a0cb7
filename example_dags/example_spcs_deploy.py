"""Deploy a service from a DAG: create it if missing, smoke-test it, roll it over to v2, check, scale out.

Plus the compute pool's night: a nightly DAG parks the pool (its services are suspended with it)
and a morning DAG brings the pool and the service back. The specifications come from the stage
``@SPCS_DB.APP.SPECS`` (``echo_service.yaml``, then ``echo_service_v2.yaml``: the same service on
image tag ``v2``). Each DAG is built twice from the same code: one waits on a worker, the other
(``..._deferrable``) in the triggerer.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, task

from airflow_provider_spcs.operators.spcs import (
    SpcsAlterServiceOperator,
    SpcsCreateServiceOperator,
    SpcsEndpointOperator,
    SpcsResumeComputePoolOperator,
    SpcsResumeServiceOperator,
    SpcsSuspendComputePoolOperator,
    SpcsUpgradeServiceOperator,
)
from airflow_provider_spcs.sensors.spcs import SpcsComputePoolSensor

# How often to check; the tests shorten it to run against the local emulator.
POKE_SECONDS = float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30"))
STAGE = "@SPCS_DB.APP.SPECS"
POOL = "SPCS_POOL"


def build(suffix: str, *, deferrable: bool) -> tuple[DAG, DAG, DAG]:
    """The deploy DAG, the nightly pool suspend and the morning pool resume; ``deferrable`` waits in the triggerer."""
    service = f"SPCS_DB.APP.ECHO_DEPLOYED{suffix.upper()}"
    # [START howto_spcs_deploy]
    with DAG(
        dag_id=f"example_spcs_deploy{suffix}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as deploy:
        create = SpcsCreateServiceOperator(
            task_id="create_service",
            service=service,
            compute_pool=POOL,
            stage=STAGE,
            spec_file="echo_service.yaml",
            min_instances=1,
            auto_resume=True,
            comment="deployed by Airflow",
            if_not_exists=True,  # a service that exists is left as it is
            wait_for_endpoints=["echo"],  # RUNNING and its ingress URL provisioned
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )
        smoke = SpcsEndpointOperator(
            task_id="smoke_test",
            service=service,
            endpoint="echo",
            path="/healthz",
            response_check=lambda response: response.status_code == 200,
            response_filter=lambda response: response.status_code,
        )
        upgrade = SpcsUpgradeServiceOperator(
            task_id="upgrade_to_v2",
            service=service,
            stage=STAGE,
            spec_file="echo_service_v2.yaml",
            poll_interval=POKE_SECONDS,  # every instance READY on the new spec_digest, one at a time
            deferrable=deferrable,
        )

        @task
        def verify_digest(upgraded: dict[str, Any]) -> str:
            """The service and each of its instances run the digest the upgrade reported."""
            from airflow_provider_spcs.hooks.spcs import SpcsHook

            hook = SpcsHook()
            running = hook.describe_service(service)["spec_digest"]
            on_instances = {row["spec_digest"] for row in hook.get_service_instances(service)}
            if running != upgraded["new_spec_digest"] or on_instances != {running}:
                raise ValueError(f"expected {upgraded['new_spec_digest']}, found {running} and {on_instances}")
            return str(running)

        scale = SpcsAlterServiceOperator(
            task_id="scale_out",
            service=service,
            min_instances=2,
            max_instances=2,  # waits until 2 instances are READY
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )
        create >> smoke >> upgrade
        verify_digest(upgrade.output) >> scale
    # [END howto_spcs_deploy]

    # [START howto_spcs_compute_pool]
    with DAG(
        dag_id=f"example_spcs_pool_nightly_suspend{suffix}",
        schedule="0 21 * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as nightly:
        SpcsSuspendComputePoolOperator(
            task_id="suspend_pool",
            compute_pool=POOL,  # suspends the pool's services too; stop_all=True would drop them
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )

    with DAG(
        dag_id=f"example_spcs_pool_morning_resume{suffix}",
        schedule="0 6 * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        tags=["spcs", "example"],
    ) as morning:
        resume_pool = SpcsResumeComputePoolOperator(
            task_id="resume_pool",
            compute_pool=POOL,  # waits for ACTIVE or IDLE; fails at once on the pool's error_code
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )
        resume_service = SpcsResumeServiceOperator(
            task_id="resume_service",
            service=service,
            if_exists=True,
            poll_interval=POKE_SECONDS,
            deferrable=deferrable,
        )
        pool_busy = SpcsComputePoolSensor(
            task_id="pool_active",
            compute_pool=POOL,
            target_states=["ACTIVE"],  # a service runs on it again
            poke_interval=POKE_SECONDS,
            timeout=30 * 60,
            deferrable=deferrable,
        )
        resume_pool >> resume_service >> pool_busy
    # [END howto_spcs_compute_pool]
    return deploy, nightly, morning


example_spcs_deploy, example_spcs_pool_nightly_suspend, example_spcs_pool_morning_resume = build("", deferrable=False)
(
    example_spcs_deploy_deferrable,
    example_spcs_pool_nightly_suspend_deferrable,
    example_spcs_pool_morning_resume_deferrable,
) = build("_deferrable", deferrable=True)
