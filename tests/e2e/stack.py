"""A real Airflow on a temporary AIRFLOW_HOME, plus the emulator, each component its own process."""

from __future__ import annotations

import json
import os
import pathlib
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from cryptography.fernet import Fernet

from tests.e2e.emulator import Emulator
from tests.e2e.processes import Process, free_port, kill_pids, processes_with_env

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = ROOT / "example_dags"
HARNESS_DAGS = pathlib.Path(__file__).resolve().parent / "dags"
BIN = pathlib.Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
ADMIN = "admin"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
#: How often the examples poll, in seconds (the DAG files read it at parse time). Not shorter: a
#: reschedule-mode sensor rescheduled for a second later can be queued again before the scheduler
#: has read the executor's report of its first poke, and the scheduler then fails it ("finished
#: with state success, but the task instance's state attribute is queued").
POKE_SECONDS = "5"
#: ``nice`` of every component but the triggerer (and so of the task processes the scheduler starts).
NICE_OTHERS = "10"


class StackError(RuntimeError):
    """Something in the stack failed; the message says what, the logs say why."""


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.25) -> Any:
    """Call ``check`` until it returns something truthy; raise :class:`StackError` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise StackError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


class Stack:
    """The run's folder, environment and processes. Use as a context manager: everything stops on exit."""

    def __init__(self, keep: bool = False) -> None:
        self.base = pathlib.Path(tempfile.mkdtemp(prefix="spcs-e2e-"))
        self.home = self.base / "airflow-home"
        self.logs = self.base / "process-logs"
        self.home.mkdir()
        self.logs.mkdir()
        self.keep = keep
        self.api_port = free_port()
        self.api_url = f"http://127.0.0.1:{self.api_port}"
        self.db_port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.procs: dict[str, Process] = {}
        self.retired: list[Process] = []  # stopped on purpose (a restarted triggerer's first process)
        self.emulator: Emulator | None = None
        self.env = self._environment()

    # -- set-up --------------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        bundles = [
            {"name": "spcs_examples", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
             "kwargs": {"path": str(EXAMPLE_DAGS), "refresh_interval": 5}},
            {"name": "e2e_harness", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
             "kwargs": {"path": str(HARNESS_DAGS), "refresh_interval": 5}},
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            {
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                "AIRFLOW_HOME": str(self.home),
                # PostgreSQL: with SQLite, four components and a dozen task processes writing at
                # once wait on its single write lock for up to 30 s, or fail ("database is locked").
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://airflow@127.0.0.1:{self.db_port}/airflow",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "8",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLE_DAGS),
                "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles),
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                "AIRFLOW__API__BASE_URL": self.api_url,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                # A task process that deferred is reaped by its supervisor within this many seconds
                # (default 5), and only then reported to the scheduler; a trigger firing before the
                # report is read races the scheduler (docs/real-airflow.md, "A resumed task failed").
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
                "SPCS_EXAMPLE_POKE_SECONDS": POKE_SECONDS,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def write_passwords(self) -> None:
        """Pre-write SimpleAuthManager's passwords file, so the admin password is known."""
        (self.home / "passwords.json").write_text(json.dumps({ADMIN: self.password}), encoding="utf-8")

    def airflow(self, *args: str, timeout: float = 120.0, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run one ``airflow`` CLI command, as a user would in a shell with this environment."""
        done = subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise StackError(
                f"airflow {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    def start_database(self) -> None:
        """A throw-away PostgreSQL cluster in the run's folder (Debian's server binaries)."""
        found = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not found:
            raise StackError("PostgreSQL's server is not installed: apt-get install postgresql (make e2e does)")
        pg_bin = found[-1].parent
        data = self.base / "pgdata"
        data.mkdir()
        as_postgres: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(data, owner.pw_uid, owner.pw_gid)
            self.base.chmod(0o711)  # let it through to its folder, and no further
            as_postgres = ["runuser", "-u", "postgres", "--"]
        initdb = [*as_postgres, str(pg_bin / "initdb"), "-D", str(data), "-U", "airflow", "-A", "trust", "-E", "UTF8"]
        subprocess.run([*initdb, "--no-sync"], capture_output=True, text=True, timeout=120, check=True)
        server = [str(pg_bin / "postgres"), "-D", str(data), "-p", str(self.db_port), "-k", str(data),
                  "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                  "-c", "full_page_writes=off", "-c", "max_connections=200"]  # fmt: skip
        self.procs["postgres"] = Process("postgres", [*as_postgres, *server], env=self.env, log_dir=self.logs).start()
        ready = [str(pg_bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.db_port)]
        wait_for("PostgreSQL to accept connections", lambda: subprocess.run(ready, check=False).returncode == 0, 60)
        create = [str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.db_port), "-U", "airflow", "airflow"]
        subprocess.run(create, capture_output=True, text=True, timeout=60, check=True)

    def start_emulator(self) -> Emulator:
        """The emulator as its own process (``python -m airflow_provider_spcs.testing``)."""
        emulator = Emulator(self.base, self.env, self.logs)
        self.procs["emulator"] = emulator.proc
        self.emulator = emulator.start(wait_for)
        return emulator

    def start(self, component: str, *, extra_env: dict[str, str] | None = None) -> Process:
        """Start one Airflow component (``api-server``, ``scheduler``, ``dag-processor``, ``triggerer``)."""
        args = [component]
        if component == "api-server":
            args += ["--workers", "1"]
        serial = sum(1 for p in [*self.procs.values(), *self.retired] if p.name.startswith(component))
        name = component if serial == 0 else f"{component}-{serial + 1}"
        # On a 2-core machine a dozen task processes starting at once (each a second of CPU) take the
        # triggerer off the CPU for longer than Airflow's 0.2 s warning, however little its triggers
        # do: the other components run at a lower priority, so the warning measures the triggerer.
        argv = [AIRFLOW, *args] if component == "triggerer" else ["nice", "-n", NICE_OTHERS, AIRFLOW, *args]
        proc = Process(name, argv, env={**self.env, **(extra_env or {})}, log_dir=self.logs).start()
        self.procs[component] = proc
        return proc

    def retire(self, component: str) -> Process:
        """Forget a component's process (after stopping it), so a new one can take its name."""
        proc = self.procs.pop(component)
        self.retired.append(proc)
        return proc

    def check_alive(self) -> None:
        for proc in self.procs.values():
            if not proc.alive:
                raise StackError(f"{proc.name} exited with status {proc.popen.returncode if proc.popen else '?'}")

    # -- reading -------------------------------------------------------------------------------

    def all_processes(self) -> Iterator[Process]:
        yield from self.retired
        yield from self.procs.values()

    def log_tails(self, names: tuple[str, ...] = (), lines: int = 40) -> str:
        parts = []
        for proc in self.all_processes():
            if names and not any(proc.name.startswith(n) for n in names):
                continue
            parts.append(f"----- {proc.name} ({proc.log_path}) last {lines} lines -----\n{proc.tail(lines)}")
        return "\n".join(parts)

    def health(self) -> dict[str, Any] | None:
        try:
            reply = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5)
        except httpx.HTTPError:
            return None
        return dict(reply.json()) if reply.status_code in (200, 503) else None

    # -- tear-down -----------------------------------------------------------------------------

    def close(self) -> None:
        for proc in reversed(list(self.all_processes())):
            proc.kill()
        # anything that escaped its session still carries this run's AIRFLOW_HOME
        kill_pids(processes_with_env("AIRFLOW_HOME", str(self.home)))

    def collect(self, artifacts: pathlib.Path) -> None:
        """Copy process logs and the Airflow logs to ``artifacts``."""
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.logs, artifacts / "process-logs", dirs_exist_ok=True)
        if (self.home / "logs").exists():
            shutil.copytree(self.home / "logs", artifacts / "airflow-logs", dirs_exist_ok=True)

    def remove(self) -> None:
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
