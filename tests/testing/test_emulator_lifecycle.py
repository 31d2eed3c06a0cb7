"""SpcsEmulator lifecycle, connection dicts, fixtures, scripting helpers."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.model import Service
from airflow_provider_spcs.testing.pytest_plugin import ConnFactory


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _can_bind(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_stop_frees_every_port() -> None:
    emu = SpcsEmulator().start()
    ports = [_port(emu.account_url), _port(emu.ingress_url())]
    assert httpx.get(emu.account_url + "/_emulator/stats").status_code == 200
    emu.stop()
    assert not emu.running
    assert all(_can_bind(port) for port in ports)


def test_fixed_port_and_no_default_world() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        wanted = probe.getsockname()[1]
    with SpcsEmulator(default_world=False, port=wanted) as emu:
        assert emu.account_url == f"http://127.0.0.1:{wanted}"
        assert emu.world.list_services() == []
        with pytest.raises(RuntimeError):
            _ = emu.pat
        emu.add_user("ALICE", pat="pat_alice", default_role="R1", roles=("R1",))
        emu.add_service("S1", endpoints=(("ui", True),))
        reply = httpx.get(emu.ingress_url("S1", "ui"), headers={"Authorization": 'Snowflake Token="pat_alice"'})
        assert reply.status_code == 403  # ALICE's role R1 has no access to a service owned by SPCS_ROLE


def test_connection_dicts(spcs: SpcsEmulator) -> None:
    key_pair = spcs.connection()
    assert key_pair["conn_type"] == "snowflake_spcs"
    assert key_pair["login"] == "SPCS_USER"
    extra = key_pair["extra"]
    assert (extra["account"], extra["account_url"], extra["role"], extra["auth_method"]) == (
        "myorg-myacct",
        spcs.account_url,
        "SPCS_ROLE",
        "key_pair",
    )
    assert extra["private_key_content"].startswith("-----BEGIN PRIVATE KEY-----")
    assert spcs.connection("pat")["extra"]["token"] == spcs.pat
    assert spcs.connection("password")["password"] == spcs.password
    oauth = spcs.connection("oauth")["extra"]
    assert oauth["oauth_token_endpoint"] == spcs.oauth_token_endpoint
    assert oauth["oauth_client_id"] == spcs.oauth_client_id
    token_file = Path(spcs.connection("spcs_token")["extra"]["token_file"])
    claims = jwt.decode(token_file.read_text(), options={"verify_signature": False})
    assert claims["sub"] == "SPCS_USER"
    overridden = spcs.connection("pat", role="PUBLIC", database=None, login="OTHER")
    assert overridden["extra"]["role"] == "PUBLIC"
    assert "database" not in overridden["extra"]
    assert overridden["login"] == "OTHER"
    name, value = spcs.connection_env("my_conn", "pat")
    assert name == "AIRFLOW_CONN_MY_CONN"
    assert json.loads(value)["extra"]["token"] == spcs.pat


def test_encrypted_key_and_fingerprint(spcs: SpcsEmulator) -> None:
    pem = spcs.encrypted_private_key_pem("s3cret")
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key = serialization.load_pem_private_key(pem.encode(), password=b"s3cret")
    assert key.key_size == 2048  # type: ignore[union-attr]
    assert spcs.public_key_fingerprint.startswith("SHA256:")


def test_write_session_token_file(spcs: SpcsEmulator, tmp_path: Path) -> None:
    path = tmp_path / "token"
    token = spcs.write_session_token_file(path)
    assert path.read_text() == token
    assert spcs.write_session_token_file(path) != token  # rotates like the real file


def test_spcs_conn_fixture_sets_env(spcs_conn: str, spcs: SpcsEmulator) -> None:
    assert spcs_conn == "snowflake_spcs_default"
    conn = json.loads(os.environ["AIRFLOW_CONN_SNOWFLAKE_SPCS_DEFAULT"])
    assert conn["extra"]["auth_method"] == "key_pair"
    assert conn["extra"]["account_url"] == spcs.account_url


def test_spcs_conn_factory(spcs_conn_factory: ConnFactory) -> None:
    conn_id = spcs_conn_factory("pat", conn_id="spcs_pat", role="PUBLIC")
    conn = json.loads(os.environ["AIRFLOW_CONN_SPCS_PAT"])
    assert conn_id == "spcs_pat"
    assert conn["extra"]["role"] == "PUBLIC"


def test_reset_restores_the_default_world(spcs: SpcsEmulator) -> None:
    spcs.add_service("TEMP_SERVICE")
    spcs.add_user("TEMP_USER")
    spcs.service("ECHO_SERVICE").fail("crash", exit_code=3, restart_count=2)
    spcs.token_lifetime = 5
    spcs.settings.rows_per_partition = 3
    spcs.reset()
    assert spcs.settings.rows_per_partition == 1000
    assert [s.name for s in spcs.world.list_services()] == ["API_SERVICE", "ECHO_SERVICE"]
    assert spcs.world.user("TEMP_USER") is None
    assert spcs.service("ECHO_SERVICE").status == "RUNNING"
    assert spcs.token_lifetime == 3600
    echo = spcs.service("ECHO_SERVICE")
    assert isinstance(echo, Service)
    echo.suspend()
    echo.resume()
    spcs.reset()
    assert (spcs.service("ECHO_SERVICE").resumed_on, spcs.service("ECHO_SERVICE").suspended_on) == (None, None)
    spcs.world.drop_service(spcs.service("ECHO_SERVICE"))
    spcs.reset()
    reply = httpx.get(spcs.ingress_url(), headers={"Authorization": f'Snowflake Token="{spcs.pat}"'})
    assert reply.status_code == 200


def test_restart_after_stop() -> None:
    emu = SpcsEmulator().start()
    emu.stop()
    emu.start()
    try:
        reply = httpx.get(emu.ingress_url(), headers={"Authorization": f'Snowflake Token="{emu.pat}"'})
        assert reply.status_code == 200
    finally:
        emu.stop()


def test_mint_helpers(spcs_emulator: SpcsEmulator) -> None:
    claims = spcs_emulator.state.issuer.verify(spcs_emulator.mint_session_token(), ("spcs",))
    assert claims.user == "SPCS_USER"
    assert claims.role == "SPCS_ROLE"
    assert claims.expires_at > time.time() + 3000
    with pytest.raises(KeyError):
        spcs_emulator.mint_session_token("NO_SUCH_USER")
