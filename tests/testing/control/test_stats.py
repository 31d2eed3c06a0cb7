"""The emulator's counters."""

from __future__ import annotations

from airflow_provider_spcs.testing.control.stats import Stats


def test_stats_snapshot_is_a_copy() -> None:
    stats = Stats()
    stats.count_request("sql_api")
    stats.incr("exchanges", 2)
    snapshot = stats.snapshot()
    stats.count_request("sql_api")
    assert snapshot["requests"] == {"sql_api": 1}
    assert snapshot["exchanges"] == 2
