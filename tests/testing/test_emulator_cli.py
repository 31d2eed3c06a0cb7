"""``python -m airflow_provider_spcs.testing`` as a subprocess: JSON connections first, then serve."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx


def test_cli_prints_connections_and_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_spcs.testing"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        key_pair = json.loads(process.stdout.readline())
        pat = json.loads(process.stdout.readline())
        assert key_pair["conn_type"] == pat["conn_type"] == "snowflake_spcs"
        assert key_pair["extra"]["auth_method"] == "key_pair"
        assert key_pair["extra"]["private_key_content"].startswith("-----BEGIN PRIVATE KEY-----")
        assert pat["extra"]["auth_method"] == "pat"
        account_url = pat["extra"]["account_url"]
        assert account_url.startswith("http://127.0.0.1:")
        info = httpx.get(f"{account_url}/_emulator/info", timeout=5).json()
        ingress = info["services"][0]["endpoints"][0]["ingress_url"]
        reply = httpx.get(
            f"{ingress}/ping", headers={"Authorization": f'Snowflake Token="{pat["extra"]["token"]}"'}, timeout=5
        )
        assert reply.status_code == 200
        assert reply.json()["path"] == "/ping"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "SPCS emulator for account myorg-myacct" in stderr
    assert pat["extra"]["token"] not in stderr
