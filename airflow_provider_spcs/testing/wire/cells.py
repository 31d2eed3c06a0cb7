"""The wire form of a result set, shared by the SQL API and the connector protocol.

:func:`column_meta` gives a column's metadata (SQL API ``rowType`` entries and connector
``rowtype`` entries have the same shape) and :func:`encode_cell` the string Snowflake sends for a
cell. Both wires carry every non-NULL cell as a JSON string, encoded by column type:

=================  ===================================================================
FIXED              the decimal number with ``scale`` fractional digits (``"42"``, ``"1.50"``)
BOOLEAN            SQL API ``"true"``/``"false"``; connector JSON rowsets ``"1"``/``"0"``
DATE               days since 1970-01-01 (``"20056"``)
TIME               seconds since midnight, 9 decimals (``"45167.310000000"``)
TIMESTAMP_LTZ/NTZ  seconds since the epoch, 9 decimals (``"1732911167.310000000"``);
                   NTZ counts its wall-clock time as if it were UTC
TIMESTAMP_TZ       the same, a space, then the UTC offset in minutes plus 1440
                   (``"1732911167.310000000 960"`` is UTC-08:00)
TEXT               the text itself
=================  ===================================================================

SQL NULL is JSON ``null``. Booleans are the one difference between the wires: the connectors'
JSON converters read ``"1"`` as true (the legacy Python connector accepts only ``"1"``/``"TRUE"``),
while SQL API v2 sends ``"true"``/``"false"``.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, Literal

from airflow_provider_spcs.testing.sql.result_sets import (
    BOOLEAN,
    DATE,
    FIXED,
    TEXT,
    TIME,
    TIMESTAMP_LTZ,
    TIMESTAMP_NTZ,
    TIMESTAMP_TZ,
    Cell,
    Column,
    ResultSet,
)

Wire = Literal["sql_api", "connector"]
"""Which protocol the cells are for (they differ only in BOOLEAN)."""

_TEXT_LENGTH = 16777216
_TIME_SCALE = 9
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
_TZ_BIAS = 1440
_BOOLEANS: dict[Wire, tuple[str, str]] = {"sql_api": ("true", "false"), "connector": ("1", "0")}
_TIME_TYPES = frozenset({TIME, TIMESTAMP_LTZ, TIMESTAMP_NTZ, TIMESTAMP_TZ})


def column_meta(column: Column) -> dict[str, Any]:
    """One column's metadata (reference 6.5 for the SQL API, Appendix A for the connector)."""
    kind = column.type.upper()
    is_text = kind == TEXT
    if kind == FIXED:
        precision, scale = 38, column.scale or 0
    elif kind in _TIME_TYPES:
        precision, scale = 0, _TIME_SCALE
    else:
        precision, scale = None, None
    return {
        "name": column.name,
        "database": "",
        "schema": "",
        "table": "",
        "scale": scale,
        "precision": precision,
        "length": _TEXT_LENGTH if is_text else None,
        "type": kind.lower(),
        "nullable": True,
        "byteLength": _TEXT_LENGTH if is_text else None,
        "collation": None,
    }


def _seconds(micros: int) -> str:
    """``"<seconds>.<9 digits>"`` for a signed count of microseconds (exact, no float)."""
    sign = "-" if micros < 0 else ""
    seconds, fraction = divmod(abs(micros), 1_000_000)
    return f"{sign}{seconds}.{fraction:06d}000"


def _epoch(value: dt.datetime) -> str:
    utc = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return _seconds((utc - _EPOCH) // dt.timedelta(microseconds=1))


def encode_cell(value: Cell, column: Column, wire: Wire) -> str | None:
    """The JSON cell Snowflake sends for ``value`` in ``column`` (see the module docstring).

    :raises TypeError: ``value`` is not a Python value of the column's type (an engine bug).
    """
    if value is None:
        return None
    kind = column.type.upper()
    if kind == TEXT and isinstance(value, str):
        return value
    if kind == FIXED and isinstance(value, int | decimal.Decimal) and not isinstance(value, bool):
        return f"{decimal.Decimal(value):.{column.scale or 0}f}"
    if kind == BOOLEAN and isinstance(value, bool):
        return _BOOLEANS[wire][0 if value else 1]
    if kind == DATE and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return str((value - _EPOCH_DATE).days)
    if kind == TIME and isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return _seconds(seconds * 1_000_000 + value.microsecond)
    if isinstance(value, dt.datetime):
        aware = value.tzinfo is not None
        if (kind == TIMESTAMP_LTZ and aware) or (kind == TIMESTAMP_NTZ and not aware):
            return _epoch(value)
        offset = value.utcoffset()
        if kind == TIMESTAMP_TZ and offset is not None:
            return f"{_epoch(value)} {offset // dt.timedelta(minutes=1) + _TZ_BIAS}"
    raise TypeError(f"cannot send {value!r} as {kind} (column {column.name!r})")


def encode_rows(result: ResultSet, wire: Wire) -> list[list[str | None]]:
    """All rows of ``result`` as ``wire`` cells, in column order."""
    columns = result.columns
    return [
        [encode_cell(value, column, wire) for value, column in zip(row, columns, strict=True)] for row in result.rows
    ]
