"""DAG-level tests: a migrated metadata DB (built once per session) and fast example polling.

``dag.test()`` needs the DAG files inside the configured DAGs folder (``example_dags/``, set by the
top-level conftest) and a migrated database; it runs triggers inline.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

# The examples poll every 30 s in production; against the emulator a fraction of a second will do.
# Set before the example modules are imported (they read it at import time).
os.environ["SPCS_EXAMPLE_POKE_SECONDS"] = "0.2"
# Import the examples the way the DAG processor does: as top-level modules of the DAGs folder.
_DAGS = pathlib.Path(__file__).resolve().parents[2] / "example_dags"
if str(_DAGS) not in sys.path:
    sys.path.insert(0, str(_DAGS))


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Reset the sqlite metadata DB once for all DAG tests."""
    from airflow.utils import db

    db.resetdb()
