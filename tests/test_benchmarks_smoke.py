"""Smoke tests of the benchmark runner's pure parts (the runner itself takes minutes: ``make bench``).

They check what a reader of ``benchmarks/results/latest.json`` relies on: every budget of issue 5
has a line, a figure that did not run is a FAIL (never a silent PASS), the PASS/FAIL arithmetic, and
the list of modules that count as heavy at DAG-parse time.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from benchmarks import report
from benchmarks.parse_cost import is_heavy

LATEST = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "latest.json"


def _results(
    *,
    hook_ms: float = 1.1,
    exchanges: float = 1,
    rss_kb: float = 10.0,
    lag: float = 1.5,
    stall_ms: float = 20.0,
    stmts: float = 1.02,
    warnings: float = 0,
) -> dict[str, Any]:
    repeated = [
        {
            "phase": phase,
            "variant": variant,
            "n": n,
            "per_call_ms": hook_ms if variant == "hook" else 1.0,
            "exchanges": exchanges if variant == "hook" else 0,
            "exchanges_min": exchanges if variant == "hook" else 0,
        }
        for phase in ("loopback", "wan20ms")
        for variant in ("hook", "bare")
        for n in (1, 100)
    ]
    runs = [
        {
            "k": k,
            "tokens": 1,
            "rss_added_kb_per_trigger": rss_kb,
            "lag_s": lag,
            "requests_per_cycle": float(k),
            "max_stall_ms": stall_ms,
        }
        for k in (10, 1000)
    ]
    return {
        "parse": {"extra_ms": 20.0, "extra_rss_mb": 0.5, "heavy_modules": []},
        "calls": {"repeated": repeated, "fanout": [{"c": 10, "exchanges": 1, "exchanges_min": 1}]},
        "triggers": {"poll_interval": 2.0, "runs": runs},
        "upgrades": {
            "k": 100,
            **{
                variant: {
                    "heap": variant,
                    "statements_per_look": stmts,
                    "statuses": ["success"],
                    "watchdog_warnings": warnings,
                    "watchdog_longest_s": 0.15,
                    "longest_stall_ms": 40.0,
                }
                for variant in ("as_is", "frozen_heap")
            },
        },
        "watchers": {
            "poll_interval": 2.0,
            "runs": [
                {
                    "k": k,
                    "s": 10,
                    "statements_per_cycle": 1.0,
                    "requests_per_cycle": 1.0,
                    "flipped": 10,
                    "events": 10,
                    "events_after_flip_window": 0,
                    "watchers_firing_twice": 0,
                    "lag_s": lag,
                    "loop_stall_max_ms": stall_ms + 300.0,  # full GCs are reported, not judged
                    "loop_stall_without_gc_max_ms": stall_ms + 50.0,  # wall clock: other processes included
                    "loop_iteration_cpu_max_ms": stall_ms,
                }
                for k in (10, 1000)
            ],
        },
    }


def _verdicts(results: dict[str, Any]) -> dict[str, bool]:
    return {b["name"]: b["pass"] for b in report.budgets(results)}


def test_every_budget_has_a_line_and_good_numbers_pass() -> None:
    verdicts = _verdicts(_results())
    assert list(verdicts) == list(report.BUDGET_NAMES)
    assert all(ok for name, ok in verdicts.items() if not name.startswith("stretch."))
    assert verdicts["stretch.triggers.coalesced_polls"] is False  # K requests per cycle is not coalesced


@pytest.mark.parametrize(
    ("kwargs", "failing"),
    [
        ({"hook_ms": 1.3}, {"repeated.n100_ratio_loopback", "repeated.n100_ratio_wan20ms"}),
        ({"exchanges": 2}, {"repeated.one_exchange_every_n"}),
        ({"rss_kb": 51.0}, {"triggers.rss_per_trigger_k1000"}),
        ({"lag": 3.5}, {"triggers.lag_every_k", "watchers.lag_every_k"}),
        ({"stall_ms": 51.0}, {"triggers.max_stall_ms_k1000"}),
        ({"stall_ms": 120.0}, {"triggers.max_stall_ms_k1000", "watchers.loop_stall"}),
        ({"stmts": 2.5}, {"upgrades.statements_per_look"}),
        ({"warnings": 1}, {"upgrades.no_stall_frozen_heap"}),
    ],
)
def test_numbers_over_budget_fail(kwargs: dict[str, float], failing: set[str]) -> None:
    verdicts = _verdicts(_results(**kwargs))
    assert {name for name, ok in verdicts.items() if not ok and not name.startswith("stretch.")} == failing


def test_a_figure_that_did_not_run_fails_every_line() -> None:
    budgets = report.budgets({"calls": {"error": "RuntimeError: boom"}})
    assert [b["name"] for b in budgets] == list(report.BUDGET_NAMES)
    assert not any(b["pass"] for b in budgets)
    assert all(str(b["value"]).startswith("not measured") for b in budgets)
    text = report.render({"budgets": budgets})
    assert text.count("FAIL ") == len(report.BUDGET_NAMES)


def test_heavy_modules_are_matched_by_package_not_by_prefix_text() -> None:
    assert is_heavy("jwt")
    assert is_heavy("jwt.api_jwt")
    assert is_heavy("snowflake.connector.connection")
    assert is_heavy("cryptography.hazmat.primitives.serialization.base")
    assert is_heavy("cryptography.hazmat.primitives.asymmetric.rsa")
    assert not is_heavy("jwtx")
    assert not is_heavy("cryptography.hazmat.primitives.hashes")
    assert not is_heavy("snowflake")


@pytest.mark.skipif(not LATEST.exists(), reason="no committed benchmark run")
def test_committed_results_carry_every_budget_and_the_machine() -> None:
    results = json.loads(LATEST.read_text(encoding="utf-8"))
    assert [b["name"] for b in results["budgets"]] == list(report.BUDGET_NAMES)
    assert {"name", "budget", "value", "pass"} <= set(results["budgets"][0])
    assert results["machine"]["nproc"]
    assert results["machine"]["cpu_model"]
