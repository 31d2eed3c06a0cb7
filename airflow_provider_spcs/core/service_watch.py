"""Watching services for status changes: one look as steps.

A watch (:class:`~.service_selection.ServiceWatch`) names the services of one schema, by name or
by a ``LIKE`` pattern, and the statuses whose *arrival* counts (optionally only from some statuses). :func:`observe_service_states` is one look:
it reads the statuses from the schema's shared ``SHOW SERVICES IN SCHEMA``
(:meth:`~.listing.SharedListingReads.listing`, the same coalesced read the status triggers use, so
watchers and waits on one schema cost one statement per poll cycle), compares them with the
statuses of the previous look, and returns every change, those that fire marked, with the
containers' facts when a service arrived in a failure status. Edge, not level: a service that
stays ``FAILED`` changes nothing, so it fires once.

* A service seen for the first time (created, renamed, or a name that appears) changes from
  ``None``.
* A service no longer listed (dropped) changes to ``DELETED`` and is forgotten, so a pattern over
  short-lived job services does not grow the state without bound.
* With no previous look there is nothing to compare: the look is a baseline and nothing fires.

Nothing here imports Airflow; :class:`airflow_provider_spcs.triggers.spcs.SpcsServiceStateTrigger`
drives the looks and keeps the previous statuses.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.effects import Coalesced, Steps
from airflow_provider_spcs.core.errors import SpcsError
from airflow_provider_spcs.core.identifiers import QualifiedName
from airflow_provider_spcs.core.listing import Scope, SharedListingReads, statuses_of
from airflow_provider_spcs.core.service_selection import ServiceWatch as ServiceWatch
from airflow_provider_spcs.core.service_selection import like_regex as like_regex
from airflow_provider_spcs.core.services import ServiceStatus, container_details

#: What a service that is no longer listed changed to.
GONE = ServiceStatus.DELETED.value
#: Arriving in one of these reads the service's containers for the event.
DIAGNOSED_STATUSES = frozenset({ServiceStatus.FAILED.value, ServiceStatus.INTERNAL_ERROR.value})
#: Containers kept per event (events live in the metadata database).
EVENT_CONTAINERS = 10


def observed_at(epoch: float) -> str:
    """An observation time as ISO 8601 UTC with milliseconds (``2026-05-01T12:00:00.123Z``)."""
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Transition:
    """One service's status change between two looks.

    :param service: the service name as Snowflake stores it.
    :param previous: the status of the previous look; ``None`` when it was not listed then.
    :param status: the status now; :data:`GONE` when it is no longer listed.
    :param observed_at: when the change was seen (:func:`observed_at`).
    :param fires: whether the watch counts this change.
    :param containers: per-container facts (see :func:`~.services.container_details`), for a
        change that fires into one of :data:`DIAGNOSED_STATUSES`.
    """

    service: str
    previous: str | None
    status: str
    observed_at: str
    fires: bool = False
    containers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StatesLook:
    """One look: the watched services' statuses now and what changed since the previous look.

    :param statuses: status by service name, for every watched service listed now.
    :param transitions: every change since the previous look (none for a baseline).
    :param missing: watched names that are not listed (a misspelt or not yet created service).
    :param database: the database, as events show it (see :meth:`ServiceWatch.location`).
    :param schema: the schema, as events show it.
    """

    statuses: dict[str, str]
    transitions: list[Transition]
    missing: list[str]
    database: str
    schema: str

    @property
    def fired(self) -> list[Transition]:
        """The changes that fire."""
        return [t for t in self.transitions if t.fires]


def changes(watch: ServiceWatch, previous: Mapping[str, str], now: Mapping[str, str], *, at: str) -> list[Transition]:
    """Every change from ``previous`` to ``now`` (status by name), in name order, marked when it fires."""
    found = []
    for name in sorted(set(previous) | set(now)):
        before, after = previous.get(name), now.get(name, GONE)
        if before != after and not (before is None and after == GONE):
            found.append(Transition(name, before, after, at, fires=watch.counts(before, after)))
    return found


@dataclass(frozen=True)
class ContainersKey:
    """One shared read of a service's containers (watchers that saw the same failure share it)."""

    conn_id: str
    scope: Scope
    service: str


def observe_service_states(
    reads: SharedListingReads,
    watch: ServiceWatch,
    previous: Mapping[str, str] | None,
    *,
    clock: Callable[[], float],
) -> Steps[StatesLook]:
    """One look at the watched services (see the module docstring).

    :param reads: the hook's reads, sharing listings per connection and schema.
    :param watch: what is watched.
    :param previous: the statuses of the previous look, or ``None`` for a baseline.
    :param clock: epoch-seconds time source.
    :raises SpcsError: the listing failed (a SQL error says why: the schema does not exist, say).
    """
    scope = watch.scope(reads.database, reads.schema)
    listed = yield from reads.listing(scope)
    if listed is None:
        # The shared listing failed with a SQL error and keeps no error; ask again to learn why
        # (or, if it passes now, to use its rows).
        rows = yield from reads.sql(scope.sql)
        listed = statuses_of(rows)
    now = watch.select(listed)
    missing = sorted(n for n in watch.services if n not in listed)
    database, schema = watch.location(reads.database, reads.schema)
    if previous is None:
        return StatesLook(now, [], missing, database, schema)
    found = changes(watch, previous, now, at=observed_at(clock()))
    transitions = []
    for transition in found:
        if transition.fires and transition.status in DIAGNOSED_STATUSES:
            rows = yield from _containers(reads, scope, transition.service)
            transition = replace(transition, containers=container_details(rows, limit=EVENT_CONTAINERS))
        transitions.append(transition)
    return StatesLook(now, transitions, missing, database, schema)


def _containers(reads: SharedListingReads, scope: Scope, service: str) -> Steps[list[dict[str, Any]]]:
    name = QualifiedName((*(p for p in (scope.database, scope.schema) if p), service))

    def read() -> Steps[list[dict[str, Any]]]:
        return reads.sql(statements.show_service_containers(name))

    try:
        rows: list[dict[str, Any]] = yield Coalesced(
            ContainersKey(reads.conn_id, scope, service), read, lambda _: reads.fresh_for
        )
    except SpcsError:
        return []  # the change matters more than its details
    return rows


__all__ = [
    "DIAGNOSED_STATUSES",
    "GONE",
    "ContainersKey",
    "ServiceWatch",
    "StatesLook",
    "Transition",
    "changes",
    "like_regex",
    "observe_service_states",
    "observed_at",
]
