"""The one private connector API we rely on (session token ISSUE), checked against a real login.

If snowflake-connector-python drops ``rest._token_request`` this test fails loudly, pointing at
:func:`airflow_provider_spcs.core.connector.issue_session_token`, the single place to fix.
"""

from __future__ import annotations

import warnings

import pytest

from airflow_provider_spcs.core.connector import connect, issue_session_token, location_kwargs, open_session
from airflow_provider_spcs.testing import SpcsEmulator

pytestmark = pytest.mark.connector


def _kwargs(spcs: SpcsEmulator) -> dict[str, object]:
    return {"account": spcs.account, "user": spcs.user, "password": spcs.password, **location_kwargs(spcs.account_url)}


def test_connector_still_offers_token_request(spcs: SpcsEmulator) -> None:
    connection = connect(_kwargs(spcs))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            rest = connection.rest
        assert callable(getattr(rest, "_token_request", None)), (
            "snowflake-connector-python no longer has rest._token_request: update core/connector.issue_session_token"
        )
        token, validity = issue_session_token(connection)
        assert token
        assert isinstance(token, str)
        assert validity is None or validity > 0
    finally:
        connection.close()


def test_open_session_holds_the_connection(spcs: SpcsEmulator) -> None:
    token = open_session(_kwargs(spcs))
    try:
        assert token.kind == "session"
        assert token.expires_at > token.issued_at
        assert token.holder is not None
    finally:
        token.holder.close()  # type: ignore[attr-defined]


def test_location_kwargs() -> None:
    assert location_kwargs("https://x.snowflakecomputing.com") == {
        "host": "x.snowflakecomputing.com",
        "protocol": "https",
        "port": 443,
    }
    assert location_kwargs("http://127.0.0.1:8080") == {"host": "127.0.0.1", "protocol": "http", "port": 8080}


def test_connector_values_are_normalised_like_sql_api_cells() -> None:
    import datetime as dt

    from airflow_provider_spcs.core.connector import _normalise

    pytz = pytest.importorskip("pytz")
    instant = dt.datetime(2024, 11, 29, 20, 12, 47, 310000, tzinfo=dt.UTC)
    # TIMESTAMP_LTZ arrives in the session's zone: the SQL API path gives UTC
    ltz = _normalise(instant.astimezone(pytz.timezone("America/Los_Angeles")), "TIMESTAMP_LTZ", 9)
    assert (ltz, ltz.tzinfo) == (instant, dt.UTC)
    # TIMESTAMP_TZ keeps its offset, as a stdlib zone
    tz = _normalise(instant.astimezone(pytz.FixedOffset(-480)), "TIMESTAMP_TZ", 9)
    assert tz == instant
    assert type(tz.tzinfo) is dt.timezone
    assert tz.utcoffset() == dt.timedelta(hours=-8)
    naive = instant.replace(tzinfo=None)
    assert _normalise(naive, "TIMESTAMP_NTZ", 9) is naive
    assert _normalise(True, "BOOLEAN", None) is True
    # text a connector left untyped gets the SQL API conversion
    assert _normalise("1732911167.310000000", "TIMESTAMP_LTZ", 9) == instant
    assert _normalise("true", "TEXT", None) == "true"
