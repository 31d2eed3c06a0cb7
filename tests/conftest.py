"""Test session set-up.

Airflow reads its configuration at import time, so the environment is set here, at the top of the
first conftest, before anything imports ``airflow``.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

_ROOT = pathlib.Path(__file__).resolve().parent.parent
_HOME = pathlib.Path(tempfile.mkdtemp(prefix="spcs-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_HOME / 'airflow.db'}"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(_ROOT / "example_dags")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")


from collections.abc import Iterator  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import pytest  # noqa: E402  (after the environment above)

if TYPE_CHECKING:
    from airflow_provider_spcs.core.process import ProcessState

# The emulator's fixtures (spcs_emulator, spcs, spcs_conn, spcs_conn_factory): opt-in, as for users.
pytest_plugins = ["airflow_provider_spcs.testing.pytest_plugin"]


@pytest.fixture(autouse=True)
def process() -> Iterator[ProcessState]:
    """The process state every hook uses, emptied before and after each test (tokens, keys, settings...)."""
    from airflow_provider_spcs.core.process import PROCESS

    PROCESS.reset()
    yield PROCESS
    PROCESS.reset()


@pytest.fixture
def drive() -> Any:
    """Run an operator as worker + triggerer would: :func:`airflow_provider_spcs.testing.tasks.run_with_triggers`."""
    from airflow_provider_spcs.testing.tasks import run_with_triggers

    return run_with_triggers


@pytest.fixture
def foreign() -> Iterator[Any]:
    """A recording HTTP server on 127.0.0.2, a host that must never receive a Snowflake credential
    (:class:`tests.recorder.Recorder`)."""
    from tests.recorder import Recorder

    with Recorder() as recorder:
        yield recorder
