"""Reading a connection hands Airflow's log masker the secrets only, never the whole extra dict."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

_READ = """
import json
from airflow.sdk import Connection
from airflow_provider_spcs.core.process import PROCESS
from airflow_provider_spcs.hooks.spcs import SpcsHook
extra = {"account": "myorg-myacct", "auth_method": "pat", "token": "pat_" + "x" * 40, "schema": "APP"}
conn = Connection(conn_id="short_values", conn_type="snowflake_spcs", login="U", extra=json.dumps(extra))
config = PROCESS.connections.get("short_values", lambda: conn, SpcsHook._config_of)
print(config.auth_method, config.schema)
"""


def test_short_plain_extras_do_not_make_the_masker_warn(tmp_path: pathlib.Path) -> None:
    # auth_method "pat" and schema "APP" are shorter than the masker's minimum. Handing the extra
    # dict to the masker (``conn.extra_dejson`` does) makes it log "Skipping masking for a secret as
    # it's too short" although neither is a secret. The connection object is built here, so only
    # the hook's own reading runs; a fresh interpreter, as the masker warns once per process.
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _READ], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "pat APP"
    assert "too short" not in done.stdout + done.stderr  # Airflow logs it to stderr
