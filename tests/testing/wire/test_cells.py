"""Result cells on the wire: encoded per column type as Snowflake does, on both protocols."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

import httpx
import pytest
import snowflake.connector
from emu_helpers import MakeJwt, sql_headers

from airflow_provider_spcs.core.sql_api import convert_cell
from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.sql import Cell, Column
from airflow_provider_spcs.testing.wire.cells import Wire, column_meta, encode_cell

TS = dt.datetime(2024, 11, 29, 20, 12, 47, 310000, tzinfo=dt.UTC)
EPOCH_9 = re.compile(r"\d+\.\d{9}")
PACIFIC = dt.timezone(dt.timedelta(hours=-8))


@pytest.mark.parametrize(
    ("value", "column", "sql_api", "connector"),
    [
        (None, Column("c", "TIMESTAMP_LTZ"), None, None),
        ("x", Column("c", "TEXT"), "x", "x"),
        (42, Column("c", "FIXED"), "42", "42"),
        (decimal.Decimal("1.5"), Column("c", "FIXED", 2), "1.50", "1.50"),
        (True, Column("c", "BOOLEAN"), "true", "1"),
        (False, Column("c", "BOOLEAN"), "false", "0"),
        (dt.date(2024, 11, 29), Column("c", "DATE"), "20056", "20056"),
        (dt.time(12, 32, 47, 310000), Column("c", "TIME"), "45167.310000000", "45167.310000000"),
        (TS, Column("c", "TIMESTAMP_LTZ"), "1732911167.310000000", "1732911167.310000000"),
        (TS.astimezone(PACIFIC), Column("c", "TIMESTAMP_LTZ"), "1732911167.310000000", "1732911167.310000000"),
        (TS.replace(tzinfo=None), Column("c", "TIMESTAMP_NTZ"), "1732911167.310000000", "1732911167.310000000"),
        (TS.astimezone(PACIFIC), Column("c", "TIMESTAMP_TZ"), "1732911167.310000000 960", "1732911167.310000000 960"),
        (dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.UTC), Column("c", "TIMESTAMP_LTZ"), "-0.500000000", "-0.500000000"),
    ],
)  # fmt: skip
def test_encode_cell(value: Cell, column: Column, sql_api: str | None, connector: str | None) -> None:
    assert encode_cell(value, column, "sql_api") == sql_api
    assert encode_cell(value, column, "connector") == connector


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ("2024-11-29 12:12:47.310 +0000", Column("c", "TIMESTAMP_LTZ")),
        ("true", Column("c", "BOOLEAN")),
        (True, Column("c", "FIXED")),
        ("1", Column("c", "FIXED")),
        (1, Column("c", "TEXT")),
        (TS.replace(tzinfo=None), Column("c", "TIMESTAMP_LTZ")),
        (TS, Column("c", "TIMESTAMP_NTZ")),
        (TS, Column("c", "DATE")),
    ],
)
def test_a_value_of_the_wrong_type_is_an_engine_bug(value: Cell, column: Column) -> None:
    with pytest.raises(TypeError, match="cannot send"):
        encode_cell(value, column, "sql_api")


@pytest.mark.parametrize("wire", ["sql_api", "connector"])
@pytest.mark.parametrize(
    ("value", "column"),
    [
        ("x", Column("c", "TEXT")),
        (7, Column("c", "FIXED")),
        (decimal.Decimal("-3.25"), Column("c", "FIXED", 2)),
        (True, Column("c", "BOOLEAN")),
        (False, Column("c", "BOOLEAN")),
        (dt.date(1969, 7, 20), Column("c", "DATE")),
        (dt.time(23, 59, 59, 999999), Column("c", "TIME")),
        (TS, Column("c", "TIMESTAMP_LTZ")),
        (TS.replace(tzinfo=None), Column("c", "TIMESTAMP_NTZ")),
        (TS.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))), Column("c", "TIMESTAMP_TZ")),
    ],
)
def test_the_client_decodes_what_the_emulator_encodes(value: Cell, column: Column, wire: Wire) -> None:
    meta = column_meta(column)
    decoded = convert_cell(encode_cell(value, column, wire), meta["type"], meta["scale"])
    assert decoded == value
    assert type(decoded) is type(value)
    if isinstance(value, dt.datetime):
        assert isinstance(decoded, dt.datetime)
        assert decoded.utcoffset() == value.utcoffset()


def test_column_meta_carries_real_types() -> None:
    assert column_meta(Column("created_on", "TIMESTAMP_LTZ")) | {"name": "x"} == {
        "name": "x", "database": "", "schema": "", "table": "", "scale": 9, "precision": 0, "length": None,
        "type": "timestamp_ltz", "nullable": True, "byteLength": None, "collation": None,
    }  # fmt: skip
    assert (column_meta(Column("b", "BOOLEAN"))["type"], column_meta(Column("b", "BOOLEAN"))["scale"]) == (
        "boolean",
        None,
    )
    fixed = column_meta(Column("n", "FIXED", 2))
    assert (fixed["type"], fixed["precision"], fixed["scale"]) == ("fixed", 38, 2)
    assert column_meta(Column("t", "TEXT"))["length"] == 16777216


def _types_and_row(meta: list[dict[str, Any]], row: list[Any]) -> tuple[dict[str, str], dict[str, Any]]:
    names = [c["name"] for c in meta]
    return dict(zip(names, (c["type"] for c in meta), strict=True)), dict(zip(names, row, strict=True))


def _check_describe_cells(types: dict[str, str], row: dict[str, Any], true: str, false: str) -> None:
    assert (types["name"], types["current_instances"], types["is_job"], types["created_on"]) == (
        "text",
        "fixed",
        "boolean",
        "timestamp_ltz",
    )
    assert (row["name"], row["current_instances"], row["auto_suspend_secs"]) == ("ECHO_SERVICE", "1", "0")
    assert (row["is_job"], row["auto_resume"]) == (false, true)
    assert EPOCH_9.fullmatch(row["created_on"])
    assert row["created_on"].endswith("000000")  # whole milliseconds, as SHOW reports them
    assert row["resumed_on"] is None


def test_sql_api_sends_typed_cells(spcs: SpcsEmulator, client: httpx.Client, make_jwt: MakeJwt) -> None:
    reply = client.post(
        f"{spcs.account_url}/api/v2/statements",
        json={"statement": "DESCRIBE SERVICE ECHO_SERVICE"},
        headers=sql_headers(make_jwt(), "KEYPAIR_JWT"),
    )
    body = reply.json()
    types, row = _types_and_row(body["resultSetMetaData"]["rowType"], body["data"][0])
    _check_describe_cells(types, row, "true", "false")


def test_connector_protocol_sends_typed_cells(spcs: SpcsEmulator, client: httpx.Client) -> None:
    login = client.post(
        f"{spcs.account_url}/session/v1/login-request",
        json={"data": {"LOGIN_NAME": spcs.user, "PASSWORD": spcs.password, "ACCOUNT_NAME": spcs.account}},
    ).json()
    reply = client.post(
        f"{spcs.account_url}/queries/v1/query-request?requestId=r1",
        json={"sqlText": "DESCRIBE SERVICE ECHO_SERVICE", "asyncExec": False},
        headers={"Authorization": f'Snowflake Token="{login["data"]["token"]}"'},
    ).json()
    types, row = _types_and_row(reply["data"]["rowtype"], reply["data"]["rowset"][0])
    _check_describe_cells(types, row, "1", "0")


@pytest.mark.connector
def test_the_real_connector_reads_typed_values(spcs: SpcsEmulator) -> None:
    port = int(spcs.account_url.rsplit(":", 1)[1])
    with snowflake.connector.connect(
        account=spcs.account,
        user=spcs.user,
        password=spcs.password,
        host="127.0.0.1",
        port=port,
        protocol="http",
        login_timeout=15,
    ) as conn:
        cursor = conn.cursor()
        cursor.execute("DESCRIBE SERVICE ECHO_SERVICE")
        described = cursor.fetchone()
        assert cursor.description is not None
        assert described is not None
        row = dict(zip([c[0] for c in cursor.description], described, strict=True))
        cursor.execute("SELECT TRUE, FALSE, 1.50, 7, CURRENT_TIMESTAMP()")
        literals = cursor.fetchone()
        assert isinstance(literals, tuple)
    assert (row["is_job"], row["auto_resume"], row["current_instances"]) == (False, True, 1)
    created = row["created_on"]
    assert isinstance(created, dt.datetime)
    assert created.utcoffset() == dt.timedelta(0)
    assert created.microsecond % 1000 == 0
    assert literals[:4] == (True, False, decimal.Decimal("1.50"), 7)
    assert isinstance(literals[4], dt.datetime)
    assert literals[4].tzinfo is not None
