"""The shapes the SQL engine's extension points take, and one way to merge their tables.

Four tables route work, each merged from the family modules' own tables with :func:`merge`:

* statements (:data:`~.engine.STATEMENTS`): the leading keywords of a statement -> a
  :data:`StatementHandler`;
* ``ALTER SERVICE [IF EXISTS] <name> <ACTION> ...`` (:data:`~.service_alter.ACTIONS`): the
  action keyword -> an :data:`AlterServiceAction`;
* scalar functions (:data:`~.select_and_call.FUNCTIONS`): a name usable in SELECT and CALL ->
  a :data:`Function`;
* service methods (:data:`~.select_and_call.METHODS`): ``CALL <service>!<NAME>(...)`` -> a
  :data:`Method`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, TypeVar

from airflow_provider_spcs.testing.sql.parser import Parser
from airflow_provider_spcs.testing.sql.result_sets import Cell, Pending, ResultSet
from airflow_provider_spcs.testing.sql.session import Session

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.model.long_running import Service
    from airflow_provider_spcs.testing.model.service_base import BaseService

StatementHandler = Callable[[Parser, Session], ResultSet | Pending]
"""Runs one statement: the cursor stands after the leading keywords it was registered under.

It parses the rest (ending with :meth:`.Parser.end`) and then acts; the engine holds the world's
lock while it runs.
"""

Keywords = tuple[str, ...]
"""The leading keywords of a statement form, e.g. ``("SHOW", "SERVICES")`` (``DESC`` is spelled
``DESCRIBE``)."""

ServiceChange = Callable[[Session, "Service"], ResultSet]
"""What an ALTER SERVICE action does to the (visible, long-running) service once it is found."""

AlterServiceAction = Callable[[Parser], ServiceChange]
"""Parses an ALTER SERVICE action's clauses (the cursor stands after the action keyword) and
returns the change; the statement's end, the lookup and the refusal for job services are common."""

Value = str | int | bool | None
"""A literal argument of a function or method call."""


@dataclass(frozen=True)
class FunctionCall:
    """One call of a scalar function: its arguments and the session it runs in."""

    name: str
    args: list[Value]
    session: Session
    fail: Callable[[], NoReturn]
    """Raise the syntax error at the function's name (e.g. for arguments it takes none of)."""


Function = Callable[[FunctionCall], tuple[str, Cell]]
"""A scalar function: returns its result's type name and value."""


@dataclass(frozen=True)
class MethodCall:
    """One ``CALL <service>!<method>(...)``: the service (visible to the role) and the arguments."""

    name: str
    args: list[Value]
    session: Session
    service: BaseService
    fail: Callable[[], NoReturn]
    """Raise the syntax error at the method's name."""


Method = Callable[[MethodCall], ResultSet | Pending]
"""A service method; it may return a :class:`.Pending` (e.g. SPCS_WAIT_FOR while it waits)."""

K = TypeVar("K")
V = TypeVar("V")


def merge(*tables: Mapping[K, V]) -> dict[K, V]:
    """One table from the families' tables; two families claiming one key is a bug, said at import."""
    merged: dict[K, V] = {}
    for table in tables:
        for key, value in table.items():
            if key in merged:
                raise ValueError(f"{key!r} is registered twice")
            merged[key] = value
    return merged
