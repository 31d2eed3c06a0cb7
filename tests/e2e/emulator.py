"""The emulator of the run, started as a user would: ``python -m airflow_provider_spcs.testing``.

It runs with the flags of docs/emulator.md ("Run the emulator next to your own Airflow"): services
with ``--service``, the connections in ``--connections-file``, an SPCS session token in
``--token-file``, every credential and minted token in ``--record-secrets`` (mode 0600) for the log
scan, and ``--ready-file`` to know when it serves. During the run it is scripted only through its
``/_emulator/`` admin routes (hold a service PENDING, release it, fail it, read its poll count and
the counters), as a user's script would with curl.

The tables here are what the run needs beyond the default world; a new example adds its services to
:data:`SERVICES` (a phase of :mod:`tests.e2e.examples` slows down a service of the default world).
"""

from __future__ import annotations

import json
import pathlib
import secrets
import sys
from collections.abc import Callable
from typing import Any

import httpx

from tests.e2e.processes import Process

#: Seconds each call to the endpoints the deferrable examples call from the triggerer takes. Long
#: enough that the task is seen ``deferred``, and that the trigger fires only once the scheduler has
#: read the executor's report of the process that deferred (within about 2 s with the stack's
#: ``[workers] min_heartbeat_interval`` of 1 s): a trigger that fires sooner races Airflow's
#: scheduler, which then fails the resumed task (docs/real-airflow.md, "A resumed task failed right
#: after its trigger fired").
DEFERRED_CALL_SECONDS = 4.0

#: The run's own services live on a compute pool of their own: the pool examples suspend SPCS_POOL
#: (and every service on it) while the scheduled DAG and the triggerer restart still need theirs.
HARNESS_POOL = "E2E_POOL"

#: ``--service`` options: the services the examples and the run's own DAGs use that the default
#: world lacks.
SERVICES: tuple[str, ...] = (
    f"CATALOG_SERVICE:compute_pool={HARNESS_POOL},endpoints=api,handler=paginated:25:10,"
    f"latency={DEFERRED_CALL_SECONDS:g}",
    f"TICK_SERVICE:compute_pool={HARNESS_POOL},endpoints=api",
    f"SLOW_SERVICE:compute_pool={HARNESS_POOL},endpoints=api,status=PENDING",
)

#: The CLI's connection id for each auth method (docs/emulator.md).
CLI_CONNECTIONS = {
    "key_pair": "snowflake_spcs_default",
    "pat": "snowflake_spcs_pat",
    "password": "snowflake_spcs_password",
    "oauth": "snowflake_spcs_oauth",
    "spcs_token": "snowflake_spcs_session_token",
}
#: Connections the examples use (by the CLI's ids); the run adds one ``spcs_e2e_<method>`` per auth method.
EXAMPLE_CONNECTIONS = ("snowflake_spcs_default", "snowflake_spcs_pat")
#: The plain connection example_spcs_rotate_secret rotates into SERVICE_API_KEY (the key in its password).
EXAMPLE_API_KEY_CONN = "example_api_key"


