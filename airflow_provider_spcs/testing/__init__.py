"""A local SPCS emulator: a real HTTP server on 127.0.0.1 that speaks Snowflake's wire protocol.

``SpcsEmulator`` serves connector login, SQL API v2, ``/oauth/token`` and SPCS ingress on loopback
ports; the pytest plugin (:mod:`.pytest_plugin`) and ``python -m airflow_provider_spcs.testing``
start it for tests and for manual use.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.emulator import SpcsEmulator
from airflow_provider_spcs.testing.handlers import echo_handler, paginated_handler

__all__ = ["SpcsEmulator", "echo_handler", "paginated_handler"]
