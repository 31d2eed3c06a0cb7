"""``python -m airflow_provider_spcs.testing`` as a subprocess: JSON connections first, then serve;
flags that add and script services and hand files to a harness, driven through the admin routes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emu_helpers import query_rows

from airflow_provider_spcs.testing.__main__ import main
from airflow_provider_spcs.testing.control.secret_record import read_secret_record

CLI = [sys.executable, "-m", "airflow_provider_spcs.testing"]


def test_cli_prints_connections_and_serves_until_terminated() -> None:
    process = subprocess.Popen(CLI, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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


class Cli:
    """A CLI emulator started with ``--ready-file`` in ``tmp_path``, its output kept in files."""

    def __init__(self, tmp_path: Path, *flags: str) -> None:
        self.dir = tmp_path
        self.ready = tmp_path / "ready"
        self.stdout = (tmp_path / "stdout").open("w+")
        self.stderr = (tmp_path / "stderr").open("w+")
        self.process = subprocess.Popen(
            [*CLI, "--ready-file", str(self.ready), *flags], stdout=self.stdout, stderr=self.stderr, text=True
        )

    def wait_ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while not self.ready.exists():
            assert self.process.poll() is None, self.output()[1]
            assert time.monotonic() < deadline, "the emulator did not get ready"
            time.sleep(0.05)
        ready: dict[str, Any] = json.loads(self.ready.read_text())
        return ready

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=10)

    def output(self) -> tuple[str, str]:
        self.stdout.flush()
        self.stderr.flush()
        return (self.dir / "stdout").read_text(), (self.dir / "stderr").read_text()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _admin(http: httpx.Client, url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = http.post(f"{url}/_emulator{path}", content=json.dumps(body or {}))
    assert reply.status_code in (200, 201), reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def _status(http: httpx.Client, url: str, token: str, service: str) -> str | None:
    return query_rows(http, url, token, f"DESCRIBE SERVICE {service}")[0]["status"]


def _containers(http: httpx.Client, url: str, token: str, service: str) -> list[tuple[str | None, str | None]]:
    rows = query_rows(http, url, token, f"SHOW SERVICE CONTAINERS IN SERVICE {service}")
    return [(row["status"], row["message"]) for row in rows]


def test_cli_flags_and_admin_routes_script_services_seen_through_the_sql_api(
    tmp_path: Path, http: httpx.Client
) -> None:
    connections_file = tmp_path / "connections.json"
    token_file = tmp_path / "token"
    cli = Cli(
        tmp_path,
        "--service", "SLOW_SERVICE:pending_polls=2",
        "--service", "FLAKY:fail_after_polls=1,message=OOMKilled: out of memory, exit 137,exit_code=137",
        "--connections-file", str(connections_file),
        "--token-file", str(token_file),
        "--token-lifetime", "2",
    )  # fmt: skip
    try:
        ready = cli.wait_ready()
        url = ready["account_url"]
        assert ready["account"] == "myorg-myacct"
        connections = json.loads(connections_file.read_text())
        assert list(connections) == [
            "snowflake_spcs_default",
            "snowflake_spcs_pat",
            "snowflake_spcs_password",
            "snowflake_spcs_oauth",
            "snowflake_spcs_session_token",
        ]
        assert connections_file.stat().st_mode & 0o077 == 0
        pat = connections["snowflake_spcs_pat"]["extra"]["token"]

        # Held PENDING for two looks by a flag, then RUNNING.
        assert [_status(http, url, pat, "SLOW_SERVICE") for _ in range(3)] == ["PENDING", "PENDING", "RUNNING"]
        # Failing after one look, with its message, by a flag.
        assert _containers(http, url, pat, "FLAKY") == [("READY", "Running")]
        assert _containers(http, url, pat, "FLAKY") == [("FAILED", "OOMKilled: out of memory, exit 137")]

        # Added through the admin route, held PENDING until scripted RUNNING, then failed.
        _admin(http, url, "/services", {"name": "HELD_SERVICE", "status": "PENDING"})
        assert [_status(http, url, pat, "HELD_SERVICE") for _ in range(3)] == ["PENDING"] * 3
        _admin(http, url, "/services/HELD_SERVICE/status", {"status": "RUNNING"})
        assert _status(http, url, pat, "HELD_SERVICE") == "RUNNING"
        _admin(http, url, "/services/HELD_SERVICE/fail", {"message": "crash loop", "exit_code": 2})
        assert _containers(http, url, pat, "HELD_SERVICE") == [("FAILED", "crash loop")]

        # The session token file holds a working token and is rewritten while the emulator runs.
        session = connections["snowflake_spcs_session_token"]["extra"]
        assert session["token_file"] == str(token_file)
        first = token_file.read_text()
        assert query_rows(http, url, first, "SELECT CURRENT_USER()") == [{"CURRENT_USER()": "SPCS_USER"}]
        deadline = time.monotonic() + 10
        while token_file.read_text() == first and time.monotonic() < deadline:
            time.sleep(0.1)
        assert token_file.read_text() != first
    finally:
        returncode = cli.stop()
    assert returncode == 0
    assert not cli.ready.exists()
    stdout, stderr = cli.output()
    assert [json.loads(line) for line in stdout.splitlines()] == list(connections.values())
    assert "SPCS_DB.APP.SLOW_SERVICE: PENDING" in stderr
    for secret in (pat, connections["snowflake_spcs_password"]["password"], "PRIVATE KEY", first):
        assert secret not in stderr


def test_record_secrets_holds_every_credential_and_each_token_as_it_is_minted(
    tmp_path: Path, http: httpx.Client
) -> None:
    record = tmp_path / "secrets"
    connections_file = tmp_path / "connections.json"
    cli = Cli(tmp_path, "--record-secrets", str(record), "--connections-file", str(connections_file))
    try:
        url = cli.wait_ready()["account_url"]
        assert record.stat().st_mode & 0o777 == 0o600
        connections = json.loads(connections_file.read_text())
        key_pair, pat = connections["snowflake_spcs_default"], connections["snowflake_spcs_pat"]
        before = read_secret_record(record)
        assert key_pair["extra"]["private_key_content"] in before
        assert pat["extra"]["token"] in before
        assert connections["snowflake_spcs_password"]["password"] in before
        assert connections["snowflake_spcs_oauth"]["extra"]["oauth_client_secret"] in before
        host = http.get(f"{url}/_emulator/info").json()["services"][0]["endpoints"][0]["ingress_url"]
        exchanged = http.post(
            f"{url}/oauth/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": pat["extra"]["token"],
                "subject_token_type": "programmatic_access_token",
                "scope": host.removeprefix("http://"),
            },
        )
        assert exchanged.status_code == 200, exchanged.text
        assert read_secret_record(record)[len(before) :] == [exchanged.text.strip()]
        services = http.get(f"{url}/_emulator/services").text
        assert not any(secret in services for secret in read_secret_record(record))  # never in an answer
    finally:
        assert cli.stop() == 0
    assert f"secrets record: {record}" in cli.output()[1]


def test_cli_connections_file_loads_as_airflow_connections(tmp_path: Path) -> None:
    from airflow.secrets.local_filesystem import load_connections_dict

    connections_file = tmp_path / "connections.json"
    cli = Cli(tmp_path, "--connections-file", str(connections_file))
    try:
        cli.wait_ready()
        loaded = load_connections_dict(str(connections_file))
    finally:
        assert cli.stop() == 0
    assert set(loaded) == {
        "snowflake_spcs_default",
        "snowflake_spcs_pat",
        "snowflake_spcs_password",
        "snowflake_spcs_oauth",
    }
    default = loaded["snowflake_spcs_default"]
    assert (default.conn_type, default.login) == ("snowflake_spcs", "SPCS_USER")
    assert default.extra_dejson["auth_method"] == "key_pair"


def test_cli_stops_with_a_clear_error_when_it_cannot_write_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "token"
    done = subprocess.run([*CLI, "--token-file", str(missing)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert f"error: --token-file {missing}: No such file or directory" in done.stderr


def test_help_lists_every_flag_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for flag in (
        "--host",
        "--port",
        "--service",
        "--connections-file",
        "--token-file",
        "--token-lifetime",
        "--ready-file",
    ):
        assert flag in text
    assert "examples:" in text
    assert "/_emulator/services/NAME/(pending|fail|suspend|resume|status|latency)" in text


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--service", "SVC:pending_polls=soon"], "argument --service: 'SVC:pending_polls=soon': pending_polls must"),
        (["--service", "SVC", "--service", "svc"], "SPCS_DB.APP.SVC is given twice"),
        (["--port", "70000"], "a port is 0-65535"),
        (["--token-lifetime", "0"], "a number of seconds > 0"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert fragment in capsys.readouterr().err
