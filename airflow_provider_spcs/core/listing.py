"""One status query per schema and poll cycle, however many waits look at services of that schema.

A triggerer may hold hundreds of status triggers. Each asking ``DESCRIBE SERVICE`` on every poll
costs one SQL API request per trigger per cycle (and a few milliseconds of client CPU each: a
thousand of them do not fit a short poll interval). Instead, waits on services of the same schema,
through the same connection and in the same process, share one ``SHOW SERVICES IN SCHEMA`` whose
rows stay fresh for :data:`FRESH_FOR` seconds: it is a :class:`~airflow_provider_spcs.core.effects.Coalesced`
read, so one caller runs the query (threads and tasks alike) and the others get its result. Only
the service's own row is shared (:class:`SharedListingReads`: its status and the other
:class:`~airflow_provider_spcs.core.service_facts.ServiceFacts` -- ``spec_digest``,
``is_upgrading``, instance counts -- that rollout and scaling waits decide on); the decision
(:func:`airflow_provider_spcs.core.services.observe_service`, as on the worker), and the container
and endpoint reads on failure or success, stay per wait.

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

A wait that must not see the service as it was before its own change (a rollout to the same
``spec_digest``, a scaling) passes ``not_before``: a listing whose read started earlier answers it
with its own ``DESCRIBE`` instead (a triggerer whose clock runs behind the worker's only loses the
sharing for that long, never the right answer).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.effects import Coalesced, Steps
from airflow_provider_spcs.core.errors import SpcsSqlError
from airflow_provider_spcs.core.identifiers import QualifiedName, parse_object_name
from airflow_provider_spcs.core.service_facts import ServiceFacts, normalise_status
from airflow_provider_spcs.core.services import ServiceReads, SqlSteps

#: Seconds a listing answers for: long enough for triggers that woke together, short next to any
#: sensible poll interval.
FRESH_FOR = 1.0

#: Seconds the waits of a listing that failed with a SQL error use ``DESCRIBE`` before trying
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


@dataclass(frozen=True)
class ListingKey:
    """One shared listing: a connection and a schema."""

    conn_id: str
    scope: Scope


@dataclass(frozen=True)
class Listing:
    """One ``SHOW SERVICES IN SCHEMA``: each service's facts by name, and when the read started.

    :param read_at: epoch seconds just before the statement was sent.
    :param services: facts by the ``name`` column.
    """

    read_at: float
    services: Mapping[str, ServiceFacts]

    @functools.cached_property
    def statuses(self) -> Mapping[str, str]:
        """Status by name, worked out once per listing for every watcher that shares it."""
        return {name: facts.status for name, facts in self.services.items()}


Listed = Listing | None
"""A listing, or ``None`` when it failed with a SQL error."""


class SharedListingReads(ServiceReads):
    """Service reads whose status comes from the shared listing of the service's schema, where known.

    :param sql: runs one statement (the hook's SQL path).
    :param conn_id: the connection (listings are shared per connection and schema).
    :param database: the connection's ``database`` setting.
    :param schema: the connection's ``schema`` setting.
    :param fresh_for: accept a listing at most this many seconds old.
    """

    def __init__(
        self,
        sql: SqlSteps,
        *,
        conn_id: str,
        database: str | None,
        schema: str | None,
        fresh_for: float = FRESH_FOR,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(sql)
        self.conn_id = conn_id
        self.database = database
        self.schema = schema
        self.fresh_for = fresh_for
        self.clock = clock
        self._where: dict[str, tuple[ListingKey, str] | None] = {}

    def _listing(self, scope: Scope) -> Steps[Listed]:
        read_at = self.clock()
        try:
            rows = yield from self.sql(scope.sql)
        except SpcsSqlError:
            return None
        return Listing(read_at, {str(r["name"]): ServiceFacts.from_row(r) for r in rows if r.get("name") is not None})

    def _answers_for(self, listed: Listed) -> float:
        return RETRY_LISTING_AFTER if listed is None else self.fresh_for

    def _listed(self, name: str, not_before: float | None) -> Steps[ServiceFacts | None]:
        """The service's facts from the shared listing, or ``None`` when only its own ``DESCRIBE`` can tell."""
        where = self._listed_as(name)
        if where is None:
            return None
        key, listed_name = where
        listed: Listed = yield Coalesced(key, lambda: self._listing(key.scope), self._answers_for)
        if listed is None or (not_before is not None and listed.read_at < not_before):
            return None
        return listed.services.get(listed_name)

    def _listed_as(self, name: str) -> tuple[ListingKey, str] | None:
        """The listing that covers ``name`` and the name it has there (worked out once per name)."""
        if name not in self._where:
            parsed = parse_object_name(name, field="service")
            scope = scope_of(parsed, self.database, self.schema)
            self._where[name] = None if scope is None else (ListingKey(self.conn_id, scope), parsed.name)
        return self._where[name]

    def listing(self, scope: Scope) -> Steps[Mapping[str, str] | None]:
        """The shared listing of ``scope``: status by service name, ``None`` after a SQL error."""
        listed: Listed = yield Coalesced(
            ListingKey(self.conn_id, scope), lambda: self._listing(scope), self._answers_for
        )
        return None if listed is None else listed.statuses

    def status(self, name: str) -> Steps[str]:
        """Status via the shared listing of the service's schema, else (or if unlisted) ``DESCRIBE``."""
        facts = yield from self._listed(name, None)
        if facts is not None:
            return facts.status
        return (yield from super().status(name))

    def facts(self, name: str, *, not_before: float | None = None) -> Steps[ServiceFacts]:
        """The service's row via the shared listing (one read since ``not_before``), else ``DESCRIBE``."""
        facts = yield from self._listed(name, not_before)
        if facts is not None:
            return facts
        return (yield from super().facts(name, not_before=not_before))


def statuses_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Status by service name from ``SHOW SERVICES`` rows, normalised as DESCRIBE's status column is."""
    return {str(r["name"]): normalise_status(r.get("status")) for r in rows if r.get("name") is not None}
