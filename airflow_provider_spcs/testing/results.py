"""Column metadata in the two shapes clients read: SQL API ``rowType`` and connector ``rowtype``."""

from __future__ import annotations

from typing import Any

from airflow_provider_spcs.testing.sql import Column

_TEXT_LENGTH = 16777216


def column_meta(column: Column, *, connector: bool = False) -> dict[str, Any]:
    """One column's metadata (reference 6.5 for the SQL API, Appendix A for the connector).

    For the connector only FIXED keeps its type: the connector converts JSON cells by type, and
    timestamps/booleans in our cells are display strings it would not parse, so they travel as text.
    """
    kind = column.type.upper()
    if connector and kind != "FIXED":
        kind = "TEXT"
    is_text = kind == "TEXT"
    is_fixed = kind == "FIXED"
    return {
        "name": column.name,
        "database": "",
        "schema": "",
        "table": "",
        "scale": 0 if is_fixed else (9 if kind.startswith("TIMESTAMP") else None),
        "precision": 38 if is_fixed else (0 if kind.startswith("TIMESTAMP") else None),
        "length": _TEXT_LENGTH if is_text else None,
        "type": kind.lower(),
        "nullable": True,
        "byteLength": _TEXT_LENGTH if is_text else None,
        "collation": None,
    }
