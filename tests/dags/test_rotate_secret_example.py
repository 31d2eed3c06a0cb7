"""``example_spcs_rotate_secret`` run end to end with ``dag.test()`` against the emulator's default world.

Besides the run's outcome, the key from the source connection must be nowhere Airflow keeps task
data: XCom, rendered template fields, task logs (every logger at DEBUG) or stdout/stderr.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pytest

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.default_world import API_KEY_ENV, API_KEY_FILE, API_SERVICE, DEFAULT_API_KEY
from tests.secret_leaks import emulator_views, find_leaks

pytestmark = [pytest.mark.dagtest, pytest.mark.usefixtures("airflow_db")]

KEY = "rotated-api-key-'q'-\\-$$-" + "x" * 16


def short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def _stored(dr: Any) -> dict[str, str]:
    """Every XCom value and every rendered template field of the run, as JSON text."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        xcoms = session.scalars(select(XComModel).where(XComModel.run_id == dr.run_id)).all()
        rendered = session.scalars(
            select(RenderedTaskInstanceFields).where(RenderedTaskInstanceFields.run_id == dr.run_id)
        ).all()
        return {
            "xcom": json.dumps({f"{x.task_id}/{x.key}": XComModel.deserialize_value(x) for x in xcoms}, default=str),
            "rendered fields": json.dumps({r.task_id: r.rendered_fields for r in rendered}, default=str),
            "rendered tasks": ",".join(sorted(r.task_id for r in rendered)),
        }


def test_rotate_secret_example(
    spcs: SpcsEmulator,
    spcs_conn: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import example_spcs_rotate_secret as module

    monkeypatch.setenv("AIRFLOW_CONN_EXAMPLE_API_KEY", json.dumps({"conn_type": "generic", "password": KEY}))
    caplog.set_level(logging.DEBUG)
    for name in ("airflow", "airflow_provider_spcs", "httpx", "httpcore", "snowflake"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    dr = module.example_spcs_rotate_secret.test()
    out, err = capsys.readouterr()
    states = {ti.task_id: str(ti.state) for ti in dr.get_task_instances()}
    assert str(dr.state) == "success", states
    assert set(states.values()) == {"success"}
    stored = _stored(dr)
    xcom = json.loads(stored["xcom"])
    assert xcom["file_mount_sees_new_key/return_value"] == {"file_current": True, "env_current": False}
    assert xcom["service_sees_new_key/return_value"] == {"file_current": True, "env_current": True}
    rotated = xcom["rotate_api_key/return_value"]
    assert (rotated["secret"], rotated["secret_type"], rotated["action"]) == (
        "SPCS_DB.APP.SERVICE_API_KEY",
        "GENERIC_STRING",
        "updated",
    )
    assert xcom["restart_api_service/return_value"]["refreshed_services"] == ["SPCS_DB.APP.API_SERVICE"]
    assert spcs.service(API_SERVICE).mounted_secrets().digests() == {API_KEY_ENV: short(KEY), API_KEY_FILE: short(KEY)}
    assert short(DEFAULT_API_KEY) != short(KEY)
    assert stored["rendered tasks"], "rendered template fields were stored"
    assert "Secret SPCS_DB.APP.SERVICE_API_KEY updated (GENERIC_STRING)" in caplog.text + out, "task logs were captured"
    assert "Service SPCS_DB.APP.API_SERVICE: rolled out: " in caplog.text + out  # the deploy wait ended it
    haystacks = {"log records": caplog.text, "stdout": out, "stderr": err, **stored, **emulator_views(spcs)}
    assert find_leaks([KEY], haystacks) == []
