"""One status query per schema and poll cycle, however many triggers wait in that schema.

A triggerer may hold hundreds of status triggers. Each asking ``DESCRIBE SERVICE`` on every poll
costs one SQL API request per trigger per cycle. Instead, triggers waiting on fully qualified
services of the same schema, through the same connection and in the same event loop, share one
``SHOW SERVICES IN SCHEMA`` whose rows stay fresh for :data:`FRESH_FOR` seconds: one trigger runs
the query, the others await its result. Only the status read is shared; the decision, and the
container and endpoint reads on failure or success, stay per trigger.

A service missing from the listing (dropped, misspelt, not visible to the role) falls back to its
own ``DESCRIBE SERVICE``, so its error is exactly the one the synchronous path reports.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.core.identifiers import QualifiedName, parse_object_name, quote_identifier

if TYPE_CHECKING:
    from airflow_provider_spcs.hooks.spcs import SpcsHook

#: Seconds a listing answers for: long enough for triggers that woke together, short next to any
#: sensible poll interval.
FRESH_FOR = 1.0

_Key = tuple[str, str, str]  # connection id, database, schema


@dataclass
class _Listing:
    statuses: dict[str, str] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    inflight: asyncio.Future[dict[str, str]] | None = None


# Futures belong to one event loop, so each loop gets its own board (and forgets it when it goes).
_BOARDS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[_Key, _Listing]] = weakref.WeakKeyDictionary()


def show_services_sql(database: str, schema: str) -> str:
    """``SHOW SERVICES IN SCHEMA "<db>"."<schema>"``."""
    return f"SHOW SERVICES IN SCHEMA {quote_identifier(database)}.{quote_identifier(schema)}"


async def _fetch(hook: SpcsHook, database: str, schema: str) -> dict[str, str]:
    rows = await hook.arun_sql(show_services_sql(database, schema))
    return {str(r.get("name")): str(r.get("status")) for r in rows if r.get("name") is not None}


async def shared_status(
    conn_id: str, name: QualifiedName, hook: SpcsHook, *, fresh_for: float = FRESH_FOR
) -> str | None:
    """The service's status from a shared listing of its schema; ``None`` if not listed.

    :param fresh_for: accept a listing at most this many seconds old.
    """
    database, schema, service = name.parts
    listings = _BOARDS.setdefault(asyncio.get_running_loop(), {})
    listing = listings.setdefault((conn_id, database, schema), _Listing())
    if time.monotonic() - listing.fetched_at < fresh_for:
        return listing.statuses.get(service)
    if listing.inflight is None:
        listing.inflight = asyncio.ensure_future(_fetch(hook, database, schema))
        flight = listing.inflight
        try:
            listing.statuses = await asyncio.shield(flight)
            listing.fetched_at = time.monotonic()
        finally:
            listing.inflight = None
        return listing.statuses.get(service)
    # Someone else is asking already; a failure there makes this trigger ask on its own next time.
    statuses = await asyncio.shield(listing.inflight)
    return statuses.get(service)


class SharedStatusReader:
    """The hook, except that statuses of qualified services come from the shared listing."""

    def __init__(self, hook: SpcsHook, conn_id: str, *, poll_interval: float) -> None:
        self.hook = hook
        self.conn_id = conn_id
        # Never serve a status older than half this trigger's own poll interval.
        self.fresh_for = min(FRESH_FOR, poll_interval / 2)

    async def aget_service_status(self, name: str) -> str:
        """Status via the schema listing when ``name`` is ``db.schema.name``, else ``DESCRIBE``."""
        parsed = parse_object_name(name)
        if len(parsed.parts) == 3:
            status = await shared_status(self.conn_id, parsed, self.hook, fresh_for=self.fresh_for)
            if status is not None:
                return status
        return await self.hook.aget_service_status(name)

    async def aget_service_endpoints(self, name: str) -> list[dict[str, Any]]:
        """``SHOW ENDPOINTS IN SERVICE`` (not shared: only read once the status is reached)."""
        return await self.hook.aget_service_endpoints(name)

    async def aget_service_containers(self, name: str) -> list[dict[str, Any]]:
        """``SHOW SERVICE CONTAINERS IN SERVICE`` (not shared: only read on failure)."""
        return await self.hook.aget_service_containers(name)
