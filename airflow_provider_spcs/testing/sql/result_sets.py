"""What a statement gives back: a :class:`ResultSet` of typed cells, or a :class:`Pending` run.

Cells are Python values of the column's type (``str`` for TEXT, ``int`` or ``Decimal`` for FIXED,
``bool`` for BOOLEAN, a UTC ``datetime`` for TIMESTAMP_LTZ, ``None`` for SQL NULL); the wire layer
(:mod:`airflow_provider_spcs.testing.wire.cells`) turns them into the strings Snowflake sends.
"""

from __future__ import annotations

import abc
import datetime as dt
import decimal
from dataclasses import dataclass

from airflow_provider_spcs.testing.model.clock import iso_utc

TEXT = "TEXT"
FIXED = "FIXED"
BOOLEAN = "BOOLEAN"
DATE = "DATE"
TIME = "TIME"
TIMESTAMP_LTZ = "TIMESTAMP_LTZ"
TIMESTAMP_NTZ = "TIMESTAMP_NTZ"
TIMESTAMP_TZ = "TIMESTAMP_TZ"

Cell = str | int | decimal.Decimal | bool | dt.datetime | dt.date | dt.time | None
"""One cell as the engine produces it (``None`` = SQL NULL); see the module docstring."""

SUCCESS = "Statement executed successfully."
"""The ``status`` of DDL-like statements that have nothing else to say."""


@dataclass
class Column:
    """One result column: lowercase (or expression) name, Snowflake type name and scale.

    ``scale`` is the number of fractional digits of a FIXED column (``None``: 0); time types
    always carry nanoseconds (scale 9), as Snowflake's do by default.
    """

    name: str
    type: str
    scale: int | None = None


@dataclass
class ResultSet:
    """A finished statement's result: columns and typed cells (``None`` = NULL)."""

    columns: list[Column]
    rows: list[list[Cell]]

    def dicts(self) -> list[dict[str, Cell]]:
        """Rows keyed by column name (handy in tests)."""
        return [dict(zip((c.name for c in self.columns), row, strict=True)) for row in self.rows]


class Pending(abc.ABC):
    """A statement still running (a synchronous job, a wait). It advances only when polled."""

    @abc.abstractmethod
    def poll(self) -> ResultSet | None:
        """Advance one poll: ``None`` while running, the result when done; raise SqlError on failure."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """What cancelling the statement does."""


def status_result(message: str = SUCCESS) -> ResultSet:
    """The one-row, one-column ``status`` reply of DDL-like statements."""
    return ResultSet([Column("status", TEXT)], [[message]])


def ltz(ts: float | None) -> dt.datetime | None:
    """A TIMESTAMP_LTZ cell for world time ``ts``: UTC, whole milliseconds (as SHOW reports them)."""
    if ts is None:
        return None
    seconds, millis = divmod(int(ts * 1000), 1000)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=millis * 1000)


def fmt_iso(ts: float | None) -> str | None:
    """``2025-04-25T06:01:38Z`` (containers/instances timestamps: TEXT columns)."""
    return None if ts is None else iso_utc(ts)
