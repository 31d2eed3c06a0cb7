"""pytest fixtures for the SPCS emulator.

Load them with ``pytest_plugins = ["airflow_provider_spcs.testing.pytest_plugin"]`` in a top-level
``conftest.py``, or ``pytest -p airflow_provider_spcs.testing.pytest_plugin``:

* ``spcs_emulator`` (session): one running :class:`SpcsEmulator` with the default world.
* ``spcs`` (function): the same emulator after :meth:`SpcsEmulator.reset` (counters, faults,
  handlers and settings cleared, the default service RUNNING again).
* ``spcs_conn`` (function): sets ``AIRFLOW_CONN_SNOWFLAKE_SPCS_DEFAULT`` (key pair) and returns
  the conn id.
* ``spcs_conn_factory`` (function): ``factory(auth_method="key_pair", conn_id=..., **extra)`` sets
  ``AIRFLOW_CONN_<CONN_ID>`` for any auth method and returns the conn id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_spcs.testing.airflow_connections import DEFAULT_CONN_ID, AuthMethod
from airflow_provider_spcs.testing.emulator import SpcsEmulator

ConnFactory = Callable[..., str]


@pytest.fixture(scope="session")
def spcs_emulator() -> Iterator[SpcsEmulator]:
    """A running emulator with the default world, shared by the whole test session."""
    with SpcsEmulator() as emulator:
        yield emulator


@pytest.fixture
def spcs(spcs_emulator: SpcsEmulator) -> SpcsEmulator:
    """The session emulator, reset for this test (and restarted if a test stopped it)."""
    if not spcs_emulator.running:
        spcs_emulator.start()
    spcs_emulator.reset()
    return spcs_emulator


@pytest.fixture
def spcs_conn_factory(spcs: SpcsEmulator, monkeypatch: pytest.MonkeyPatch) -> ConnFactory:
    """Set an Airflow connection to the emulator in the environment; returns its conn id."""

    def factory(auth_method: AuthMethod = "key_pair", conn_id: str = DEFAULT_CONN_ID, **extra: Any) -> str:
        name, value = spcs.connection_env(conn_id, auth_method, **extra)
        monkeypatch.setenv(name, value)
        return conn_id

    return factory


@pytest.fixture
def spcs_conn(spcs_conn_factory: ConnFactory) -> str:
    """``snowflake_spcs_default`` pointing at the emulator with key-pair auth."""
    return spcs_conn_factory("key_pair")
