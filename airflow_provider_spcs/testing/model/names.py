"""Object names as Snowflake folds and qualifies them, and the default namespace.

Unquoted identifiers are case-insensitive and stored uppercase; a double-quoted identifier keeps
its case (``""`` escapes a quote). A schema object is keyed by ``(DATABASE, SCHEMA, NAME)``; parts a
caller leaves out resolve in the current database and schema (default ``SPCS_DB.APP``).
"""

from __future__ import annotations

import re

DEFAULT_DATABASE = "SPCS_DB"
DEFAULT_SCHEMA = "APP"
DEFAULT_COMPUTE_POOL = "SPCS_POOL"

ObjectKey = tuple[str, str, str]
"""``(DATABASE, SCHEMA, NAME)``, each part in its stored form."""

_PART = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")'
_QUALIFIED = re.compile(rf"\s*({_PART})(?:\s*\.\s*({_PART}))?(?:\s*\.\s*({_PART}))?\s*")


def normalize_name(name: str) -> str:
    """The stored form of one identifier: uppercase unless double-quoted (then ``""`` -> ``"``)."""
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name.upper()


def parse_qualified_name(text: str) -> list[str]:
    """Split ``x``, ``schema.x`` or ``db.schema.x`` into stored parts.

    :raises ValueError: ``text`` is not one to three dot-separated identifiers.
    """
    match = _QUALIFIED.fullmatch(text)
    if match is None:
        raise ValueError(f"not an object name: {text!r}")
    return [normalize_name(part) for part in match.groups() if part is not None]


def qualify(parts: list[str], database: str, schema: str) -> ObjectKey:
    """The key of a parsed name; missing parts come from ``database`` and ``schema`` (stored forms)."""
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return database, parts[0], parts[1]
    return database, schema, parts[0]


def stage_key(stage: str, database: str | None = None, schema: str | None = None) -> str:
    """Normalise a stage reference to ``DB.SCHEMA.STAGE`` (uppercase, no ``@``)."""
    parts = [normalize_name(p) for p in stage.lstrip("@").strip().split(".") if p]
    if len(parts) == 1:
        parts = [normalize_name(schema or DEFAULT_SCHEMA), *parts]
    if len(parts) == 2:
        parts = [normalize_name(database or DEFAULT_DATABASE), *parts]
    return ".".join(parts)
