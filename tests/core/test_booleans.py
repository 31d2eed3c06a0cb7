"""One truth rule (Snowflake's TO_BOOLEAN words) for connection flags and boolean columns."""

from __future__ import annotations

import pytest

from airflow_provider_spcs.core.booleans import is_true, parse_boolean
from airflow_provider_spcs.core.config import SpcsConfig
from airflow_provider_spcs.core.endpoints import is_public
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.sql_api import convert_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("TRUE", True),
        (" yes ", True),
        ("y", True),
        ("on", True),
        ("t", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("off", False),
        ("0", False),
        ("", None),
        ("maybe", None),
        (None, None),
        (2, None),
    ],
)
def test_every_reader_agrees(value: object, expected: bool | None) -> None:
    assert parse_boolean(value) is expected
    assert is_true(value) is (expected is True)
    assert is_public({"is_public": value}) is (expected is True)
    if isinstance(value, str) and value.strip():
        cell = convert_cell(value, "boolean")
        assert cell is expected if expected is not None else cell == value
        extra = {"account": "a", "token": "the-pat", "pat_exchange": value}
        if expected is None:
            with pytest.raises(SpcsConfigError, match="pat_exchange"):
                SpcsConfig.from_connection(login="u", password=None, extra=extra, env={})
        else:
            config = SpcsConfig.from_connection(login="u", password=None, extra=extra, env={})
            assert config.pat_exchange is expected
