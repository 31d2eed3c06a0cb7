"""Budgets (PASS/FAIL lines) and the one table, computed from a run's results dict.

Pure functions of the results, so the smoke test can check them without running anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

PARSE_MS_BUDGET = 50.0
PARSE_MB_BUDGET = 5.0
REPEATED_RATIO_BUDGET = 1.25
RSS_PER_TRIGGER_KB_BUDGET = 50.0
LAG_SLACK_S = 1.0
STALL_MS_BUDGET = 50.0
UPGRADE_STATEMENTS_BUDGET = 2.0
WATCHDOG_WARNS_AT_S = 0.2  # Airflow's triggerer warns when its 0.1 s watchdog sleep took longer
#: Airflow's triggerer warns when its watchdog's 0.1 s sleep takes over 0.2 s, i.e. wakes this late:
#: no loop iteration may keep the loop busy for that long.
LOOP_STALL_MS_BUDGET = 100.0

BUDGET_NAMES = (
    "parse.extra_ms",
    "parse.extra_rss_mb",
    "parse.heavy_modules",
    "repeated.n100_ratio_loopback",
    "repeated.n100_ratio_wan20ms",
    "repeated.one_exchange_every_n",
    "fanout.one_exchange_every_c",
    "triggers.one_token_every_k",
    "triggers.rss_per_trigger_k1000",
    "triggers.lag_every_k",
    "triggers.max_stall_ms_k1000",
    "stretch.triggers.coalesced_polls",
    "upgrades.statements_per_look",
    "upgrades.no_stall_frozen_heap",
    "stretch.upgrades.no_stall_as_is",
    "watchers.one_statement_per_cycle",
    "watchers.one_event_per_change",
    "watchers.lag_every_k",
    "watchers.loop_stall",
)
"""Every budget line a run reports, in order (a figure that failed still gets its lines, as FAIL)."""


def _budget(name: str, budget: str, value: Any, ok: bool, **extra: Any) -> dict[str, Any]:
    return {"name": name, "budget": budget, "value": value, "pass": bool(ok), **extra}


def _safe(name: str, budget: str, compute: Callable[[], tuple[Any, bool]], **extra: Any) -> dict[str, Any]:
    """A budget line; a figure that is missing or errored counts as FAIL with its reason as value."""
    try:
        value, ok = compute()
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
        return _budget(name, budget, f"not measured ({type(exc).__name__}: {exc})", False, **extra)
    return _budget(name, budget, value, ok, **extra)


def _row(rows: Iterable[dict[str, Any]], **match: Any) -> dict[str, Any]:
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    raise KeyError(f"no row {match}")


def _runs(figure: dict[str, Any], what: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = figure["runs"]
    if not found:
        raise KeyError(f"no {what} runs")
    return found


def budgets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The budget lines, in :data:`BUDGET_NAMES` order."""
    parse = results.get("parse", {})
    calls = results.get("calls", {})
    trig = results.get("triggers", {})
    upgrade = results.get("upgrades", {})
    watch = results.get("watchers", {})
    repeated = calls.get("repeated", [])

    def ratio(phase: str) -> tuple[Any, bool]:
        hook = _row(repeated, phase=phase, variant="hook", n=100)["per_call_ms"]
        bare = _row(repeated, phase=phase, variant="bare", n=100)["per_call_ms"]
        value = hook / bare
        return round(value, 2), value <= REPEATED_RATIO_BUDGET

    def one_exchange_repeated() -> tuple[Any, bool]:
        hooks = [r for r in repeated if r.get("variant") == "hook"]
        if not hooks:
            raise KeyError("no hook rows")
        value = {f"{r['phase']} N={r['n']}": [r["exchanges_min"], r["exchanges"]] for r in hooks}
        return value, all(r["exchanges"] == 1 and r["exchanges_min"] == 1 for r in hooks)

    def one_exchange_fanout() -> tuple[Any, bool]:
        fan = calls["fanout"]
        if not fan:
            raise KeyError("no fan-out rows")
        return {f"C={r['c']}": r["exchanges"] for r in fan}, all(
            r["exchanges"] == 1 and r["exchanges_min"] == 1 for r in fan
        )

    def runs() -> list[dict[str, Any]]:
        return _runs(trig, "trigger")

    def one_token() -> tuple[Any, bool]:
        return {f"K={r['k']}": r["tokens"] for r in runs()}, all(r["tokens"] == 1 for r in runs())

    def rss_k1000() -> tuple[Any, bool]:
        value = _row(runs(), k=1000)["rss_added_kb_per_trigger"]
        return round(value, 1), value <= RSS_PER_TRIGGER_KB_BUDGET

    def lag() -> tuple[Any, bool]:
        limit = trig["poll_interval"] + LAG_SLACK_S
        worst = max(r["lag_s"] for r in runs())
        return {f"K={r['k']}": round(r["lag_s"], 2) for r in runs()}, worst <= limit

    def stall_k1000() -> tuple[Any, bool]:
        value = float(_row(runs(), k=1000)["max_stall_ms"])
        return round(value, 1), value <= STALL_MS_BUDGET

    def coalesced() -> tuple[Any, bool]:
        # "One query per poll instead of K" counts statements: a listing of 1001 services is one
        # SHOW that Snowflake (and the emulator) may hand back in two result partitions.
        value = {
            f"K={r['k']}": f"{r['statements_per_cycle']:.1f} stmt ({r['requests_per_cycle']:.1f} req)" for r in runs()
        }
        return value, all(r["statements_per_cycle"] <= 1.5 for r in runs())

    def upgrade_statements() -> tuple[Any, bool]:
        runs = [upgrade[v] for v in ("as_is", "frozen_heap")]
        worst = max(r["statements_per_look"] for r in runs)
        value = {f"{r['heap']} heap": f"{r['statements_per_look']:.2f}/look" for r in runs}
        return value, worst <= UPGRADE_STATEMENTS_BUDGET and all(r["statuses"] == ["success"] for r in runs)

    def upgrade_watchdog(variant: str) -> tuple[Any, bool]:
        r = upgrade[variant]
        value = f"{r['watchdog_warnings']} warnings (longest 0.1 s sleep {r['watchdog_longest_s']:.2f} s, longest stall {r['longest_stall_ms']:.0f} ms)"
        return value, r["watchdog_warnings"] == 0

    poll = trig.get("poll_interval", "?")
    k = upgrade.get("k", "K")
    watchdog = f"no warning from Airflow's triggerer watchdog (a 0.1 s sleep over {WATCHDOG_WARNS_AT_S:g} s) with {k} deferred upgrade waits"

    def watch_runs() -> list[dict[str, Any]]:
        return _runs(watch, "watcher")

    def watch_statements() -> tuple[Any, bool]:
        value = {
            f"K={r['k']}+S={r['s']}": f"{r['statements_per_cycle']:.2f} stmt ({r['requests_per_cycle']:.2f} req)"
            for r in watch_runs()
        }
        return value, all(r["statements_per_cycle"] <= 1.5 for r in watch_runs())

    def watch_events() -> tuple[Any, bool]:
        value = {
            f"K={r['k']}": f"{r['events']} events for {r['flipped']} failures, {r['events_after_flip_window']} later, "
            f"{r['watchers_firing_twice']} watchers twice"
            for r in watch_runs()
        }
        ok = all(
            r["events"] == r["flipped"] and r["events_after_flip_window"] == 0 and r["watchers_firing_twice"] == 0
            for r in watch_runs()
        )
        return value, ok

    def watch_lag() -> tuple[Any, bool]:
        limit = watch["poll_interval"] + LAG_SLACK_S
        return {f"K={r['k']}": round(r["lag_s"], 2) for r in watch_runs()}, all(
            r["lag_s"] <= limit for r in watch_runs()
        )

    def watch_stall() -> tuple[Any, bool]:
        value = {
            f"K={r['k']}": f"{r['loop_iteration_cpu_max_ms']:.0f} ms CPU "
            f"(wall stall {r['loop_stall_without_gc_max_ms']:.0f} ms; {r['loop_stall_max_ms']:.0f} ms with full GCs)"
            for r in watch_runs()
        }
        return value, all(r["loop_iteration_cpu_max_ms"] < LOOP_STALL_MS_BUDGET for r in watch_runs())

    watch_poll = watch.get("poll_interval", "?")
    return [
        _safe(
            "parse.extra_ms",
            f"<= {PARSE_MS_BUDGET:g} ms over import airflow.sdk",
            lambda: (round(parse["extra_ms"], 1), parse["extra_ms"] <= PARSE_MS_BUDGET),
        ),
        _safe(
            "parse.extra_rss_mb",
            f"<= {PARSE_MB_BUDGET:g} MB over import airflow.sdk",
            lambda: (round(parse["extra_rss_mb"], 2), parse["extra_rss_mb"] <= PARSE_MB_BUDGET),
        ),
        _safe(
            "parse.heavy_modules",
            "none of snowflake.connector, jwt, cryptography key modules, requests, aiohttp",
            lambda: (parse["heavy_modules"], not parse["heavy_modules"]),
        ),
        _safe(
            "repeated.n100_ratio_loopback",
            f"hook/bare per-call median <= {REPEATED_RATIO_BUDGET}x",
            lambda: ratio("loopback"),
        ),
        _safe(
            "repeated.n100_ratio_wan20ms",
            f"hook/bare per-call median <= {REPEATED_RATIO_BUDGET}x",
            lambda: ratio("wan20ms"),
        ),
        _safe(
            "repeated.one_exchange_every_n", "exactly 1 exchange per run (min, max) at every N", one_exchange_repeated
        ),
        _safe("fanout.one_exchange_every_c", "exactly 1 exchange per burst at every C", one_exchange_fanout),
        _safe("triggers.one_token_every_k", "1 token (JWT signatures + exchanges) for all K triggers", one_token),
        _safe(
            "triggers.rss_per_trigger_k1000",
            f"<= {RSS_PER_TRIGGER_KB_BUDGET:g} KB peak RSS per trigger at K=1000",
            rss_k1000,
        ),
        _safe("triggers.lag_every_k", f"flip -> last event <= poll interval ({poll} s) + {LAG_SLACK_S:g} s", lag),
        _safe(
            "triggers.max_stall_ms_k1000",
            f"<= {STALL_MS_BUDGET:g} ms longest event-loop stall at K=1000 (cold first trigger included)",
            stall_k1000,
        ),
        _safe(
            "stretch.triggers.coalesced_polls",
            "stretch: ~1 SQL statement per schema per poll cycle (SHOW SERVICES IN SCHEMA)",
            coalesced,
            stretch=True,
        ),
        _safe(
            "upgrades.statements_per_look",
            f"<= {UPGRADE_STATEMENTS_BUDGET:g} SQL statements per look of an upgrade wait ({k} deferred waits, all succeed)",
            upgrade_statements,
        ),
        _safe(
            "upgrades.no_stall_frozen_heap",
            f"{watchdog}, heap frozen after start-up",
            lambda: upgrade_watchdog("frozen_heap"),
        ),
        _safe(
            "stretch.upgrades.no_stall_as_is",
            f"stretch: {watchdog}, full garbage collections included",
            lambda: upgrade_watchdog("as_is"),
            stretch=True,
        ),
        _safe(
            "watchers.one_statement_per_cycle",
            "<= 1.5 SQL statements per poll cycle for K watchers + S status triggers on one schema",
            watch_statements,
        ),
        _safe(
            "watchers.one_event_per_change",
            "one event per failed service's watcher; none later, no watcher twice",
            watch_events,
        ),
        _safe(
            "watchers.lag_every_k",
            f"flip -> last event <= poll interval ({watch_poll} s) + {LAG_SLACK_S:g} s",
            watch_lag,
        ),
        _safe(
            "watchers.loop_stall",
            f"longest loop iteration < {LOOP_STALL_MS_BUDGET:g} ms of CPU outside full GCs "
            "(Airflow's blocked-loop warning)",
            watch_stall,
        ),
    ]


