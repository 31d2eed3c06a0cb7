"""Statement errors: :class:`SqlError` and the replies several statement families share."""

from __future__ import annotations


class SqlError(Exception):
    """A Snowflake-style statement error: ``code`` (6 digits), ``sql_state`` and ``message``."""

    def __init__(self, code: str, sql_state: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.sql_state = sql_state
        self.message = message

    def __repr__(self) -> str:
        return f"SqlError({self.code!r}, {self.sql_state!r}, {self.message!r})"


def syntax_error(text: str, pos: int, unexpected: str) -> SqlError:
    """Snowflake's ``001003`` syntax error pointing at ``pos`` (line 1-based, position 0-based)."""
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1)
    return SqlError(
        "001003",
        "42000",
        f"SQL compilation error:\nsyntax error line {line} at position {column} unexpected '{unexpected}'.",
    )


def does_not_exist(kind: str, name: str) -> SqlError:
    """Snowflake's error for a missing (or invisible) object: ``Service 'X' does not exist or not authorized.``"""
    return SqlError("002003", "02000", f"SQL compilation error:\n{kind} '{name}' does not exist or not authorized.")


def already_exists(name: str) -> SqlError:
    """Snowflake's error for creating an object whose name is taken."""
    return SqlError("002002", "42710", f"SQL compilation error:\nObject '{name}' already exists.")


def bad_arguments(name: str) -> SqlError:
    """Snowflake's error for a system function called with the wrong arguments."""
    return SqlError(
        "001044",
        "42P13",
        f"SQL compilation error: error line 1 at position 7\nInvalid argument types for function '{name}'",
    )
