"""SELECT literals and session functions, CALL, and the errors of statements the engine does not know."""

from __future__ import annotations

import decimal
import re

import pytest
from emu_helpers import FakeClock
from sql_helpers import T0_LTZ, echo_world, error, names, run, text

from airflow_provider_spcs.testing.model import World


@pytest.fixture
def world(clock: FakeClock) -> World:
    return echo_world(clock)


class TestProbesAndErrors:
    def test_current_user_role_and_more(self, world: World) -> None:
        result = run(
            world,
            "SELECT CURRENT_USER(), current_role(), CURRENT_ACCOUNT(), CURRENT_ACCOUNT_NAME(), "
            "CURRENT_ORGANIZATION_NAME(), CURRENT_DATABASE(), CURRENT_SCHEMA(), CURRENT_WAREHOUSE()",
        )
        assert names(result) == [
            "CURRENT_USER()",
            "CURRENT_ROLE()",
            "CURRENT_ACCOUNT()",
            "CURRENT_ACCOUNT_NAME()",
            "CURRENT_ORGANIZATION_NAME()",
            "CURRENT_DATABASE()",
            "CURRENT_SCHEMA()",
            "CURRENT_WAREHOUSE()",
        ]
        assert result.rows == [["SPCS_USER", "SPCS_ROLE", "MYACCT", "MYACCT", "MYORG", "SPCS_DB", "APP", None]]

    def test_select_one_and_literals(self, world: World) -> None:
        result = run(world, "select 1, 'x' as \"Label\", true, null, 1.50;")
        assert names(result) == ["1", "Label", "TRUE", "NULL", "1.50"]
        assert [c.type for c in result.columns] == ["FIXED", "TEXT", "BOOLEAN", "TEXT", "FIXED"]
        assert [c.scale for c in result.columns] == [None, None, None, None, 2]
        assert result.rows == [[1, "x", True, None, decimal.Decimal("1.50")]]

    def test_version_and_timestamp(self, world: World) -> None:
        result = run(world, "SELECT CURRENT_VERSION(), CURRENT_TIMESTAMP")
        assert re.fullmatch(r"\d+\.\d+\.\d+", text(result.rows[0][0]))
        assert result.rows[0][1] == T0_LTZ
        assert result.columns[1].type == "TIMESTAMP_LTZ"

    def test_unknown_function(self, world: World) -> None:
        err = error(world, "SELECT NO_SUCH_FUNCTION()")
        assert (err.code, err.message) == ("002140", "SQL compilation error:\nUnknown function NO_SUCH_FUNCTION")

    def test_select_from_is_not_supported(self, world: World) -> None:
        assert error(world, "SELECT 1 FROM dual").code == "001003"

    def test_unterminated_string(self, world: World) -> None:
        assert error(world, "SHOW SERVICES LIKE 'abc").code == "001003"
