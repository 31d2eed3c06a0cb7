"""The session's context functions: ``CURRENT_USER()``, ``CURRENT_ROLE()``, ``CURRENT_ACCOUNT()``,
``CURRENT_ACCOUNT_NAME()``, ``CURRENT_ORGANIZATION_NAME()``, ``CURRENT_REGION()``,
``CURRENT_DATABASE()``, ``CURRENT_SCHEMA()``, ``CURRENT_WAREHOUSE()``, ``CURRENT_VERSION()`` and
``CURRENT_TIMESTAMP()``."""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_spcs.testing.sql.registry import Function, FunctionCall
from airflow_provider_spcs.testing.sql.result_sets import TEXT, TIMESTAMP_LTZ, Cell, ltz
from airflow_provider_spcs.testing.sql.session import Session

#: What CURRENT_VERSION() answers.
EMULATED_VERSION = "9.38.1"

#: Functions that may also be written without parentheses (``SELECT CURRENT_USER``).
BARE_FUNCTIONS = frozenset({"CURRENT_TIMESTAMP", "CURRENT_USER", "CURRENT_ROLE"})


def _text(read: Callable[[Session], str | None]) -> Function:
    """A TEXT function of the session that takes no arguments."""

    def function(call: FunctionCall) -> tuple[str, Cell]:
        if call.args:
            call.fail()
        return TEXT, read(call.session)

    return function


def _account_name(session: Session) -> str:
    return session.world.account.split("-")[-1].upper()


def current_timestamp(call: FunctionCall) -> tuple[str, Cell]:
    """``CURRENT_TIMESTAMP``: the world clock as TIMESTAMP_LTZ (a precision argument is ignored)."""
    return TIMESTAMP_LTZ, ltz(call.session.world.now())


FUNCTIONS: dict[str, Function] = {
    "CURRENT_USER": _text(lambda s: s.user),
    "CURRENT_ROLE": _text(lambda s: s.role),
    "CURRENT_ACCOUNT": _text(_account_name),
    "CURRENT_ACCOUNT_NAME": _text(_account_name),
    "CURRENT_ORGANIZATION_NAME": _text(lambda s: s.world.account.split("-")[0].upper()),
    "CURRENT_DATABASE": _text(lambda s: s.database),
    "CURRENT_SCHEMA": _text(lambda s: s.schema),
    "CURRENT_WAREHOUSE": _text(lambda s: None),
    "CURRENT_VERSION": _text(lambda s: EMULATED_VERSION),
    "CURRENT_REGION": _text(lambda s: "AWS_US_WEST_2"),
    "CURRENT_TIMESTAMP": current_timestamp,
}
