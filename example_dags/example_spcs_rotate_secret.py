"""Rotate an API key from an Airflow connection into a Snowflake secret, and prove the service sees it.

Connections: ``snowflake_spcs_default`` (key-pair, see docs/auth/key-pair.md) writes the secret;
``example_api_key`` (type ``generic``, the key in its password) holds the key, e.g. in a secrets
backend, or ``AIRFLOW_CONN_EXAMPLE_API_KEY='{"conn_type": "generic", "password": "..."}'``.

``API_SERVICE`` mounts the secret ``SERVICE_API_KEY`` twice: as the file
``/secrets/api_key/secret_string`` (Snowflake updates it in the running container) and as the env
var ``API_KEY`` (read when the container starts). Its endpoint reports the first 12 hex digits of
the SHA-256 of each (the emulator's echo handler does; a real service would offer such a check).
So the run shows the file following the ALTER SECRET at once, and the env var only after the
service is restarted on its own spec. The key itself never reaches XCom, a template or a log.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, BaseHook

from airflow_provider_spcs.operators.spcs import SpcsEndpointOperator, SpcsSecretFromConnectionOperator

POKE_SECONDS = float(os.environ.get("SPCS_EXAMPLE_POKE_SECONDS", "30"))
SOURCE_CONN_ID = "example_api_key"
SECRET = "SPCS_DB.APP.SERVICE_API_KEY"
SERVICE = "SPCS_DB.APP.API_SERVICE"
KEY_FILE = "/secrets/api_key/secret_string"
KEY_ENV = "API_KEY"


def key_digest() -> str:
    """What the service should report for the key in the connection (read on the worker, at run time)."""
    key = BaseHook.get_connection(SOURCE_CONN_ID).password or ""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def key_seen(response: Any) -> dict[str, bool]:
    """Whether the file and the env var the service mounts hold the connection's key (XCom: two flags)."""
    seen = response.json()["secrets"]
    wanted = key_digest()
    return {"file_current": seen.get(KEY_FILE) == wanted, "env_current": seen.get(KEY_ENV) == wanted}


# [START howto_spcs_rotate_secret]
with DAG(
    dag_id="example_spcs_rotate_secret",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["spcs", "example"],
) as example_spcs_rotate_secret:
    rotate = SpcsSecretFromConnectionOperator(
        task_id="rotate_api_key",
        secret=SECRET,
        secret_type="GENERIC_STRING",
        source_conn_id=SOURCE_CONN_ID,  # the password; source_field="extra.api_key" reads an extra instead
        comment="API key of API_SERVICE, fed from Airflow",
    )
    file_check = SpcsEndpointOperator(
        task_id="file_mount_sees_new_key",
        service=SERVICE,
        endpoint="api",
        path="/key-digest",
        response_check=lambda response: key_seen(response)["file_current"],  # files follow at once
        response_filter=key_seen,
    )
    restart = SpcsSecretFromConnectionOperator(
        task_id="restart_api_service",
        secret=SECRET,
        source_conn_id=SOURCE_CONN_ID,  # the same key again: ALTER SECRET is idempotent
        refresh_services=[SERVICE],  # env-var mounts are read when a container starts
        wait_for_refresh=True,
        poll_interval=POKE_SECONDS,
    )
    env_check = SpcsEndpointOperator(
        task_id="service_sees_new_key",
        service=SERVICE,
        endpoint="api",
        path="/key-digest",
        response_check=lambda response: all(key_seen(response).values()),
        response_filter=key_seen,
    )
    rotate >> file_check >> restart >> env_check
# [END howto_spcs_rotate_secret]
