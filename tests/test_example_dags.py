"""Example DAGs and the modules DAG files import: they load cleanly and stay light.

Each check runs in a fresh interpreter, because the test process itself has long since imported
the connector and key-handling code.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.stem for p in (ROOT / "example_dags").glob("example_*.py"))
#: Modules a DAG file must not pull in at import time (slow, and chatty in parse logs).
HEAVY = (
    "snowflake.connector",
    "jwt",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.asymmetric",
)

_PROBE = """
import json, sys
sys.path.insert(0, {dags!r})
import airflow.sdk, airflow.triggers.base  # what every DAG file pays anyway
baseline = set(sys.modules)
import importlib
for name in {modules!r}:
    importlib.import_module(name)
added = sorted(set(sys.modules) - baseline)
dags = []
for name in {modules!r}:
    module = sys.modules[name]
    dags += [v.dag_id for v in vars(module).values() if type(v).__name__ == "DAG"]
print(json.dumps({{"added": added, "dags": dags}}))
"""


def _probe(modules: list[str], tmp_path: pathlib.Path) -> dict[str, list[str]]:
    code = _PROBE.format(dags=str(ROOT / "example_dags"), modules=modules)
    env = {"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _heavy(added: list[str]) -> list[str]:
    return [m for m in added if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_examples_exist() -> None:
    assert EXAMPLES == [
        "example_spcs_deploy",
        "example_spcs_endpoint",
        "example_spcs_job",
        "example_spcs_lifecycle",
        "example_spcs_on_failure",
        "example_spcs_pagination",
        "example_spcs_rotate_secret",
    ]


def test_operator_and_sensor_modules_import_nothing_heavy(tmp_path: pathlib.Path) -> None:
    result = _probe(
        [
            "airflow_provider_spcs",
            "airflow_provider_spcs.operators.spcs",
            "airflow_provider_spcs.sensors.spcs",
            "airflow_provider_spcs.triggers.spcs",
        ],
        tmp_path,
    )
    assert "airflow_provider_spcs.operators.spcs" in result["added"]  # the probe did import them
    assert _heavy(result["added"]) == []
    assert "airflow_provider_spcs.hooks.spcs" not in result["added"]


def test_dag_files_do_not_load_the_trigger_stack(tmp_path: pathlib.Path) -> None:
    # Triggers are imported where a task defers; DAG parsing never needs them.
    result = _probe(["airflow_provider_spcs.operators.spcs", "airflow_provider_spcs.sensors.spcs"], tmp_path)
    assert "airflow_provider_spcs.triggers.spcs" not in result["added"]


def test_example_dags_load_and_import_nothing_heavy(tmp_path: pathlib.Path) -> None:
    result = _probe(EXAMPLES, tmp_path)
    assert _heavy(result["added"]) == []
    assert sorted(result["dags"]) == sorted(
        ["example_spcs_rotate_secret"]
        + [
            f"{base}{suffix}"
            for base in (
                "example_spcs_deploy",
                "example_spcs_pool_nightly_suspend",
                "example_spcs_pool_morning_resume",
                "example_spcs_endpoint",
                "example_spcs_job",
                "example_spcs_pagination",
                "example_spcs_nightly_suspend",
                "example_spcs_morning_resume",
            )
            for suffix in ("", "_deferrable")
        ]
        + ["example_spcs_on_failure"]
    )


@pytest.mark.parametrize("module", EXAMPLES)
def test_examples_have_doc_snippet_markers(module: str) -> None:
    text = (ROOT / "example_dags" / f"{module}.py").read_text()
    assert text.count("# [START howto_") == text.count("# [END howto_") >= 1
