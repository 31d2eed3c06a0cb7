"""``make e2e``: the provider in a real running Airflow (api-server, scheduler, dag-processor,
triggerer as separate processes, LocalExecutor) against the emulator as its own process, driven only
through the REST API v2 and the ``airflow`` CLI, plus the connection form in headless Chromium.

Run it with ``python -m tests.e2e`` from the repository root (``make e2e`` does). It is not part of
the pytest suite: no file here is named ``test_*.py``.
"""
