"""Airflow's public REST API v2, as a user's script calls it (token from ``POST /auth/token``)."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(RuntimeError):
    """A REST call answered with an unexpected status."""


class AirflowApi:
    """A thin client: each method is one documented REST call."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url
        self._client = httpx.Client(base_url=base_url, timeout=30)
        reply = self._client.post("/auth/token", json={"username": username, "password": password})
        if reply.status_code not in (200, 201):
            raise ApiError(f"POST /auth/token -> {reply.status_code}: {reply.text[:300]}")
        self.token = str(reply.json()["access_token"])
        self._client.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        reply = self._client.request(method, "/api/v2" + path, **kwargs)
        if reply.status_code not in ok:
            raise ApiError(f"{method} /api/v2{path} -> {reply.status_code}: {reply.text[:500]}")
        return reply.json() if reply.content else None

    def close(self) -> None:
        self._client.close()

    # -- DAGs and runs -------------------------------------------------------------------------

    def dags(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/dags", params={"limit": 1000})["dags"])

    def import_errors(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/importErrors", params={"limit": 1000})["import_errors"])

    def unpause(self, dag_id: str) -> None:
        self.call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str) -> str:
        run = self.call("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None})
        return str(run["dag_run_id"])

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 1000})["dag_runs"])

    def all_runs(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/dags/~/dagRuns", params={"limit": 1000})["dag_runs"])

    def task_instances(self, dag_id: str = "~", run_id: str = "~") -> list[dict[str, Any]]:
        reply = self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        return list(reply["task_instances"])

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"))

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> list[Any]:
        """Every log event of one try, as the UI reads them (JSON, full content)."""
        reply = self.call(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )
        content = reply.get("content", [])
        return list(content) if isinstance(content, list) else [content]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        reply = self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}")
        return reply["value"]

    def upstream_asset_events(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The asset events that queued a run (``extra`` holds a watcher's payload)."""
        return list(self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"])

    # -- assets --------------------------------------------------------------------------------

    def assets(self, uri_pattern: str) -> list[dict[str, Any]]:
        """Assets whose URI contains ``uri_pattern``, each with its ``watchers`` (name, trigger id)."""
        return list(self.call("GET", "/assets", params={"uri_pattern": uri_pattern, "limit": 100})["assets"])

    def asset_events(self, asset_id: int) -> list[dict[str, Any]]:
        reply = self.call("GET", "/assets/events", params={"asset_id": asset_id, "limit": 1000})
        return list(reply["asset_events"])

    # -- connections ---------------------------------------------------------------------------

    def connection(self, conn_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/connections/{conn_id}"))

    def test_connection(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reply = self._client.post("/api/v2/connections/test", json=body)
        return reply.status_code, (reply.json() if reply.content else {})
