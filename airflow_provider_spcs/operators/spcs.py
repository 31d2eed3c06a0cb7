"""Public import path for the SPCS operators (implementations live in sibling modules)."""

from __future__ import annotations

from airflow_provider_spcs.core.errors import ResponseCheckFailed
from airflow_provider_spcs.operators.compute_pools import SpcsResumeComputePoolOperator, SpcsSuspendComputePoolOperator
from airflow_provider_spcs.operators.deploy import (
    SpcsAlterServiceOperator,
    SpcsCreateServiceOperator,
    SpcsDropServiceOperator,
    SpcsUpgradeServiceOperator,
)
from airflow_provider_spcs.operators.endpoint import SpcsEndpointOperator
from airflow_provider_spcs.operators.job import SpcsExecuteJobOperator
from airflow_provider_spcs.operators.lifecycle import SpcsResumeServiceOperator, SpcsSuspendServiceOperator
from airflow_provider_spcs.operators.secrets_sync import SpcsSecretFromConnectionOperator

__all__ = [
    "ResponseCheckFailed",
    "SpcsAlterServiceOperator",
    "SpcsCreateServiceOperator",
    "SpcsDropServiceOperator",
    "SpcsEndpointOperator",
    "SpcsExecuteJobOperator",
    "SpcsResumeComputePoolOperator",
    "SpcsResumeServiceOperator",
    "SpcsSecretFromConnectionOperator",
    "SpcsSuspendComputePoolOperator",
    "SpcsSuspendServiceOperator",
    "SpcsUpgradeServiceOperator",
]
