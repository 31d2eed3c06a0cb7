"""One truth rule for every yes/no the provider reads: connection flags and boolean columns.

The words are those of Snowflake's own ``TO_BOOLEAN`` (any case): what Snowflake would read as true
or false, we read the same way, whether a user typed it into a connection or a result carried it.
"""

from __future__ import annotations

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "off", "0"})


def parse_boolean(value: object) -> bool | None:
    """``True`` or ``False`` for a boolean, a 0/1 number or one of the words; ``None`` for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def is_true(value: object) -> bool:
    """Whether ``value`` reads as true (anything unreadable is not)."""
    return parse_boolean(value) is True
