"""The real snowflake-connector-python 5.x against the emulator: every authenticator, cursors, tokens."""

from __future__ import annotations

import time
import warnings
from typing import Any

import httpx
import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from emu_helpers import snowflake_token
from snowflake.connector.errors import DatabaseError, ProgrammingError

from airflow_provider_spcs.testing import SpcsEmulator

pytestmark = pytest.mark.connector


def connect(emu: SpcsEmulator, **kwargs: Any) -> Any:
    port = int(emu.account_url.rsplit(":", 1)[1])
    return snowflake.connector.connect(
        account=emu.account, host="127.0.0.1", port=port, protocol="http", login_timeout=15, **kwargs
    )


def describe_status(conn: Any, service: str = "ECHO_SERVICE") -> str:
    cursor = conn.cursor()
    cursor.execute(f"DESCRIBE SERVICE {service}")
    names = [column[0] for column in cursor.description]
    return str(dict(zip(names, cursor.fetchone(), strict=True))["status"])


@pytest.fixture(scope="module")
def private_key(spcs_emulator: SpcsEmulator) -> Any:
    return serialization.load_pem_private_key(spcs_emulator.private_key_pem.encode(), password=None)


def test_password_login_and_describe_service(spcs: SpcsEmulator) -> None:
    with connect(spcs, user=spcs.user, password=spcs.password) as conn:
        assert describe_status(conn) == "RUNNING"
        cursor = conn.cursor()
        cursor.execute("SELECT CURRENT_USER(), CURRENT_ROLE()")
        assert cursor.fetchall() == [("SPCS_USER", "SPCS_ROLE")]
    stats = spcs.stats()
    assert stats["logins"] == 1
    assert stats["requests"]["login"] == 1
    assert stats["sql_statements"] == 2


def test_key_pair_login_with_key_object_and_der(spcs: SpcsEmulator, private_key: Any) -> None:
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for key in (private_key, der):
        with connect(spcs, user=spcs.user, private_key=key) as conn:
            assert describe_status(conn) == "RUNNING"
    assert spcs.stats()["jwts_verified"] == 2


def test_key_pair_login_with_unregistered_key_fails(spcs: SpcsEmulator) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(DatabaseError):
        connect(spcs, user=spcs.user, private_key=stranger)
    assert spcs.stats()["logins"] == 0


def test_pat_login(spcs: SpcsEmulator) -> None:
    with connect(spcs, user=spcs.user, authenticator="PROGRAMMATIC_ACCESS_TOKEN", token=spcs.pat) as conn:
        assert describe_status(conn) == "RUNNING"


@pytest.mark.parametrize("kind", ["spcs_session_token", "customer_oauth_token"])
def test_oauth_login(spcs: SpcsEmulator, kind: str) -> None:
    token = spcs.mint_session_token() if kind == "spcs_session_token" else spcs.mint_oauth_token()
    with connect(spcs, authenticator="oauth", token=token) as conn:
        assert describe_status(conn) == "RUNNING"


def test_bad_password_and_role_not_granted(spcs: SpcsEmulator) -> None:
    with pytest.raises(DatabaseError):
        connect(spcs, user=spcs.user, password="wrong")
    with pytest.raises(DatabaseError, match="not granted"):
        connect(spcs, user=spcs.user, password=spcs.password, role="ACCOUNTADMIN")


def test_session_context_params(spcs: SpcsEmulator) -> None:
    spcs.add_service("CTX_SERVICE", database="OTHER_DB", schema="S")
    with connect(spcs, user=spcs.user, password=spcs.password, role="PUBLIC", database="OTHER_DB", schema="S") as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT CURRENT_ROLE(), CURRENT_DATABASE()")
        assert cursor.fetchone() == ("PUBLIC", "OTHER_DB")
        cursor.execute("USE ROLE SPCS_ROLE")
        cursor.execute("USE SCHEMA SPCS_DB.APP")
        cursor.execute("SELECT CURRENT_ROLE(), CURRENT_DATABASE(), CURRENT_SCHEMA()")
        assert cursor.fetchone() == ("SPCS_ROLE", "SPCS_DB", "APP")
        with pytest.raises(ProgrammingError):
            cursor.execute("USE ROLE ACCOUNTADMIN")


def test_sql_errors_raise_programming_error(spcs: SpcsEmulator) -> None:
    with connect(spcs, user=spcs.user, password=spcs.password) as conn:
        with pytest.raises(ProgrammingError) as caught:
            conn.cursor().execute("DESCRIBE SERVICE NO_SUCH_SERVICE")
        assert caught.value.errno == 2003
        assert caught.value.sqlstate == "02000"


def test_sync_job_through_cursor(spcs: SpcsEmulator) -> None:
    sql = "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @SPCS_DB.APP.SPECS SPECIFICATION_FILE='job.yaml' NAME=CUR_JOB"
    with connect(spcs, user=spcs.user, password=spcs.password) as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        assert cursor.fetchall() == [("Job CUR_JOB completed successfully with status: DONE.",)]


def test_issued_session_token_opens_ingress_until_logout(spcs: SpcsEmulator, client: httpx.Client) -> None:
    conn = connect(spcs, user=spcs.user, password=spcs.password)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        token = conn.rest._token_request("ISSUE")["data"]["sessionToken"]
    reply = client.get(spcs.ingress_url(), headers=snowflake_token(token))
    assert reply.status_code == 200
    assert reply.json()["user"] == "SPCS_USER"
    assert spcs.stats()["requests"]["token_request"] == 1
    conn.close()
    assert client.get(spcs.ingress_url(), headers=snowflake_token(token)).status_code == 401


def test_async_query_status_and_results(spcs: SpcsEmulator) -> None:
    sql = "EXECUTE JOB SERVICE IN COMPUTE POOL SPCS_POOL FROM @SPCS_DB.APP.SPECS SPECIFICATION_FILE='job.yaml' NAME=ASYNC_JOB"
    with connect(spcs, user=spcs.user, password=spcs.password) as conn:
        cursor = conn.cursor()
        cursor.execute_async(sql)
        query_id = cursor.sfqid
        statuses = [conn.get_query_status(query_id).name for _ in range(5)]
        assert statuses[0] == "RUNNING"
        assert statuses[-1] == "SUCCESS"
        cursor.get_results_from_sfqid(query_id)
        assert cursor.fetchall() == [("Job ASYNC_JOB completed successfully with status: DONE.",)]
        cursor.execute_async("DESCRIBE SERVICE NO_SUCH_SERVICE")
        with pytest.raises(ProgrammingError):
            conn.get_query_status_throw_if_error(cursor.sfqid)


def test_connector_renews_an_expired_session_token(spcs: SpcsEmulator) -> None:
    spcs.settings.session_token_lifetime = 0.5
    with connect(spcs, user=spcs.user, password=spcs.password) as conn:
        cursor = conn.cursor()
        time.sleep(0.6)
        cursor.execute("SELECT CURRENT_USER()")
        assert cursor.fetchall() == [("SPCS_USER",)]
    requests = spcs.stats()["requests"]
    assert requests["token_request"] == 1
    assert requests["login"] == 1
