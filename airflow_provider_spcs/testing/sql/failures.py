"""Statement errors: :class:`SqlError` and the replies several statement families share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from airflow_provider_spcs.testing.model.refusals import ObjectMissing, Refusal, StateConflict
from airflow_provider_spcs.testing.model.spec_yaml import SpecError


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


def already_exists_note(name: str) -> str:
    """The reply to ``CREATE ... IF NOT EXISTS`` when the object exists (it is left untouched)."""
    return f"{name} already exists, statement succeeded."


def invalid_spec(message: str) -> SqlError:
    """A spec (or spec template) that is not valid."""
    return SqlError("395018", "22023", message)


def refused(refusal: Refusal) -> SqlError:
    """The Snowflake error for a model refusal.

    Codes Snowflake does not document for these cases are stand-ins: ``002029`` / ``22023`` for an
    invalid property value, ``002031`` / ``55000`` for an object whose state forbids the change.
    """
    if isinstance(refusal, ObjectMissing):
        return does_not_exist(refusal.kind, refusal.name)
    if isinstance(refusal, StateConflict):
        return SqlError("002031", "55000", refusal.message)
    return SqlError("002029", "22023", f"SQL compilation error:\n{refusal.message}")


@contextlib.contextmanager
def model_errors() -> Iterator[None]:
    """Turn what model operations raise (a :class:`Refusal`, an invalid spec) into Snowflake's errors."""
    try:
        yield
    except SpecError as exc:
        raise invalid_spec(str(exc)) from None
    except Refusal as refusal:
        raise refused(refusal) from None
