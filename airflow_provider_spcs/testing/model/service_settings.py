"""A long-running service's properties: instance bounds, resume/suspend, warehouse, logging, comment.

:class:`ServiceSettings` holds what CREATE SERVICE options and ALTER SERVICE SET / UNSET change,
with Snowflake's defaults (AUTO_RESUME TRUE, MIN_INSTANCES 1, MIN_READY_INSTANCES and MAX_INSTANCES
default to MIN_INSTANCES) and rules (``1 <= MIN_READY_INSTANCES <= MIN_INSTANCES <= MAX_INSTANCES``).
Values come keyed by their SQL names; a rule broken is an :class:`.InvalidSetting`.

Our reading of "default to MIN_INSTANCES": while MAX_INSTANCES or MIN_READY_INSTANCES has not been
set (or has been UNSET), it follows MIN_INSTANCES when that changes; once set, it stays and the
rules apply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_spcs.testing.model.refusals import InvalidSetting

LOG_LEVELS = frozenset({"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"})

_ATTRIBUTES = {
    "MIN_INSTANCES": "min_instances",
    "MAX_INSTANCES": "max_instances",
    "MIN_READY_INSTANCES": "min_ready_instances",
    "AUTO_RESUME": "auto_resume",
    "AUTO_SUSPEND_SECS": "auto_suspend_secs",
    "EXTERNAL_ACCESS_INTEGRATIONS": "external_access_integrations",
    "QUERY_WAREHOUSE": "query_warehouse",
    "LOG_LEVEL": "log_level",
    "COMMENT": "comment",
}
SETTABLE = frozenset(_ATTRIBUTES)
"""The properties ALTER SERVICE SET and UNSET take."""


@dataclass(frozen=True)
class ServiceSettings:
    """The properties of one service (immutable: changes make a new one, checked)."""

    min_instances: int = 1
    max_instances: int = 1
    min_ready_instances: int = 1
    auto_resume: bool = True
    auto_suspend_secs: int = 0
    external_access_integrations: tuple[str, ...] = ()
    query_warehouse: str | None = None
    log_level: str | None = None
    comment: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    max_set: bool = False
    """Whether MAX_INSTANCES was set (else it follows MIN_INSTANCES)."""
    min_ready_set: bool = False
    """Whether MIN_READY_INSTANCES was set (else it follows MIN_INSTANCES)."""

    @classmethod
    def create(cls, fields: Mapping[str, Any]) -> ServiceSettings:
        """The settings of a new service from CREATE SERVICE options (SQL names -> values)."""
        return cls().changed(fields)

    @classmethod
    def of(
        cls,
        instances: int,
        *,
        external_access_integrations: Iterable[str] = (),
        query_warehouse: str | None = None,
        comment: str | None = None,
        auto_resume: bool = True,
    ) -> ServiceSettings:
        """Settings for ``instances`` instances (MIN = MAX = MIN_READY), from Python rather than SQL."""
        return cls(
            min_instances=instances,
            max_instances=instances,
            min_ready_instances=instances,
            auto_resume=auto_resume,
            external_access_integrations=tuple(external_access_integrations),
            query_warehouse=query_warehouse,
            comment=comment,
        ).checked()

    def changed(self, fields: Mapping[str, Any]) -> ServiceSettings:
        """These settings with ``fields`` applied (ALTER SERVICE ... SET), checked."""
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "TAG":
                values["tags"] = {**self.tags, **value}
            elif name not in _ATTRIBUTES:
                raise InvalidSetting(f"Invalid property {name} for a service.")
            elif name == "EXTERNAL_ACCESS_INTEGRATIONS":
                values[_ATTRIBUTES[name]] = tuple(value)
            elif name == "LOG_LEVEL":
                values[_ATTRIBUTES[name]] = str(value).upper()
            else:
                values[_ATTRIBUTES[name]] = value
        values["max_set"] = self.max_set or "MAX_INSTANCES" in fields
        values["min_ready_set"] = self.min_ready_set or "MIN_READY_INSTANCES" in fields
        return dataclasses.replace(self, **values).following().checked()

    def following(self) -> ServiceSettings:
        """MAX_INSTANCES and MIN_READY_INSTANCES that were never set, equal to MIN_INSTANCES."""
        return dataclasses.replace(
            self,
            max_instances=self.max_instances if self.max_set else self.min_instances,
            min_ready_instances=self.min_ready_instances if self.min_ready_set else self.min_instances,
        )

    def without(self, names: Iterable[str]) -> ServiceSettings:
        """These settings with ``names`` back at their defaults (ALTER SERVICE ... UNSET), checked."""
        wanted = list(names)
        for name in wanted:
            if name not in _ATTRIBUTES:
                raise InvalidSetting(f"Invalid property {name} for a service.")
        defaults = ServiceSettings()
        values: dict[str, Any] = {_ATTRIBUTES[n]: getattr(defaults, _ATTRIBUTES[n]) for n in wanted}
        values["max_set"] = self.max_set and "MAX_INSTANCES" not in wanted
        values["min_ready_set"] = self.min_ready_set and "MIN_READY_INSTANCES" not in wanted
        return dataclasses.replace(self, **values).following().checked()

    def checked(self) -> ServiceSettings:
        """``self`` if every rule holds; else :class:`.InvalidSetting` naming the parameter."""
        if self.min_instances < 1:
            raise _invalid("MIN_INSTANCES", self.min_instances, "it must be at least 1")
        if self.max_instances < self.min_instances:
            raise _invalid(
                "MAX_INSTANCES", self.max_instances, f"it must be at least MIN_INSTANCES ({self.min_instances})"
            )
        if not 1 <= self.min_ready_instances <= self.min_instances:
            raise _invalid(
                "MIN_READY_INSTANCES",
                self.min_ready_instances,
                f"it must be between 1 and MIN_INSTANCES ({self.min_instances})",
            )
        if self.auto_suspend_secs < 0:
            raise _invalid("AUTO_SUSPEND_SECS", self.auto_suspend_secs, "it must not be negative")
        if self.log_level is not None and self.log_level not in LOG_LEVELS:
            raise _invalid("LOG_LEVEL", self.log_level, f"expected one of {', '.join(sorted(LOG_LEVELS))}")
        return self


def _invalid(parameter: str, value: object, rule: str) -> InvalidSetting:
    return InvalidSetting(f"Invalid value [{value}] for parameter '{parameter}': {rule}.")
