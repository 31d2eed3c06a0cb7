"""The User-Agent every request carries (the SQL API requires one)."""

from __future__ import annotations

from airflow_provider_spcs import __version__

USER_AGENT = f"airflow-provider-spcs/{__version__}"
