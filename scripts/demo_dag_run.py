"""``make demo``: run the example DAG ``example_spcs_endpoint`` end to end with ``dag.test()`` on the emulator.

Starts the emulator, points a throw-away Airflow home (sqlite) at the repository's
``example_dags/``, puts a key-pair connection in ``AIRFLOW_CONN_SNOWFLAKE_SPCS_DEFAULT``, runs
``example_spcs_endpoint`` (wait for the service, call its endpoint, use the JSON downstream) and
prints the task states, the endpoint's response and what the emulator counted (tokens minted,
exchanges, SQL statements). Secrets are never printed.

``--deferrable`` runs the variant that waits and calls from the (inline) triggerer.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import sys
import tempfile
import time
from typing import Any

REPO = pathlib.Path(__file__).resolve().parents[1]
DAGS = REPO / "example_dags"


def _prepare_airflow_env(home: pathlib.Path) -> None:
    # Airflow reads its configuration when first imported: set everything before that.
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    os.environ["SPCS_EXAMPLE_POKE_SECONDS"] = "0.5"
    sys.path.insert(0, str(DAGS))


def _xcom(dr: Any, task_id: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(run_id=dr.run_id, dag_ids=dr.dag_id, task_ids=task_id, key="return_value")
        row = session.scalars(query).first()
        return None if row is None else XComModel.deserialize_value(row)


def _reschedules(ti: Any) -> int:
    from airflow.models.taskreschedule import TaskReschedule
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        return int(session.scalar(select(func.count()).where(TaskReschedule.ti_id == ti.id)) or 0)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the process exit code (0 when the DAG run succeeded)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deferrable", action="store_true", help="run the deferrable variant of the DAG")
    args = parser.parse_args(argv)
    if not DAGS.is_dir():
        print(f"example_dags/ not found at {DAGS}; run this script from a repository checkout.")
        return 2

    with tempfile.TemporaryDirectory(prefix="spcs-demo-airflow-") as home:
        _prepare_airflow_env(pathlib.Path(home))
        from airflow_provider_spcs.testing import SpcsEmulator

        with SpcsEmulator() as emu:
            name, value = emu.connection_env("snowflake_spcs_default", "key_pair")
            os.environ[name] = value
            # Start the service as PENDING so the sensor has something to wait for.
            emu.service("ECHO_SERVICE").start_after(polls=2)
            print(f"[1] emulator for account {emu.account} at {emu.account_url}; ECHO_SERVICE is PENDING")

            from airflow.utils import db

            started = time.monotonic()
            db.resetdb()
            print(f"[2] fresh Airflow metadata DB (sqlite) in {time.monotonic() - started:.1f} s")

            example = importlib.import_module("example_spcs_endpoint")  # from example_dags/, like the DAG processor
            dag = getattr(example, "example_spcs_endpoint_deferrable" if args.deferrable else "example_spcs_endpoint")
            print(f"[3] running DAG {dag.dag_id} with dag.test() ...")
            emu.reset_stats()
            started = time.monotonic()
            dr = dag.test()
            elapsed = time.monotonic() - started

            print(f"[4] DAG run {dr.run_id}: {dr.state} in {elapsed:.1f} s")
            for ti in sorted(dr.get_task_instances(), key=lambda t: t.start_date or 0):
                waits = _reschedules(ti)
                note = f" (gave its worker slot back {waits} times while the service started)" if waits else ""
                print(f"      {ti.task_id:<18} {ti.state}{note}")
            print("[5] endpoint response (XCom of call_endpoint):")
            print("      " + json.dumps(_xcom(dr, "call_endpoint"), indent=2).replace("\n", "\n      "))
            print(f"    downstream summary (XCom of summarize): {json.dumps(_xcom(dr, 'summarize'))}")
            stats = emu.stats()
            print(
                f"[6] emulator counted: tokens minted {stats['tokens_minted']}, token exchanges {stats['exchanges']}, "
                f"JWTs verified {stats['jwts_verified']}, SQL statements {stats['sql_statements']}, "
                f"requests per route {json.dumps(stats['requests'], sort_keys=True)}"
            )
            return 0 if str(dr.state) == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
