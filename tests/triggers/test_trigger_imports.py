"""The triggerer imports trigger modules and builds triggers on its event loop: both stay light.

Each check runs in a fresh interpreter (this process has imported everything long ago).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: What ``run()`` imports in a worker thread; importing it on the event loop stalls the loop.
RUNTIME_ONLY = (
    "airflow_provider_spcs.hooks",
    "airflow_provider_spcs.core.listing",
    "airflow_provider_spcs.core.service_watch",
    "airflow_provider_spcs.core.services",
    "airflow_provider_spcs.core.statements",
    "airflow_provider_spcs.core.sql_api",
    "httpx",
)

_PROBE = """
import json, sys
import airflow.triggers.base  # the triggerer has it
baseline = set(sys.modules)
from airflow_provider_spcs.triggers.spcs import {name}
classpath, kwargs = {name}(**{kwargs!r}).serialize()
{name}(**kwargs)  # as the triggerer re-creates it
print(json.dumps(sorted(set(sys.modules) - baseline)))
"""


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SpcsServiceStateTrigger", {"services": ["ECHO_SERVICE"], "database": "SPCS_DB", "schema": "APP"}),
        ("SpcsServiceStatusTrigger", {"spcs_conn_id": "c", "service": "ECHO_SERVICE", "target_statuses": ["RUNNING"]}),
        ("SpcsComputePoolTrigger", {"spcs_conn_id": "c", "compute_pool": "SPCS_POOL", "target_states": ["ACTIVE"]}),
    ],
)
def test_building_a_trigger_imports_nothing_run_needs(name: str, kwargs: dict[str, object]) -> None:
    code = _PROBE.format(name=name, kwargs=kwargs)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    added = json.loads(done.stdout.strip().splitlines()[-1])
    assert "airflow_provider_spcs.triggers.spcs" in added  # the probe did import it
    assert [m for m in added if any(m == h or m.startswith(h + ".") for h in RUNTIME_ONLY)] == []
