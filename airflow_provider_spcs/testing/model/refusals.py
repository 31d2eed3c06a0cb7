"""Why the world refuses an operation: what model methods raise, for the SQL layer to translate.

The model speaks in plain terms (which object is missing, which setting is wrong, which state
forbids the change); :mod:`airflow_provider_spcs.testing.sql.failures` turns each into the
Snowflake error code, SQL state and message text. Messages never carry a secret value.
"""

from __future__ import annotations


class Refusal(Exception):
    """An operation the world refuses; ``message`` is safe to show (no secret values)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ObjectMissing(Refusal):
    """An object an operation needs does not exist (or the caller may not see it)."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} '{name}' does not exist or not authorized.")
        self.kind = kind
        self.name = name


class InvalidSetting(Refusal):
    """A property value, or a combination of them, that the object cannot take."""


class StateConflict(Refusal):
    """The object's current state forbids the operation (e.g. a busy compute pool)."""
