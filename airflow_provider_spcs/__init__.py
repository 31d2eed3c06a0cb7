"""Apache Airflow provider for Snowflake Snowpark Container Services (SPCS).

This module is imported by every Airflow process on start (through the provider entry point) and by
every DAG that uses the provider, so it imports nothing beyond the standard library.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "get_provider_info"]

_INTEGRATION = "Snowflake SPCS"


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""
    from airflow_provider_spcs._provider_info import connection_type_info

    return {
        "package-name": "airflow-provider-spcs",
        "name": "Snowflake SPCS",
        "description": "Call Snowpark Container Services public endpoints, watch and operate services "
        "and job services, with key-pair JWT, PAT, SPCS session token, OAuth or password auth.",
        "integrations": [
            {
                "integration-name": _INTEGRATION,
                "external-doc-url": "https://docs.snowflake.com/en/developer-guide/snowpark-container-services/overview",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_spcs.hooks.spcs"]}],
        "operators": [{"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_spcs.operators.spcs"]}],
        "sensors": [{"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_spcs.sensors.spcs"]}],
        "triggers": [{"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_spcs.triggers.spcs"]}],
        "connection-types": [connection_type_info()],
        "asset-uris": [
            {
                "schemes": ["snowflake-spcs"],
                "handler": "airflow_provider_spcs.assets.spcs.sanitize_uri",
                "factory": "airflow_provider_spcs.assets.spcs.create_asset",
            }
        ],
    }
