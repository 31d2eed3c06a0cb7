"""``python -m tests.e2e``: the whole end-to-end run (see the package docstring). Exit 1 on any failure.

Environment: ``SPCS_E2E_ALLOW_STALLS=1`` reports triggerer event-loop stalls without failing
(``make e2e`` sets it from ``E2E_ALLOW_STALLS``, default 0); ``SPCS_E2E_ARTIFACTS`` (default
``e2e-artifacts``) is where screenshots, logs and the py-spy traces go; ``SPCS_E2E_KEEP=1`` keeps
the temporary AIRFLOW_HOME.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from tests.e2e import checks, examples, stalls
from tests.e2e.browser import ConnectionForm, check_form
from tests.e2e.emulator import Emulator
from tests.e2e.report import ALLOWED, CheckFailed, Report, Step
from tests.e2e.rest import AirflowApi
from tests.e2e.stack import AIRFLOW, COMPONENTS, ROOT, Stack, wait_for
from tests.e2e.watch import TERMINAL, Watcher

SCHEDULED_DAG = "e2e_every_minute"
RESTART_DAG, RESTART_TASK, RESTART_SERVICE = "e2e_triggerer_restart", "wait_across_restart", "SLOW_SERVICE"
HARNESS_FILES = ("e2e_every_minute.py", "e2e_triggerer_restart.py")
EVENT_DAG, EVENT_TASK, EVENT_SERVICE = "example_spcs_on_failure", "open_incident", "ECHO_SERVICE"
EVENT_ASSET = "snowflake-spcs://myorg-myacct/SPCS_DB/APP/ECHO_SERVICE"
AUTH_METHODS = ("key_pair", "pat", "password", "oauth", "spcs_token")
PHASE_TIMEOUT = 240.0
POLL = 0.2
#: Airflow's triggerer warns when its watchdog's 0.1 s sleep takes longer than this.
STALL_WARNS_AT = 0.2


def _triggerer_of(ti: dict[str, Any]) -> Any:
    """The id of the triggerer job running a deferred task instance's trigger (None: unassigned)."""
    return (ti.get("trigger") or {}).get("triggerer_id") or (ti.get("triggerer_job") or {}).get("id")


def fail_if(problems: Iterable[object], what: str) -> None:
    found = [str(p) for p in problems]
    if found:
        raise CheckFailed(f"{what} ({len(found)}):\n" + "\n".join(f"  - {p}" for p in found[:40]))


