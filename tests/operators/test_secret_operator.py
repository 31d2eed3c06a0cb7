"""SpcsSecretFromConnectionOperator against the emulator: the value comes from a connection on the
worker, the result is metadata, and env-var mounts follow through a restart of the listed services."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

import pytest

from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsServiceFailedError, SpcsTimeoutError
from airflow_provider_spcs.operators.spcs import SpcsSecretFromConnectionOperator
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.default_world import API_KEY_ENV, API_KEY_FILE, API_SERVICE, DEFAULT_API_KEY
from airflow_provider_spcs.testing.model import Pace

SECRET = "SPCS_DB.APP.SERVICE_API_KEY"
KEY = "new-api-key-'quoted'-\\-$$"


def short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``source(conn_id, **fields)`` sets an Airflow connection in the environment."""

    def set_connection(conn_id: str = "api_source", **fields: Any) -> str:
        body = {"conn_type": "generic", **fields}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(body))
        return conn_id

    return set_connection


def mounted(spcs: SpcsEmulator) -> dict[str, str]:
    return spcs.service(API_SERVICE).mounted_secrets().digests()


def test_generic_string_from_the_password_then_refresh(
    spcs: SpcsEmulator, spcs_conn: str, source: Any, drive: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    op = SpcsSecretFromConnectionOperator(
        task_id="rotate", secret=SECRET, source_conn_id=source(password=KEY), comment="rotated by Airflow"
    )
    result, triggers = drive(op)
    assert triggers == []
    assert set(result) == {"secret", "secret_type", "action", "written_at", "refreshed_services"}
    assert (result["secret"], result["secret_type"], result["action"], result["refreshed_services"]) == (
        SECRET,
        "GENERIC_STRING",
        "updated",
        [],
    )
    assert mounted(spcs) == {API_KEY_ENV: short(DEFAULT_API_KEY), API_KEY_FILE: short(KEY)}
    refresh = SpcsSecretFromConnectionOperator(
        task_id="refresh",
        secret=SECRET,
        source_conn_id="api_source",
        refresh_services=[API_SERVICE],
        wait_for_refresh=True,
        poll_interval=0.01,
    )
    result, _ = drive(refresh)
    assert result["refreshed_services"] == [API_SERVICE]
    assert mounted(spcs) == {API_KEY_ENV: short(KEY), API_KEY_FILE: short(KEY)}
    secret = spcs.world.secret(SECRET)
    assert secret is not None
    assert secret.comment == "rotated by Airflow"
    for text in (caplog.text, json.dumps(result), repr(vars(op)), repr(vars(refresh))):
        assert KEY not in text
        assert "new-api-key" not in text


def test_generic_string_from_an_extra(spcs: SpcsEmulator, spcs_conn: str, source: Any, drive: Any) -> None:
    conn_id = source(password="not-this-one", extra=json.dumps({"api_key": "from-the-extra-1"}))
    op = SpcsSecretFromConnectionOperator(
        task_id="t", secret="NEW_KEY", source_conn_id=conn_id, source_field="extra.api_key"
    )
    result, _ = drive(op)
    assert result["action"] == "created"
    secret = spcs.world.secret("NEW_KEY")
    assert secret is not None
    assert secret.mounted_value("secret_string") == "from-the-extra-1"


def test_password_and_oauth2(spcs: SpcsEmulator, spcs_conn: str, source: Any, drive: Any) -> None:
    drive(
        SpcsSecretFromConnectionOperator(
            task_id="p",
            secret="CRM_LOGIN",
            secret_type="password",
            source_conn_id=source(login="crm", password="pw-12345"),
        )
    )
    login = spcs.world.secret("CRM_LOGIN")
    assert login is not None
    assert (login.secret_type, login.username, login.mounted_value("password")) == ("PASSWORD", "crm", "pw-12345")
    extra = {"refresh_token_expiry_time": "2030-06-30T00:00:00Z"}
    oauth = source("oauth_source", password="refresh-token-1", extra=json.dumps(extra))
    result, _ = drive(
        SpcsSecretFromConnectionOperator(
            task_id="o", secret="CRM_TOKEN", secret_type="OAUTH2", source_conn_id=oauth, api_authentication="crm_oauth"
        )
    )
    assert (result["secret_type"], result["action"]) == ("OAUTH2", "created")
    token = spcs.world.secret("CRM_TOKEN")
    assert token is not None
    assert (token.integration, token.refresh_token_expiry) == (
        "CRM_OAUTH",
        dt.datetime(2030, 6, 30, tzinfo=dt.UTC).timestamp(),
    )


def test_bad_arguments_fail_when_the_dag_is_parsed() -> None:
    with pytest.raises(SpcsConfigError, match="expected one of PASSWORD, GENERIC_STRING, OAUTH2"):
        SpcsSecretFromConnectionOperator(task_id="t", secret="K", source_conn_id="c", secret_type="SYMMETRIC_KEY")
    with pytest.raises(SpcsConfigError, match=r"source_field: expected 'login', 'password' or 'extra\.<key>'"):
        SpcsSecretFromConnectionOperator(task_id="t", secret="K", source_conn_id="c", source_field="host")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"secret": "k; DROP SECRET x"}, "secret"),
        ({"secret": "a.b.c.d"}, "secret"),
        ({"secret": "K", "refresh_services": ["svc'--"]}, "refresh_services"),
    ],
)
def test_hostile_names_are_refused_before_the_connection_or_any_sql(
    spcs: SpcsEmulator, spcs_conn: str, drive: Any, kwargs: dict[str, Any], field: str
) -> None:
    spcs.reset_stats()
    # The source connection does not exist: reading it would fail differently.
    op = SpcsSecretFromConnectionOperator(task_id="t", source_conn_id="no_such_connection", **kwargs)
    with pytest.raises(SpcsConfigError) as info:
        drive(op)
    assert info.value.field == field
    assert spcs.stats()["sql_statements"] == 0


