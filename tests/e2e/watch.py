"""Watch runs through the REST API, remembering every state each task instance was seen in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.rest import AirflowApi

TERMINAL = {"success", "failed"}
TaskKey = tuple[str, str, str]  # dag_id, run_id, task_id


@dataclass
class TaskHistory:
    """States in the order first seen, and each try number seen."""

    states: list[str] = field(default_factory=list)
    tries: set[int] = field(default_factory=set)
    last: dict[str, Any] = field(default_factory=dict)

    def saw(self, state: str) -> bool:
        return state in self.states


@dataclass
class RunRecord:
    dag_id: str
    run_id: str
    triggered_at: float
    finished_at: float | None = None
    state: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def wall_seconds(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.triggered_at


class Watcher:
    """Polls all task instances and runs (one request each) and keeps the histories."""

    def __init__(self, api: AirflowApi) -> None:
        self.api = api
        self.tasks: dict[TaskKey, TaskHistory] = {}
        self.runs: dict[tuple[str, str], RunRecord] = {}

    def trigger(self, dag_id: str) -> RunRecord:
        """Unpause and trigger a run through the REST API."""
        self.api.unpause(dag_id)
        at = time.monotonic()
        return self._track(dag_id, self.api.trigger(dag_id), at)

    def unpause_and_adopt(self, dag_id: str, timeout: float = 60.0) -> RunRecord:
        """Unpause a scheduled DAG and take the run the scheduler creates for its latest interval.

        A DAG with a schedule and ``catchup=False`` gets that run the moment it is unpaused; a
        manual run besides it would run twice what the example does once.
        """
        known = {r["dag_run_id"] for r in self.api.runs(dag_id)}
        at = time.monotonic()
        self.api.unpause(dag_id)
        while time.monotonic() < at + timeout:
            new = [r for r in self.api.runs(dag_id) if r["dag_run_id"] not in known and r["run_type"] == "scheduled"]
            if new:
                return self._track(dag_id, new[0]["dag_run_id"], at)
            time.sleep(0.5)
        raise TimeoutError(f"the scheduler created no run for {dag_id} within {timeout:.0f} s of unpausing it")

    def _track(self, dag_id: str, run_id: str, at: float) -> RunRecord:
        record = RunRecord(dag_id, run_id, at)
        self.runs[(dag_id, run_id)] = record
        return record

    def poll(self) -> None:
        for ti in self.api.task_instances():
            key = (ti["dag_id"], ti["dag_run_id"], ti["task_id"])
            history = self.tasks.setdefault(key, TaskHistory())
            state = ti["state"] or "none"
            if not history.states or history.states[-1] != state:
                history.states.append(state)
            if int(ti["try_number"]) > 0:  # 0 until the first try is scheduled
                history.tries.add(int(ti["try_number"]))
            history.last = ti
        if all(r.state in TERMINAL for r in self.runs.values()):
            return
        for info in self.api.all_runs():
            record = self.runs.get((info["dag_id"], info["dag_run_id"]))
            if record is None or record.state in TERMINAL:
                continue
            record.info = info
            record.state = info["state"]
            if record.state in TERMINAL:
                record.finished_at = time.monotonic()

    def history(self, dag_id: str, run_id: str, task_id: str) -> TaskHistory:
        return self.tasks.get((dag_id, run_id, task_id), TaskHistory())

    def run_tasks(self, dag_id: str, run_id: str) -> dict[str, TaskHistory]:
        return {k[2]: v for k, v in self.tasks.items() if k[0] == dag_id and k[1] == run_id}