def _oneline(text: Any) -> str:
    """The last meaningful line of an error (tracebacks end with the exception), table-safe."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip() and not line.strip().startswith("^")]
    return (lines[-1] if lines else "error")[:200].replace("|", "/")


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.2f} ms"


def _stalls(by_phase: dict[str, float]) -> str:
    """``12.3 ms (import 1.0, first trigger 12.3, ...)``: the worst stall, then each phase's."""
    worst = max(by_phase.values(), default=0.0)
    return f"{worst:.1f} ms (" + ", ".join(f"{phase} {ms:.1f}" for phase, ms in by_phase.items()) + ")"


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, case, result) rows of the one table."""
    rows: list[tuple[str, str, str]] = []
    parse = results.get("parse", {})
    if "extra_ms" in parse:
        rows.append(
            ("parse", "import airflow.sdk alone (baseline)", f"{_ms(parse['sdk_ms'])}, {parse['sdk_rss_mb']:.1f} MB")
        )
        rows.append(
            (
                "parse",
                "+ package root, operators, sensors",
                f"+{_ms(parse['extra_ms'])}, +{parse['extra_rss_mb']:.2f} MB, "
                f"{parse['new_modules']} new modules, heavy: {', '.join(parse['heavy_modules']) or 'none'}",
            )
        )
        for module, ms in parse["steps_ms"].items():
            rows.append(("parse", f"  {module}", f"+{_ms(ms)}"))
        slow = parse.get("slowest_imports") or []
        if slow:
            text = ", ".join(f"{r['module']} {r['self_ms']:.1f}" for r in slow[:6])
            rows.append(("parse", "  slowest pulled-in modules (self ms, -X importtime, 1 run)", text))
    elif "error" in parse:
        rows.append(("parse", "error", _oneline(parse["error"])))
    cold = results.get("cold", {})
    for method in ("key_pair", "pat", "spcs_token", "password"):
        if method in cold:
            c = cold[method]
            rows.append(
                (
                    "cold task",
                    method,
                    f"{_ms(c['wall_ms'])} process wall (import {_ms(c['import_ms'])}, conn+hook {_ms(c['hook_ms'])}, "
                    f"first call {_ms(c['first_request_ms'])}); {c['requests']} requests, "
                    f"{c['exchanges']} exchanges, {c['logins']} logins",
                )
            )
    if "error" in cold:
        rows.append(("cold task", "error", _oneline(cold["error"])))
    calls = results.get("calls", {})
    for r in calls.get("repeated", []):
        case = f"{r['phase']} N={r['n']} {r['variant']}"
        if r.get("skipped"):
            rows.append(("repeated", case, "not run: capped at N=100 (about 0.2 s a call: minutes for N=1000)"))
            continue
        rows.append(
            (
                "repeated",
                case,
                f"{_ms(r['per_call_ms'])}/call, total {_ms(r['total_ms'])}, {r['requests']} requests "
                f"({r['ingress_requests']} ingress), {r['exchanges']} exchanges, x{r['repeats']}",
            )
        )
    for f in calls.get("fanout", []):
        rows.append(
            (
                "fan-out",
                f"C={f['c']} arequest",
                f"{f['calls_per_s']:,.0f} calls/s ({_ms(f['elapsed_ms'])}, token work included), "
                f"{f['requests']} requests, {f['exchanges']} exchanges, x{f['repeats']}; "
                f"bare AsyncClient limit {f['bare_calls_per_s']:,.0f} calls/s ({_ms(f['bare_elapsed_ms'])})",
            )
        )
    if "error" in calls:
        rows.append(("calls", "error", _oneline(calls["error"])))
    trig = results.get("triggers", {})
    for t in trig.get("runs", []):
        rows.append(
            (
                "triggerer",
                f"K={t['k']} (poll {t['poll_interval']:g} s)",
                f"{t['requests_per_cycle']:.1f} SQL API req/cycle ({t['sql_api_requests']} in {t['poll_cycles']} cycles"
                + (f", {t['sql_statements']} statements" if "sql_statements" in t else "")
                + "), "
                f"{t['jwt_signatures']} JWT signatures, {t['exchanges']} exchanges, "
                f"+{t['rss_added_kb_per_trigger']:.0f} KB peak RSS/trigger, {_ms(t['cpu_ms_per_poll'])} CPU/poll"
                + (f" ({_ms(t['cpu_ms_per_cycle'])} CPU/cycle)" if "cpu_ms_per_cycle" in t else "")
                + ", "
                f"lag {t['lag_s']:.2f} s"
                + (f", longest loop stall {_stalls(t['stall_ms'])}" if "stall_ms" in t else ""),
            )
        )
    if "error" in trig:
        rows.append(("triggerer", "error", _oneline(trig["error"])))
    up = results.get("upgrades", {})
    for variant in ("as_is", "frozen_heap"):
        u = up.get(variant)
        if not u:
            continue
        forms = ", ".join(f"{n} {form}" for form, n in sorted(u["statement_counts"].items()))
        rows.append(
            (
                "rollouts",
                f"K={u['k']} deferred upgrade waits (poll {u['poll_interval']:g} s), heap {u['heap']}",
                f"{u['statements_per_cycle']:.1f} statements/cycle ({u['listings_per_cycle']:.1f} listing + "
                f"{u['instance_reads_per_cycle']:.1f} instance reads) over {u['poll_cycles']} cycles, "
                f"{u['statements_per_look']:.2f} per look ({u['looks']} looks) [{forms}]; "
                f"longest stall {u['longest_stall_ms']:.0f} ms (p99 {u['p99_stall_ms']:.0f} ms), "
                f"watchdog warnings {u['watchdog_warnings']} (longest 0.1 s sleep {u['watchdog_longest_s']:.2f} s), "
                f"full GCs {u['gc_full_collections']} (longest {u['gc_longest_ms']:.0f} ms), "
                f"{_ms(u['cpu_ms_per_cycle'])} CPU/cycle, all done in {u['elapsed_s']:.1f} s: {', '.join(u['statuses'])}",
            )
        )
    if "error" in up:
        rows.append(("rollouts", "error", _oneline(up["error"])))
    watch = results.get("watchers", {})
    for w in watch.get("runs", []):
        rows.append(
            (
                "watchers",
                f"K={w['k']} watchers + S={w['s']} status triggers (poll {w['poll_interval']:g} s)",
                f"{w['statements_per_cycle']:.2f} SQL statements/cycle ({w['requests_per_cycle']:.2f} requests), "
                f"{_ms(w['cpu_ms_per_cycle'])} CPU/cycle; {w['flipped']} fail at once: {w['events']} events "
                f"({w['flip_statements']} statements), lag {w['lag_s']:.2f} s, {w['events_after_flip_window']} later; "
                f"longest loop iteration {_ms(w['loop_iteration_cpu_max_ms'])} CPU; probe stall max "
                f"{_ms(w['loop_stall_without_gc_max_ms'])} outside full GCs ({_ms(w['loop_stall_max_ms'])} with; "
                f"longest full GC {_ms(w['full_gc_longest_ms'])}), p99 {_ms(w['loop_stall_p99_ms'])}",
            )
        )
    if "error" in watch:
        rows.append(("watchers", "error", _oneline(watch["error"])))
    return rows


def render(results: dict[str, Any]) -> str:
    """The table (Markdown, so docs/performance.md can paste it) and the budget lines."""
    rows = table_rows(results)
    out = ["| Figure | Case | Result |", "|---|---|---|"]
    out += [f"| {f} | {c} | {r} |" for f, c, r in rows]
    out.append("")
    for b in results.get("budgets", []):
        mark = "PASS" if b["pass"] else "FAIL"
        out.append(f"{mark}  {b['name']}: {b['value']}  (budget: {b['budget']})")
    return "\n".join(out)