def test_a_connection_without_the_field_says_which(spcs: SpcsEmulator, spcs_conn: str, source: Any, drive: Any) -> None:
    spcs.reset_stats()
    op = SpcsSecretFromConnectionOperator(task_id="t", secret="K", source_conn_id=source(login="only-login"))
    with pytest.raises(SpcsConfigError, match="connection 'api_source' has no password"):
        drive(op)
    assert spcs.stats()["sql_statements"] == 0


def test_a_restart_that_does_not_come_up_fails_the_task_with_the_containers_message(
    spcs: SpcsEmulator, spcs_conn: str, source: Any, drive: Any
) -> None:
    spcs.mark_image_broken("/spcs_db/app/images/api:latest", message="exec format error")
    op = SpcsSecretFromConnectionOperator(
        task_id="t",
        secret=SECRET,
        source_conn_id=source(password=KEY),
        refresh_services=[API_SERVICE, "ECHO_SERVICE"],
        wait_for_refresh=True,
        poll_interval=0.01,
    )
    with pytest.raises(SpcsServiceFailedError, match="FAILED during the rollout") as info:
        drive(op)
    assert "exec format error" in str(info.value)
    assert spcs.service("ECHO_SERVICE").is_upgrading is False  # the next service is not restarted


def test_a_restart_still_rolling_at_the_deadline_times_out(
    spcs: SpcsEmulator, spcs_conn: str, source: Any, drive: Any
) -> None:
    spcs.service(API_SERVICE).instance_pace = Pace(polls=0, seconds=3600)  # type: ignore[attr-defined]
    op = SpcsSecretFromConnectionOperator(
        task_id="t",
        secret=SECRET,
        source_conn_id=source(password=KEY),
        refresh_services=[API_SERVICE],
        wait_for_refresh=True,
        wait_timeout=0.2,
        poll_interval=0.01,
    )
    with pytest.raises(SpcsTimeoutError, match=rf"Service {API_SERVICE}: rolling out: 0 of 1 instances READY"):
        drive(op)
