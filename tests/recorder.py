"""The foreign host for destination tests (:mod:`airflow_provider_spcs.testing.recorder`), and the
auth methods every destination test runs for."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.testing.recorder import CREDENTIAL_HEADERS, HOST, Recorded, Recorder, Reply, endless

__all__ = ["AUTH_METHODS", "CREDENTIAL_HEADERS", "HOST", "Recorded", "Recorder", "Reply", "endless"]

AUTH_METHODS = [
    pytest.param("key_pair", {}, id="key_pair"),
    pytest.param("pat", {}, id="pat"),
    pytest.param("pat", {"pat_exchange": "true"}, id="pat_exchange"),
    pytest.param("spcs_token", {}, id="spcs_token"),
    pytest.param("oauth", {}, id="oauth"),
    pytest.param("password", {}, id="password"),
]
"""Every way a connection can authenticate, as ``(auth_method, extra)`` test parameters."""