def e2e_connections(cli: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The provider's connections the run imports, from the CLI's connections file.

    Airflow's masker walks every extra value of a connection a task reads and warns about any
    shorter than 5 characters, secret or not ("Skipping masking for a secret as it's too short"):
    the examples name their services in full, so no connection needs the default schema (``APP``),
    and the examples' PAT connection leaves ``auth_method`` (``pat``) to be inferred from its token.
    """

    def without(connection: dict[str, Any], *keys: str) -> dict[str, Any]:
        extra = {k: v for k, v in connection["extra"].items() if k not in keys}
        return {**connection, "extra": extra}

    chosen: dict[str, dict[str, Any]] = {}
    for conn_id in EXAMPLE_CONNECTIONS:
        chosen[conn_id] = without(cli[conn_id], "schema", *(("auth_method",) if conn_id.endswith("_pat") else ()))
    for method, conn_id in CLI_CONNECTIONS.items():
        chosen[f"spcs_e2e_{method}"] = without(cli[conn_id], "schema")
    return chosen


class Emulator:
    """The emulator process and its admin routes.

    :param base: the run's folder (the emulator's files go there).
    :param env: the environment to start it in.
    :param logs: where its log goes (stderr only: its stdout repeats the connections, credentials
        included, and is discarded).
    """

    def __init__(self, base: pathlib.Path, env: dict[str, str], logs: pathlib.Path) -> None:
        self.files = {name: base / f"emulator-{name}" for name in ("ready", "connections", "token", "secrets")}
        argv = [sys.executable, "-m", "airflow_provider_spcs.testing"]
        argv += [arg for option in SERVICES for arg in ("--service", option)]
        argv += ["--ready-file", str(self.files["ready"]), "--connections-file", str(self.files["connections"])]
        argv += ["--token-file", str(self.files["token"]), "--record-secrets", str(self.files["secrets"])]
        self.proc = Process("emulator", argv, env=env, log_dir=logs, keep_stdout=False)
        self.account_url = ""
        #: Every connection the run imports (``airflow connections import``): the provider's, and
        #: the plain one holding the API key the rotation example writes into a secret.
        self.connections: dict[str, dict[str, Any]] = {}
        self.example_api_key = "e2e-api-key-" + secrets.token_urlsafe(18)
        self._http = httpx.Client(timeout=10)

    def start(self, wait: Callable[[str, Callable[[], Any], float], Any]) -> Emulator:
        """Start it and wait (``wait(what, check, timeout)``) until its ready file is there."""
        self.proc.start()

        def ready() -> bool:
            if not self.proc.alive:
                raise RuntimeError(f"the emulator exited:\n{self.proc.tail(20)}")
            return self.files["ready"].exists()

        wait("the emulator's ready file", ready, 60)
        self.account_url = json.loads(self.files["ready"].read_text(encoding="utf-8"))["account_url"]
        self.connections = e2e_connections(json.loads(self.files["connections"].read_text(encoding="utf-8")))
        self.connections[EXAMPLE_API_KEY_CONN] = {"conn_type": "generic", "password": self.example_api_key}
        return self

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One admin route (``/_emulator`` + ``path``); raises on an error answer."""
        reply = self._http.request(method, f"{self.account_url}/_emulator{path}", json=body)
        if reply.status_code >= 400:
            raise RuntimeError(f"emulator {method} /_emulator{path}: {reply.status_code} {reply.text[:300]}")
        answer: dict[str, Any] = reply.json()
        return answer

    def hold(self, service: str) -> None:
        """PENDING until :meth:`release`."""
        self.admin("POST", f"/services/{service}/pending", {})

    def release(self, service: str) -> None:
        """RUNNING now."""
        self.admin("POST", f"/services/{service}/status", {"status": "RUNNING"})

    def slow_down(self, service: str, seconds: float = DEFERRED_CALL_SECONDS) -> None:
        """Each request to the service's endpoints takes ``seconds`` from now on (``0``: none)."""
        self.admin("POST", f"/services/{service}/latency", {"seconds": seconds})

    def fail(self, service: str, message: str, exit_code: int = 1) -> None:
        """FAILED now, with a container message."""
        self.admin("POST", f"/services/{service}/fail", {"message": message, "exit_code": exit_code})

    def polls(self, service: str) -> int:
        """How many times the service was looked at (reading this is no look)."""
        return int(self.admin("GET", f"/services/{service}")["polls"])

    def stats(self) -> dict[str, Any]:
        """The emulator's counters (``GET /_emulator/stats``)."""
        return self.admin("GET", "/stats")

    def secrets(self) -> list[str]:
        """Every credential the emulator holds and every token it minted so far, and the API key."""
        found = [self.example_api_key]
        for line in self.files["secrets"].read_text(encoding="utf-8").splitlines():
            try:
                found.append(str(json.loads(line)))
            except ValueError:  # a line being written; the tokens it holds were not handed out yet
                continue
        return found

    def close(self) -> None:
        self._http.close()
