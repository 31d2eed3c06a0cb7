"""Airflow assets for SPCS objects (see :mod:`airflow_provider_spcs.assets.spcs`)."""
