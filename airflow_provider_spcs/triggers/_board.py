"""One status query per schema and poll cycle, however many triggers wait in that schema.

A triggerer may hold hundreds of status triggers. Each asking ``DESCRIBE SERVICE`` on every poll
costs one SQL API request per trigger per cycle (and a few milliseconds of client CPU each: a
thousand of them do not fit a short poll interval). Instead, triggers waiting on services of the
same schema, through the same connection and in the same event loop, share one
``SHOW SERVICES IN SCHEMA`` whose rows stay fresh for :data:`FRESH_FOR` seconds: one trigger runs
the query, the others await its result. Only the status read is shared; the decision
(:func:`airflow_provider_spcs.core.services.observe`, as on the worker), and the container and
endpoint reads on failure or success, stay per trigger.

Which schema a name lives in (:func:`scope_of`):

* ``db.schema.name``: that schema, ``SHOW SERVICES IN SCHEMA "DB"."SCHEMA"``.
* ``schema.name`` when the connection sets a ``database``: ``SHOW SERVICES IN SCHEMA "SCHEMA"``,
  resolved in the session's current database.
* ``name`` when the connection sets ``database`` and ``schema``: ``SHOW SERVICES IN SCHEMA``, the
  session's current schema.

The relative forms leave resolution to Snowflake, in the same session context (the connection's
``database``/``schema``) that ``DESCRIBE SERVICE <name>`` runs in, so the listing covers exactly
the schema ``DESCRIBE`` would look in: the SQL API takes those two settings case-sensitively, the
connector as identifiers, and the server is the one place that applies the right rule. A name
whose schema would come from the user's default namespace (the connection leaves ``database`` or
``schema`` unset) keeps its own ``DESCRIBE SERVICE``.

Names compare as Snowflake stores them: unquoted parts uppercase, quoted parts exactly
(:func:`~airflow_provider_spcs.core.identifiers.parse_object_name`), like the ``name`` column.

A service missing from the listing (dropped, misspelt, not visible to the role) falls back to its
own ``DESCRIBE SERVICE``, so its error is exactly the one the synchronous path reports. So does
every trigger of a listing that failed with a SQL error (for :data:`RETRY_LISTING_AFTER` seconds);
other errors (unreachable host, refused credentials) end the waiting triggers as ``DESCRIBE``
would have.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import SpcsSqlError
from airflow_provider_spcs.core.identifiers import QualifiedName, parse_object_name

if TYPE_CHECKING:
    from airflow_provider_spcs.hooks.spcs import SpcsHook

#: Seconds a listing answers for: long enough for triggers that woke together, short next to any
#: sensible poll interval.
FRESH_FOR = 1.0

#: Seconds the triggers of a listing that failed with a SQL error use ``DESCRIBE`` before trying
#: the listing again.
RETRY_LISTING_AFTER = 300.0


@dataclass(frozen=True)
class Scope:
    """The schema one shared listing covers.

    :param database: the database as Snowflake stores it, or ``None`` for the session's current one.
    :param schema: the schema as Snowflake stores it, or ``None`` for the session's current one.
    :param session: the connection's ``database``/``schema`` settings the ``None`` parts stand for
        (they only tell listings apart; Snowflake resolves them).
    """

    database: str | None
    schema: str | None
    session: tuple[str | None, str | None] = (None, None)

    @property
    def sql(self) -> str:
        """The listing statement (see :func:`~airflow_provider_spcs.core.statements.show_services_in_schema`)."""
        return statements.show_services_in_schema(self.database, self.schema)


def scope_of(name: QualifiedName, database: str | None, schema: str | None) -> Scope | None:
    """The schema ``name`` lives in, or ``None`` when only the user's default namespace could tell.

    :param name: the parsed service name.
    :param database: the connection's ``database`` setting (the session's current database).
    :param schema: the connection's ``schema`` setting (the session's current schema).
    """
    if len(name.parts) == 3:
        return Scope(name.parts[0], name.parts[1])
    if not database:
        return None
    if len(name.parts) == 2:
        return Scope(None, name.parts[0], session=(database, None))
    if not schema:
        return None
    return Scope(None, None, session=(database, schema))


@dataclass
class _Listing:
    statuses: dict[str, str] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    inflight: asyncio.Future[dict[str, str] | None] | None = None
    broken_until: float = float("-inf")


_Key = tuple[str, Scope]  # connection id, schema

# Futures belong to one event loop, so each loop gets its own board (and forgets it when it goes).
_BOARDS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Key, _Listing]] = weakref.WeakKeyDictionary()


async def _fetch(hook: SpcsHook, scope: Scope) -> dict[str, str] | None:
    """Status by service name; ``None`` if the listing failed with a SQL error (others raise)."""
    try:
        rows = await hook.arun_sql(scope.sql)
    except SpcsSqlError:
        return None
    # Normalised as the hook normalises DESCRIBE's status column.
    return {str(r["name"]): str(r.get("status") or "").upper() for r in rows if r.get("name") is not None}


async def shared_status(
    conn_id: str, scope: Scope, service: str, hook: SpcsHook, *, fresh_for: float = FRESH_FOR
) -> str | None:
    """The service's status from a shared listing of ``scope``; ``None`` if not listed (or no listing).

    :param service: the service's own name as Snowflake stores it.
    :param fresh_for: accept a listing at most this many seconds old.
    """
    listings = _BOARDS.setdefault(asyncio.get_running_loop(), {})
    listing = listings.setdefault((conn_id, scope), _Listing())
    now = time.monotonic()
    if now < listing.broken_until:
        return None
    if now - listing.fetched_at < fresh_for:
        return listing.statuses.get(service)
    if listing.inflight is None:
        listing.inflight = asyncio.ensure_future(_fetch(hook, scope))
        flight = listing.inflight
        try:
            statuses = await asyncio.shield(flight)
            if statuses is None:
                listing.broken_until = time.monotonic() + RETRY_LISTING_AFTER
            else:
                listing.statuses, listing.fetched_at = statuses, time.monotonic()
        finally:
            listing.inflight = None
    else:
        # Someone else is asking already; a failure there makes this trigger ask on its own next time.
        statuses = await asyncio.shield(listing.inflight)
    return None if statuses is None else statuses.get(service)


class SharedStatusReader:
    """The hook, except that service statuses come from a shared listing where the schema is known."""

    def __init__(self, hook: SpcsHook, conn_id: str, *, poll_interval: float) -> None:
        self.hook = hook
        self.conn_id = conn_id
        # Never serve a status older than half this trigger's own poll interval.
        self.fresh_for = min(FRESH_FOR, poll_interval / 2)
        self._scopes: dict[str, tuple[Scope, str] | None] = {}

    async def _scope(self, name: str) -> tuple[Scope, str] | None:
        if name not in self._scopes:
            parsed = parse_object_name(name, field="service")
            if len(parsed.parts) == 3:
                scope = scope_of(parsed, None, None)
            else:
                config = await self.hook.aget_config()
                scope = scope_of(parsed, config.database, config.schema)
            self._scopes[name] = None if scope is None else (scope, parsed.name)
        return self._scopes[name]

    async def aget_service_status(self, name: str) -> str:
        """Status via the shared listing of the service's schema, else (or if unlisted) ``DESCRIBE``."""
        where = await self._scope(name)
        if where is not None:
            scope, service = where
            status = await shared_status(self.conn_id, scope, service, self.hook, fresh_for=self.fresh_for)
            if status is not None:
                return status
        return await self.hook.aget_service_status(name)

    async def aget_service_endpoints(self, name: str) -> list[dict[str, Any]]:
        """``SHOW ENDPOINTS IN SERVICE`` (not shared: only read once the status is reached)."""
        return await self.hook.aget_service_endpoints(name)

    async def aget_service_containers(self, name: str) -> list[dict[str, Any]]:
        """``SHOW SERVICE CONTAINERS IN SERVICE`` (not shared: only read on failure)."""
        return await self.hook.aget_service_containers(name)