class Run:
    """One end-to-end run: its stack, REST client, watcher and report."""

    def __init__(self, stack: Stack, report: Report, artifacts: pathlib.Path) -> None:
        self.stack = stack
        self.report = report
        self.artifacts = artifacts
        self.api: AirflowApi | None = None
        self.watcher: Watcher | None = None
        self.samplers: list[stalls.Sampler] = []
        self.example_dags: dict[str, list[str]] = {}  # file -> dag ids
        self.scheduled: set[str] = set()  # example DAGs with a schedule
        self.cli_tests: dict[str, subprocess.Popen[str]] = {}
        self.scheduled_from = 0.0
        self.events_unpaused_at = 0.0  # wall clock (compared with the trigger's created_date)
        self.event_asset: dict[str, Any] | None = None  # set once the event-driven step passed
        self.event_failed_while_down: float | None = None

    @property
    def rest(self) -> AirflowApi:
        assert self.api is not None
        return self.api

    @property
    def watch(self) -> Watcher:
        assert self.watcher is not None
        return self.watcher

    @property
    def emulator(self) -> Emulator:
        assert self.stack.emulator is not None
        return self.stack.emulator

    # -- 1. start ------------------------------------------------------------------------------

    def start(self) -> None:
        stack = self.stack
        with self.report.step(
            "start Airflow and the emulator", logs=(*COMPONENTS, "emulator", "postgres"), fatal=True
        ) as step:
            stack.write_passwords()
            emulator = stack.start_emulator()
            stack.start_database()
            stack.airflow("db", "migrate")
            connections = stack.base / "connections.json"
            connections.write_text(json.dumps(emulator.connections), encoding="utf-8")
            stack.airflow("connections", "import", str(connections))
            for component in COMPONENTS:
                self.started(stack.start(component))

            def healthy() -> bool:
                stack.check_alive()
                health = stack.health() or {}
                return bool(health) and all(v.get("status") == "healthy" for v in health.values())

            wait_for("every component to report healthy", healthy, 120, 0.5)
            self.api = AirflowApi(stack.api_url, "admin", stack.password)
            self.watcher = Watcher(self.api)
            self.report.note(step, f"Airflow at {stack.api_url}, AIRFLOW_HOME {stack.home}")
            self.report.timing("start to healthy", self.report.elapsed())

    def started(self, proc: Any) -> None:
        if proc.name.startswith("triggerer"):
            out = self.artifacts / "pyspy" / f"{proc.name}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            self.samplers.append(stalls.Sampler(proc.pid, out, self.stack.logs / f"py-spy-{proc.name}.log"))

    # -- 2. parse ------------------------------------------------------------------------------

    def parse(self) -> None:
        files = examples.example_files()
        with self.report.step(
            "every example DAG file parses, no import error", logs=("dag-processor",), fatal=True
        ) as step:
            examples.check_table()

            def parsed() -> dict[str, list[str]] | None:
                self.stack.check_alive()
                errors = self.rest.import_errors()
                if errors:
                    raise CheckFailed("import errors:\n" + json.dumps(errors, indent=1)[:4000])
                by_file: dict[str, list[str]] = {}
                for dag in self.rest.dags():
                    by_file.setdefault(dag["relative_fileloc"], []).append(dag["dag_id"])
                    if dag.get("timetable_summary") not in (None, "None"):
                        self.scheduled.add(dag["dag_id"])
                wanted = [*files, *HARNESS_FILES]
                return by_file if all(by_file.get(f) for f in wanted) else None

            by_file = wait_for("every example file's DAGs to be listed", parsed, 180, 1.0)
            self.example_dags = {f: sorted(by_file[f]) for f in files}
            self.report.timing("start to DAGs parsed", self.report.elapsed())
            for name, dag_ids in self.example_dags.items():
                self.report.note(step, f"{name}: {', '.join(dag_ids)}")
            listed = {d for ids in self.example_dags.values() for d in ids}
            stale = sorted(set(examples.PLANS) - listed)
            fail_if(stale, "rows in examples.PLANS for DAGs no example file defines")
            fail_if(self.rest.import_errors(), "import errors")

    # -- 3. scheduled runs and connection tests start in the background ------------------------

    def start_background(self) -> None:
        with self.report.step("unpause the one-minute DAG and the event-driven DAG; start `airflow connections test` "
                              "for each auth method"):  # fmt: skip
            self.rest.unpause(SCHEDULED_DAG)
            # Early, so the DAG processor has registered the asset's watcher by the time its step runs.
            self.rest.unpause(EVENT_DAG)
            self.events_unpaused_at = time.time()
            self.scheduled_from = time.monotonic()
            for method in AUTH_METHODS:
                conn_id = f"spcs_e2e_{method}"
                self.cli_tests[conn_id] = subprocess.Popen(
                    [AIRFLOW, "connections", "test", conn_id],
                    env=self.stack.env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )

    # -- 4. examples ---------------------------------------------------------------------------

    def run_examples(self) -> None:
        dag_ids = [d for ids in self.example_dags.values() for d in ids]
        for phase in examples.PHASES:
            members = [d for d in dag_ids if examples.plan_for(d).phase == phase.name]
            if not members:
                continue
            with self.report.step(f"examples, phase '{phase.name}': {', '.join(members)}",
                                  logs=("scheduler", "triggerer", "emulator")) as step:  # fmt: skip
                self.run_phase(phase, members, step)

    def run_phase(self, phase: examples.Phase, members: list[str], step: Step) -> None:
        for service in phase.slow:
            self.emulator.slow_down(service)
        for service in phase.hold:
            self.emulator.hold(service)
        records = {
            dag_id: self.watch.unpause_and_adopt(dag_id) if dag_id in self.scheduled else self.watch.trigger(dag_id)
            for dag_id in members
        }
        held = bool(phase.hold)
        deadline = time.monotonic() + PHASE_TIMEOUT
        while True:
            self.watch.poll()
            if held and all(self._waited(dag_id, r.run_id) for dag_id, r in records.items()):
                for service in phase.hold:
                    self.emulator.release(service)
                self.report.note(step, f"released {', '.join(phase.hold)} after {self.report.elapsed():.0f} s")
                held = False
            if all(r.state in TERMINAL for r in records.values()):
                break
            if time.monotonic() > deadline:
                states = {d: self._states(d, r.run_id) for d, r in records.items()}
                raise CheckFailed(f"phase did not finish in {PHASE_TIMEOUT:.0f} s: {json.dumps(states, indent=1)}")
            self.stack.check_alive()
            time.sleep(POLL)
        self.watch.poll()
        for service in phase.slow:
            self.emulator.slow_down(service, 0)
        for dag_id in members:
            if dag_id in self.scheduled:  # no second scheduled run mid-way through a later phase
                self.rest.call("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
        problems = []
        for dag_id, record in records.items():
            plan = examples.plan_for(dag_id)
            tasks = self.watch.run_tasks(dag_id, record.run_id)
            self.report.timing(f"run {dag_id}", record.wall_seconds or 0.0)
            if record.state != "success":
                problems.append(f"{dag_id}: run {record.state}; tasks {self._states(dag_id, record.run_id)}")
            problems += [f"{dag_id}.{t}: ended {h.states[-1]}" for t, h in tasks.items() if h.states[-1] != "success"]
            for task_id in plan.defers:
                history = tasks.get(task_id)
                if history is None or not (
                    history.saw("deferred") or self._deferred_in_log(dag_id, record.run_id, task_id)
                ):
                    problems.append(f"{dag_id}.{task_id}: never seen deferred (states {history and history.states})")
            for task_id, state in plan.waits.items():
                history = tasks.get(task_id)
                if history is None or not history.saw(state):
                    problems.append(f"{dag_id}.{task_id}: never seen {state} while the service was held")
        for dag_id, record in records.items():
            self.report.note(step, f"{dag_id}: {record.state} in {record.wall_seconds or 0:.1f} s; "
                                   + "; ".join(f"{t} {'>'.join(h.states)}" for t, h in
                                               sorted(self.watch.run_tasks(dag_id, record.run_id).items())))  # fmt: skip
        fail_if(problems, "examples that did not behave")

    def _deferred_in_log(self, dag_id: str, run_id: str, task_id: str) -> bool:
        """Whether the task's log (over REST) says it deferred: a deferral shorter than one REST poll
        is not seen in the task's state, but the task runner logs every one."""
        ti = self.rest.task_instance(dag_id, run_id, task_id)
        for attempt in range(1, int(ti.get("try_number") or 1) + 1):
            events = self.rest.task_log(dag_id, run_id, task_id, attempt)
            if any("Pausing task as DEFERRED" in json.dumps(event) for event in events):
                return True
        return False

    def _waited(self, dag_id: str, run_id: str) -> bool:
        plan = examples.plan_for(dag_id)
        return all(self.watch.history(dag_id, run_id, t).saw(s) for t, s in plan.waits.items())

    def _states(self, dag_id: str, run_id: str) -> dict[str, list[str]]:
        return {t: h.states for t, h in self.watch.run_tasks(dag_id, run_id).items()}

    # -- 5. event-driven DAG -------------------------------------------------------------------

    def _echo_looks(self) -> int:
        return self.emulator.polls(EVENT_SERVICE)

    def _after_looks(self, what: str, count: int) -> None:
        """Until the watcher (the only one reading ECHO_SERVICE between phases) looked ``count`` more times."""
        target = self._echo_looks() + count

        def looked() -> bool:
            self.stack.check_alive()
            return self._echo_looks() >= target

        wait_for(what, looked, 90, POLL)

    def _event_runs(self) -> list[dict[str, Any]]:
        return [r for r in self.rest.runs(EVENT_DAG) if r["run_type"] == "asset_triggered"]

    def _one_more_run(
        self, asset_id: int, events_before: int, runs_before: int, since: float, label: str
    ) -> dict[str, Any]:
        """Wait for the asset event and the run it queues; report both timings; return the finished run."""
        wait_for(
            f"an asset event after {label}", lambda: len(self.rest.asset_events(asset_id)) > events_before, 120, POLL
        )
        self.report.timing(f"{label} -> asset event", time.monotonic() - since)

        def finished() -> dict[str, Any] | None:
            self.stack.check_alive()
            runs = self._event_runs()
            if len(runs) <= runs_before:
                return None
            newest = max(runs, key=lambda r: r["run_after"])
            return newest if newest["state"] in TERMINAL else None

        run = wait_for(f"the run queued after {label} to finish", finished, 180, POLL)
        self.report.timing(f"{label} -> run {run['state']}", time.monotonic() - since)
        return dict(run)

    def _payloads(self, run: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The watcher payloads that queued ``run``, and what its task made of them (XCom)."""
        events = self.rest.upstream_asset_events(EVENT_DAG, run["dag_run_id"])
        payloads = [e["extra"]["payload"] for e in events if (e.get("extra") or {}).get("from_trigger")]
        incidents = self.rest.xcom(EVENT_DAG, run["dag_run_id"], EVENT_TASK) if run["state"] == "success" else []
        return payloads, list(incidents or [])

    def event_driven(self) -> None:
        with self.report.step("event-driven DAG: a service that fails runs the DAG scheduled on its asset once",
                              logs=("triggerer", "scheduler", "dag-processor")) as step:  # fmt: skip
            emulator = self.emulator

            def registered() -> dict[str, Any] | None:
                found = [a for a in self.rest.assets("snowflake-spcs") if a["uri"] == EVENT_ASSET and a["watchers"]]
                return found[0] if found else None

            asset = wait_for("the DAG processor to register the asset's watcher", registered, 180, 1.0)
            created = datetime.datetime.fromisoformat(asset["watchers"][0]["created_date"]).timestamp()
            self.report.timing("event DAG unpaused -> its watcher's trigger created", created - self.events_unpaused_at)
            # The compute pool examples leave ECHO_SERVICE suspended; the watched failure is of a running service.
            if emulator.admin("GET", f"/services/{EVENT_SERVICE}")["status"] != "RUNNING":
                emulator.release(EVENT_SERVICE)
            self._after_looks("the watcher to look at the running service", 2)
            problems: list[str] = []
            events_before, runs_before = len(self.rest.asset_events(asset["id"])), len(self._event_runs())
            if events_before or runs_before:
                problems.append(f"{events_before} asset events, {runs_before} runs before any failure")

            # 1. The service fails while the watcher runs.
            flipped = time.monotonic()
            emulator.admin("POST", f"/services/{EVENT_SERVICE}/fail",
                           {"message": "OOMKilled: container used 2Gi", "exit_code": 137})  # fmt: skip
            live = self._one_more_run(asset["id"], events_before, runs_before, flipped, "FAILED (live)")
            payloads, incidents = self._payloads(live)
            self.report.note(step, f"run {live['dag_run_id']}: {live['state']}; payload {json.dumps(payloads)[:600]}")
            self.report.note(step, f"{EVENT_TASK} XCom: {json.dumps(incidents)[:600]}")
            if live["state"] != "success":
                problems.append(f"the live failure's run ended {live['state']}")
            if [(p["previous_status"], p["status"]) for p in payloads] != [("RUNNING", "FAILED")]:
                problems.append(f"live failure: payloads {payloads}")
            if [i.get("event_key") for i in incidents] != [p.get("event_key") for p in payloads]:
                problems.append(f"live failure: the task's incidents {incidents} do not match the payloads")
            if not any("OOMKilled" in c for i in incidents for c in i.get("containers", [])):
                problems.append("live failure: no container message in the incident")

            # 2. Back to RUNNING (no event), watched: the restart step makes it fail while no triggerer runs.
            emulator.admin("POST", f"/services/{EVENT_SERVICE}/status", {"status": "RUNNING"})
            self._after_looks("the watcher to see RUNNING again", 2)
            self.event_asset = asset
            fail_if(problems, "event-driven runs")

    def _fail_watched_service(self) -> None:
        """While no triggerer runs (the restart step calls it): the watched service fails."""
        if self.event_asset is not None:
            self.emulator.admin("POST", f"/services/{EVENT_SERVICE}/fail", {"message": "failed while no triggerer ran"})
            self.event_failed_while_down = time.monotonic()

    def event_driven_restart(self) -> None:
        with self.report.step("event-driven DAG: the service failed while the triggerer restarted: one run on 3.3+, "
                              "none before", logs=("triggerer", "scheduler")) as step:  # fmt: skip
            asset = self.event_asset
            if asset is None or self.event_failed_while_down is None:
                raise CheckFailed("the event-driven step or the triggerer restart did not run")
            version = str(self.rest.call("GET", "/version")["version"])
            has_store = tuple(int(p) for p in version.split(".")[:2]) >= (3, 3)
            problems: list[str] = []
            if has_store:
                run = self._one_more_run(asset["id"], 1, 1, self.event_failed_while_down, "FAILED (triggerer down)")
                payloads, _ = self._payloads(run)
                self.report.note(step, f"run {run['dag_run_id']}: {run['state']}; payload {json.dumps(payloads)[:600]}")
                if run["state"] != "success":
                    problems.append(f"the run after the restart ended {run['state']}")
                if [(p["previous_status"], p["status"]) for p in payloads] != [("RUNNING", "FAILED")]:
                    problems.append(f"after the restart: payloads {payloads}")
            # Documented: before Airflow 3.3 the first look after a start is a silent baseline.
            expected = 2 if has_store else 1
            self._after_looks("the new triggerer's watcher to look twice more", 2)
            events = self.rest.asset_events(asset["id"])
            runs = self._event_runs()
            self.report.note(step, f"Airflow {version}: {len(events)} asset events, {len(runs)} runs in all "
                                   f"(expected {expected} each)")  # fmt: skip
            if len(events) != expected or len(runs) != expected:
                problems.append(
                    f"{len(events)} asset events and {len(runs)} runs, expected {expected}: lost or doubled"
                )
            self.emulator.admin("POST", f"/services/{EVENT_SERVICE}/status", {"status": "RUNNING"})
            self.rest.call("PATCH", f"/dags/{EVENT_DAG}", json={"is_paused": True})
            fail_if(problems, "event-driven runs across the restart")

    # -- 6. triggerer restart (the event-driven DAG's service fails meanwhile) ------------------------------------------------------------------

    def restart_triggerer(self) -> None:
        with self.report.step("a deferred sensor survives a triggerer restart on the same try",
                              logs=("triggerer", "scheduler", "emulator")) as step:  # fmt: skip
            record = self.watch.trigger(RESTART_DAG)

            def deferred() -> dict[str, Any] | None:
                self.watch.poll()
                history = self.watch.history(RESTART_DAG, record.run_id, RESTART_TASK)
                return history.last if history.last.get("state") == "deferred" else None

            before = wait_for("the sensor to defer", deferred, 120, POLL)
            polls = wait_for(
                "the trigger to poll the service",
                lambda: (p := self.emulator.polls(RESTART_SERVICE)) > 1 and p,
                60,
                POLL,
            )
            old_job = _triggerer_of(self.rest.task_instance(RESTART_DAG, record.run_id, RESTART_TASK))
            stopped_in = self.stack.procs["triggerer"].terminate()
            self.report.timing("old triggerer stopped after SIGTERM", stopped_in)
            self.stack.retire("triggerer")
            self._fail_watched_service()
            polls_at_stop = self.emulator.polls(RESTART_SERVICE)
            proc = self.stack.start("triggerer")
            self.started(proc)
            began = time.monotonic()
            seen: dict[str, float] = {}
            new_job: Any = None

            def picked_up() -> bool:
                nonlocal new_job
                self.stack.check_alive()
                if "assigned" not in seen:
                    new_job = _triggerer_of(self.rest.task_instance(RESTART_DAG, record.run_id, RESTART_TASK))
                    if new_job not in (None, old_job):
                        seen["assigned"] = time.monotonic() - began
                if "polled" not in seen and self.emulator.polls(RESTART_SERVICE) > polls_at_stop:
                    seen["polled"] = time.monotonic() - began
                return len(seen) == 2

            wait_for("the new triggerer to take the trigger and poll", picked_up, 120, 0.1)
            self.report.timing("trigger pickup after restart: assigned to the new triggerer", seen["assigned"])
            self.report.timing("trigger pickup after restart: its first poll", seen["polled"])
            self.report.note(
                step, f"triggerer job {old_job} -> {new_job}; polls {polls} before, {polls_at_stop} at stop"
            )
            self.emulator.release(RESTART_SERVICE)

            def ended() -> bool:
                self.watch.poll()
                return record.state in TERMINAL

            wait_for("the run to end", ended, 120, POLL)
            final = self.rest.task_instance(RESTART_DAG, record.run_id, RESTART_TASK)
            history = self.watch.history(RESTART_DAG, record.run_id, RESTART_TASK)
            self.report.note(step, f"{RESTART_TASK}: {' > '.join(history.states)}, tries seen {sorted(history.tries)}")
            problems = []
            if record.state != "success" or final["state"] != "success":
                problems.append(f"run {record.state}, task {final['state']}")
            if final["try_number"] != before["try_number"] or history.tries != {before["try_number"]}:
                problems.append(
                    f"try number changed: {before['try_number']} -> {final['try_number']} ({history.tries})"
                )
            if old_job is not None and new_job == old_job:
                problems.append("the trigger still belongs to the stopped triggerer")
            fail_if(problems, "restart")

    # -- 7. connection tests -------------------------------------------------------------------

    def connection_tests(self) -> None:
        with self.report.step("connection test for each auth method: CLI and REST", logs=("api-server",)) as step:
            problems = []
            for conn_id, popen in self.cli_tests.items():
                out, _ = popen.communicate(timeout=180)
                ok = popen.returncode == 0 and "Connection success!" in out
                self.report.note(step, f"airflow connections test {conn_id}: {'ok' if ok else 'FAILED'}")
                if not ok:
                    problems.append(f"airflow connections test {conn_id} exited {popen.returncode}: {out[-800:]}")
            for method in AUTH_METHODS:
                conn_id = f"spcs_e2e_{method}"
                full = self.emulator.connections[conn_id]
                as_stored = self.rest.connection(conn_id)  # what the UI holds: secrets masked
                bodies = {
                    "stored (masked) fields": as_stored,
                    "fields in the request": {
                        "connection_id": conn_id, "conn_type": full["conn_type"], "login": full.get("login"),
                        "password": full.get("password"), "extra": json.dumps(full["extra"]),
                    },
                }  # fmt: skip
                for label, body in bodies.items():
                    status, reply = self.rest.test_connection(body)
                    ok = status == 200 and reply.get("status") is True
                    self.report.note(
                        step, f"POST /connections/test {conn_id} ({label}): {status} {reply.get('message')}"
                    )
                    if not ok:
                        problems.append(f"REST test {conn_id} ({label}): {status} {reply}")
            fail_if(problems, "connection tests that failed")

    # -- 8. browser ----------------------------------------------------------------------------

    def browser(self) -> None:
        with self.report.step("connection form in headless Chromium: add key pair and PAT, save, Test",
                              logs=("api-server",)) as step:  # fmt: skip
            shots = self.artifacts / "screenshots"
            form = ConnectionForm(self.stack.api_url, self.stack.password, shots)
            problems: list[str] = []

            def set_port_zero(conn_id: str) -> None:
                self.rest.call("PATCH", f"/connections/{conn_id}", params={"update_mask": "port"},
                               json={"connection_id": conn_id, "conn_type": "snowflake_spcs", "port": 0})  # fmt: skip

            try:
                for method, secret_field in (("key_pair", "private_key_content"), ("pat", "token")):
                    source = self.emulator.connections[f"spcs_e2e_{method}"]
                    extra = {k: source["extra"][k] for k in ("account", "account_url", "role", "database")}
                    extra[secret_field] = source["extra"][secret_field]
                    result = check_form(form, f"spcs_ui_{method}", source["login"], extra, method, set_port_zero)
                    stored = json.loads(self.rest.connection(result.conn_id)["extra"] or "{}")
                    if stored.get("auth_method") != method:
                        result.problems.append(f"stored auth_method {stored.get('auth_method')!r}")
                    if stored.get("pat_exchange") not in (None, False):
                        result.problems.append(f"stored pat_exchange {stored.get('pat_exchange')!r}")
                    verdict = result.test_body.get("message") or result.test_body.get("detail")
                    self.report.note(step, f"{result.conn_id}: Test -> {result.test_status} {verdict}")
                    if result.airflow_port_bug:
                        self.report.note(step, f"  Airflow's portless Test bug (apache/airflow#73298); with port 0: "
                                               f"{result.retest_body.get('message')}")  # fmt: skip
                    problems += [f"{result.conn_id}: {p}" for p in result.problems]
            finally:
                form.close()
            self.report.note(step, f"screenshots in {shots}")
            fail_if(problems, "form problems")

    # -- 9. schedule ---------------------------------------------------------------------------

    def scheduled_runs(self) -> None:
        with self.report.step(f"'{SCHEDULED_DAG}' (every minute) gets two scheduled runs by itself",
                              logs=("scheduler",)) as step:  # fmt: skip

            def two() -> list[dict[str, Any]] | None:
                runs = [r for r in self.rest.runs(SCHEDULED_DAG) if r["run_type"] == "scheduled"]
                done = [r for r in runs if r["state"] == "success"]
                failed = [r for r in runs if r["state"] == "failed"]
                if failed:
                    raise CheckFailed(f"scheduled runs failed: {[r['dag_run_id'] for r in failed]}")
                return done if len(done) >= 2 else None

            remaining = max(10.0, 150.0 - (time.monotonic() - self.scheduled_from))
            done = wait_for("two successful scheduled runs", two, remaining, 2.0)
            self.report.note(step, "scheduled runs: " + ", ".join(r["dag_run_id"] for r in done))

    # -- 10. task logs --------------------------------------------------------------------------

    def task_logs(self) -> None:
        with self.report.step("task logs (REST) hold no secret and no provider warning") as step:
            secrets = self.emulator.secrets()
            needles = checks.secret_needles(secrets)
            leaks: list[checks.Finding] = []
            warnings: list[checks.Finding] = []
            fired = 0
            count = 0
            for ti in self.rest.task_instances():
                for attempt in range(1, int(ti["try_number"]) + 1):
                    where = f"{ti['dag_id']}/{ti['task_id']}/try {attempt}"
                    events = self.rest.task_log(ti["dag_id"], ti["dag_run_id"], ti["task_id"], attempt)
                    text = "\n".join(checks.event_text(e) for e in events)
                    count += 1
                    leaks += checks.find_secrets(text, needles, where)
                    warnings += checks.warnings_in(events, where)
                    for event in events:
                        if isinstance(event, dict) and event.get("event") == "Trigger fired event":
                            fired += 1
                            if '"text": "{' in json.dumps(event) or "'text': '{" in str(event.get("result")):
                                warnings.append(checks.Finding(where, "a fired event logs the response body"))
            self.report.note(step, f"{count} task logs, {len(secrets)} secrets (incl. tokens the emulator minted), "
                                   f"{fired} 'Trigger fired event' lines")  # fmt: skip
            for proc in self.stack.all_processes():
                if proc.name != "emulator":
                    leaks += checks.find_secrets(proc.tail(1_000_000), needles, f"{proc.name} process log")
            fail_if(leaks, "secrets in logs")
            fail_if(warnings, "warnings in task logs")

    # -- 11. exchanges -------------------------------------------------------------------------

    def exchanges(self) -> None:
        with self.report.step("token exchanges per task (emulator counters)") as step:
            stats = self.emulator.stats()
            tis = [ti for ti in self.rest.task_instances() if str(ti.get("operator", "")).startswith("Spcs")]
            tries = sum(int(ti["try_number"]) for ti in tis)
            ingress = stats["requests"].get("ingress", 0)
            exchanges = stats["exchanges"]
            self.report.note(step, f"{exchanges} exchanges, {ingress} ingress calls, {stats['requests'].get('sql_api', 0)} "
                                   f"SQL API requests, {stats['logins']} connector logins, {stats['jwts_verified']} JWTs "
                                   f"verified, over {len(tis)} provider task instances")  # fmt: skip
            self.report.note(step, f"exchanges per provider task: {exchanges / max(1, len(tis)):.2f}; "
                                   f"per ingress call: {exchanges / max(1, ingress):.2f}")  # fmt: skip
            self.report.figure("token exchanges per provider task", f"{exchanges / max(1, len(tis)):.2f}")
            (self.artifacts / "emulator-stats.json").write_text(json.dumps(stats, indent=1), encoding="utf-8")
            del tries

    # -- 12. stalls ----------------------------------------------------------------------------

    def triggerer_stalls(self) -> None:
        allow = os.environ.get("SPCS_E2E_ALLOW_STALLS") == "1"
        with self.report.step("triggerer event loop never blocked (Airflow's 0.2 s warning)", logs=()) as step:
            proc = self.stack.procs.get("triggerer")
            if proc is not None and proc.alive:
                proc.terminate()  # py-spy writes its trace once the process is gone
            warned: list[tuple[str, float]] = []
            for p in self.stack.all_processes():
                if p.name.startswith("triggerer"):
                    warned += [(p.name, s) for s in checks.stalls_in(p.tail(1_000_000))]
            sampled: list[stalls.Stall] = []
            traced = 0
            for sampler in self.samplers:
                trace = sampler.finish()
                if trace is not None:
                    traced += 1
                    sampled += stalls.find_stalls(trace, threshold=0.1)
            self.report.note(step, f"'blocked' warnings: {len(warned)}"
                                   + (f", longest {max(s for _, s in warned):.2f} s" if warned else "")
                                   + f"; py-spy traces: {traced}, callbacks over 0.1 s: {len(sampled)}"
                                   + (f", longest {max(s.seconds for s in sampled):.3f} s" if sampled else ""))  # fmt: skip
            self.report.figure("triggerer 'blocked' warnings", str(len(warned)))
            longest = f"{max(s.seconds for s in sampled):.3f} s" if sampled else "< 0.1 s"
            self.report.figure("longest triggerer event-loop callback (py-spy)", longest)
            for name, seconds in warned:
                self.report.note(step, f"{name}: blocked {seconds:.2f} s")
            if sampled:
                self.report.note(
                    step, "what ran on the event loop (py-spy; longest first):\n" + stalls.describe(sampled)
                )
            on_loop = [s for s in sampled if s.seconds >= STALL_WARNS_AT]
            if warned and traced and not on_loop:
                # Airflow's warning is wall-clock; py-spy saw no callback that long on the loop, so
                # the process was kept off the CPU (other processes on a small machine), not blocked.
                self.report.note(step, f"no event-loop callback of {STALL_WARNS_AT:g} s or more in the py-spy "
                                       "traces: the warnings are the machine's load, reported, not failed")  # fmt: skip
                return
            if warned:
                if allow:
                    step.verdict = ALLOWED
                    self.report.note(step, "SPCS_E2E_ALLOW_STALLS=1: reported, not failed")
                    return
                fail_if([f"{n}: {s:.2f} s" for n, s in warned], "triggerer 'async thread was blocked' warnings")


def main() -> int:
    artifacts = pathlib.Path(os.environ.get("SPCS_E2E_ARTIFACTS", ROOT / "e2e-artifacts")).resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack = Stack(keep=os.environ.get("SPCS_E2E_KEEP") == "1")
    report = Report(lambda names: stack.log_tails(names) if names else "")
    run = Run(stack, report, artifacts)
    try:
        run.start()
        run.parse()
        run.start_background()
        run.run_examples()
        run.event_driven()
        run.restart_triggerer()
        run.event_driven_restart()
        run.connection_tests()
        run.browser()
        run.scheduled_runs()
        run.task_logs()
        run.exchanges()
        run.triggerer_stalls()
    except Exception:  # a fatal step: already reported
        pass
    finally:
        for popen in run.cli_tests.values():
            if popen.poll() is None:
                popen.kill()
        if run.api is not None:
            run.api.close()
        stack.close()
        stack.collect(artifacts)
        stack.remove()
        print(report.summary(), flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
