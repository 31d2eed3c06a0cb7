"""Which services a watcher looks at and which status changes fire it, validated where it is built.

:class:`ServiceWatch` is built wherever a watcher's trigger is: in a DAG file (``AssetWatcher``), and
on the triggerer's event loop when it re-creates the trigger from its kwargs. So this module imports
only the name and status rules (no SQL, no listing, no hook): one look, and everything else a watch
does, is in :mod:`airflow_provider_spcs.core.service_watch`, imported off the loop by ``run()``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.identifiers import identifier_text, stored_name
from airflow_provider_spcs.core.statuses import ServiceStatus, parse_statuses

if TYPE_CHECKING:
    from airflow_provider_spcs.core.listing import Scope

_MAX_PATTERN = 255


@functools.lru_cache(maxsize=256)
def like_regex(pattern: str) -> re.Pattern[str]:
    """Snowflake's ``LIKE`` for ``SHOW`` commands: ``%`` any run, ``_`` one character, ``\\`` escapes, any case."""
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "\\")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ServiceWatch:
    """Which services of one schema a watcher looks at, and which changes fire it.

    Build one with :meth:`of`; every name is kept as Snowflake stores it.

    :param database: the database, or ``None`` for the connection's.
    :param schema: the schema, or ``None`` for the connection's.
    :param services: the service names watched (empty when ``pattern`` is set).
    :param pattern: a ``LIKE`` pattern over service names (``None`` when ``services`` is set).
    :param statuses: a change *to* one of these fires.
    :param from_statuses: if set, only a change *from* one of these fires.
    """

    database: str | None
    schema: str | None
    services: frozenset[str] = frozenset()
    pattern: str | None = None
    statuses: frozenset[str] = frozenset({ServiceStatus.FAILED.value})
    from_statuses: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        database: str | None = None,
        schema: str | None = None,
        services: str | Iterable[str] = (),
        service_pattern: str | None = None,
        statuses: str | Iterable[str] = (ServiceStatus.FAILED.value,),
        from_statuses: str | Iterable[str] = (),
    ) -> ServiceWatch:
        """Validate a watcher's arguments (names as written: bare or ``"quoted"``).

        :raises SpcsConfigError: a name or status is invalid, both or neither of ``services`` and
            ``service_pattern`` are given, or ``database`` is given without ``schema``.
        """
        names = [services] if isinstance(services, str) else list(services)
        if bool(names) == bool(service_pattern):
            raise SpcsConfigError("services", "give either services (names) or service_pattern (a LIKE pattern)")
        if database and not schema:
            raise SpcsConfigError("schema", "a database needs its schema: give schema= too")
        pattern = None
        if service_pattern:
            if len(service_pattern) > _MAX_PATTERN or any(ord(c) < 32 for c in service_pattern):
                raise SpcsConfigError("service_pattern", "expected a LIKE pattern of at most 255 printable characters")
            pattern = service_pattern
        try:
            fire = parse_statuses(statuses, field="statuses")
            since = parse_statuses(from_statuses, field="from_statuses") if from_statuses else frozenset()
        except ValueError as exc:
            field_name = "from_statuses" if str(exc).startswith("from_statuses") else "statuses"
            raise SpcsConfigError(field_name, str(exc).split(": ", 1)[-1]) from None
        return cls(
            database=stored_name(database, field="database") if database else None,
            schema=stored_name(schema, field="schema") if schema else None,
            services=frozenset(stored_name(n, field="services") for n in names),
            pattern=pattern,
            statuses=frozenset(s.value for s in fire),
            from_statuses=frozenset(s.value for s in since),
        )

    def scope(self, conn_database: str | None, conn_schema: str | None) -> Scope:
        """The schema listed: the watch's own, or the connection's (resolved by Snowflake, as for ``DESCRIBE``).

        :raises SpcsConfigError: neither the watch nor the connection says which schema.
        """
        from airflow_provider_spcs.core.identifiers import QualifiedName
        from airflow_provider_spcs.core.listing import scope_of

        given = tuple(p for p in (self.database, self.schema) if p)
        found = scope_of(QualifiedName((*given, "_")), conn_database, conn_schema)
        if found is None:
            raise SpcsConfigError(
                "schema",
                "say which schema the services live in: give database= and schema=, "
                "or set the connection's database and schema",
            )
        return found

    def location(self, conn_database: str | None, conn_schema: str | None) -> tuple[str, str]:
        """``(database, schema)`` as shown in events: the watch's own names, else the connection's settings."""
        database = identifier_text(self.database) if self.database else (conn_database or "")
        schema = identifier_text(self.schema) if self.schema else (conn_schema or "")
        return database, schema

    def selects(self, name: str) -> bool:
        """Whether the watch looks at the service ``name`` (as Snowflake stores it)."""
        if self.pattern is not None:
            return like_regex(self.pattern).fullmatch(name) is not None
        return name in self.services

    def select(self, listed: Mapping[str, str]) -> dict[str, str]:
        """The watched services' statuses out of a listing (status by name).

        Named services are looked up (a watcher costs the same however long the listing); a
        pattern is matched against every name listed.
        """
        if self.pattern is None:
            return {name: listed[name] for name in self.services if name in listed}
        matches = like_regex(self.pattern).fullmatch
        return {name: status for name, status in listed.items() if matches(name)}

    def counts(self, previous: str | None, status: str) -> bool:
        """Whether a change from ``previous`` to ``status`` fires."""
        if status not in self.statuses:
            return False
        return not self.from_statuses or previous in self.from_statuses


__all__ = ["ServiceWatch", "like_regex"]
