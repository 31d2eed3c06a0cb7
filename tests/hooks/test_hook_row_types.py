"""Both SQL paths give the same typed rows: SQL API (key pair, PAT) and connector (password, OAuth, SPCS token)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_spcs.hooks.spcs import SpcsHook
from airflow_provider_spcs.testing import SpcsEmulator

pytestmark = pytest.mark.connector

SERVICE = "ECHO_SERVICE"


def _rows(hook: SpcsHook) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    return hook.describe_service(SERVICE), hook.get_service_containers(SERVICE), hook.get_service_endpoints(SERVICE)


def test_sql_api_and_connector_rows_are_equal_and_typed(spcs: SpcsEmulator, make_hook: Callable[..., SpcsHook]) -> None:
    api = make_hook("key_pair")
    connector = make_hook("password")
    assert api.get_runner().credential.supports_sql_api
    assert not connector.get_runner().credential.supports_sql_api

    described, containers, endpoints = _rows(api)
    assert _rows(connector) == (described, containers, endpoints)

    assert described["is_job"] is False
    assert described["auto_resume"] is True
    assert type(described["current_instances"]) is int
    created = described["created_on"]
    assert isinstance(created, dt.datetime)
    assert created.tzinfo is dt.UTC
    assert created.microsecond % 1000 == 0  # whole milliseconds, as Snowflake's SHOW reports them
    assert described["resumed_on"] is None
    [container] = containers
    assert type(container["restart_count"]) is int
    assert container["restart_count"] == 0
    assert container["last_exit_code"] is None
    [endpoint] = endpoints
    assert (endpoint["port"], endpoint["is_public"]) == (8080, True)


@pytest.mark.parametrize("method", ["pat", "oauth", "spcs_token"])
def test_every_auth_method_gives_the_same_rows(
    spcs: SpcsEmulator, make_hook: Callable[..., SpcsHook], method: str
) -> None:
    reference = _rows(make_hook("key_pair"))
    rows = _rows(make_hook(method))
    assert rows == reference
    for a, b in zip(rows[0].values(), reference[0].values(), strict=True):
        assert type(a) is type(b)
        if isinstance(a, dt.datetime):
            assert a.tzinfo is b.tzinfo


def test_connector_timestamps_are_utc_like_the_sql_api(spcs: SpcsEmulator, make_hook: Callable[..., SpcsHook]) -> None:
    [api] = make_hook("key_pair").run_sql("SELECT CURRENT_TIMESTAMP() AS NOW, TRUE AS YES, 1.50 AS AMOUNT")
    [connector] = make_hook("password").run_sql("SELECT CURRENT_TIMESTAMP() AS NOW, TRUE AS YES, 1.50 AS AMOUNT")
    assert api["now"].tzinfo is connector["now"].tzinfo is dt.UTC
    assert (api["yes"], str(api["amount"])) == (connector["yes"], str(connector["amount"])) == (True, "1.50")
