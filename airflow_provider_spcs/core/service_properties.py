"""The properties of a long-running service that CREATE SERVICE takes and ALTER SERVICE SET / UNSET change.

:class:`ServiceProperties` holds the ones given (``None`` means "not given": Snowflake keeps or
defaults it). Numbers and their rules are checked on construction (``1 <= MIN_READY_INSTANCES <=
MIN_INSTANCES <= MAX_INSTANCES`` for the ones given together); names and text are checked when the
statement is built (:mod:`airflow_provider_spcs.core.statements`), before anything is sent.
Snowflake's defaults: AUTO_RESUME TRUE, MIN_INSTANCES 1, MIN_READY_INSTANCES and MAX_INSTANCES
follow MIN_INSTANCES.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from airflow_provider_spcs.core.errors import SpcsConfigError

#: ``LOG_LEVEL`` values Snowflake accepts.
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF")

#: Properties ALTER SERVICE SET and UNSET take, in the documented order of SET.
ALTERABLE = (
    "MIN_INSTANCES",
    "MAX_INSTANCES",
    "MIN_READY_INSTANCES",
    "AUTO_RESUME",
    "AUTO_SUSPEND_SECS",
    "QUERY_WAREHOUSE",
    "LOG_LEVEL",
    "EXTERNAL_ACCESS_INTEGRATIONS",
    "COMMENT",
)

#: The properties whose change makes instances start or stop.
SCALING = frozenset({"MIN_INSTANCES", "MAX_INSTANCES", "MIN_READY_INSTANCES"})


@dataclass(frozen=True)
class ServiceProperties:
    """Service properties to set; each ``None`` when not given. Field names are the SQL names, lowercase.

    :param min_instances: ``MIN_INSTANCES`` (at least 1).
    :param max_instances: ``MAX_INSTANCES`` (at least ``min_instances``).
    :param min_ready_instances: ``MIN_READY_INSTANCES`` (1 to ``min_instances``).
    :param auto_resume: ``AUTO_RESUME``.
    :param auto_suspend_secs: ``AUTO_SUSPEND_SECS`` (0 or more; 0 never suspends).
    :param external_access_integrations: ``EXTERNAL_ACCESS_INTEGRATIONS`` (names).
    :param query_warehouse: ``QUERY_WAREHOUSE``.
    :param log_level: ``LOG_LEVEL`` (one of :data:`LOG_LEVELS`, any case).
    :param comment: ``COMMENT``.
    """

    min_instances: int | None = None
    max_instances: int | None = None
    min_ready_instances: int | None = None
    auto_resume: bool | None = None
    auto_suspend_secs: int | None = None
    external_access_integrations: tuple[str, ...] | None = None
    query_warehouse: str | None = None
    log_level: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        for name, least in (("min_instances", 1), ("max_instances", 1), ("min_ready_instances", 1)):
            _check_count(name, getattr(self, name), least)
        _check_count("auto_suspend_secs", self.auto_suspend_secs, 0)
        if self.auto_resume is not None and not isinstance(self.auto_resume, bool):
            raise SpcsConfigError("auto_resume", f"expected True or False, got {self.auto_resume!r}")
        low, high, ready = self.min_instances, self.max_instances, self.min_ready_instances
        if low is not None and high is not None and high < low:
            raise SpcsConfigError("max_instances", f"must be at least min_instances ({low}), got {high}")
        if low is not None and ready is not None and ready > low:
            raise SpcsConfigError("min_ready_instances", f"must be at most min_instances ({low}), got {ready}")
        if self.external_access_integrations is not None:
            eais = self.external_access_integrations
            if isinstance(eais, str) or not isinstance(eais, Sequence):
                raise SpcsConfigError("external_access_integrations", f"expected a list of names, got {eais!r}")
            object.__setattr__(self, "external_access_integrations", tuple(eais))
        if self.log_level is not None:
            level = str(self.log_level).strip().upper()
            if level not in LOG_LEVELS:
                raise SpcsConfigError("log_level", f"expected one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")
            object.__setattr__(self, "log_level", level)

    @property
    def given(self) -> tuple[str, ...]:
        """The SQL names of the properties given, in the order of :data:`ALTERABLE`."""
        return tuple(name for name in ALTERABLE if getattr(self, name.lower()) is not None)

    @property
    def scales(self) -> bool:
        """Whether setting these changes how many instances run."""
        return bool(SCALING & set(self.given))


def _check_count(name: str, value: object, least: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise SpcsConfigError(name, f"expected a whole number of at least {least}, got {value!r}")


def parse_unset(names: str | Iterable[str], *, field: str = "unset") -> tuple[str, ...]:
    """Property names to UNSET (any case, ``min_instances`` or ``MIN_INSTANCES``), each once, in SET order.

    :raises SpcsConfigError: an unknown name (the message lists the known ones).
    """
    raw = [names] if isinstance(names, str) else list(names)
    wanted = {str(n).strip().upper() for n in raw}
    unknown = sorted(n for n in wanted if n not in ALTERABLE)
    if unknown:
        raise SpcsConfigError(field, f"cannot unset {', '.join(unknown)}; known: {', '.join(ALTERABLE)}")
    return tuple(n for n in ALTERABLE if n in wanted)
