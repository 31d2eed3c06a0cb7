"""Deploying services, as steps over a SQL executor: create, upgrade, alter, drop, list instances.

Every statement is built (and so every name, literal and value checked) before the first one is
sent. :class:`ServiceDeployments` is what the hook's deploy methods run, sync and async alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.effects import Steps
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.jobs import first_cell
from airflow_provider_spcs.core.rollouts import SpecChange
from airflow_provider_spcs.core.service_facts import ServiceFacts
from airflow_provider_spcs.core.service_properties import ServiceProperties
from airflow_provider_spcs.core.services import ServiceReads, SqlSteps
from airflow_provider_spcs.core.specs import ServiceSpec


def already_existed(reply: str | None) -> bool:
    """Whether ``CREATE SERVICE IF NOT EXISTS`` left an existing service alone (its reply says so)."""
    return "already exists" in (reply or "").lower()


class ServiceDeployments:
    """Create, upgrade, alter and drop services.

    :param sql: runs one statement (see :data:`~airflow_provider_spcs.core.services.SqlSteps`).
    :param clock: epoch-seconds time source (when an upgrade's ALTER returned).
    """

    def __init__(self, sql: SqlSteps, *, clock: Callable[[], float] = time.time) -> None:
        self.sql = sql
        self.reads = ServiceReads(sql)
        self.clock = clock

    def create(
        self,
        name: str,
        *,
        compute_pool: str,
        spec: ServiceSpec,
        properties: ServiceProperties | None = None,
        tags: Mapping[str, str] | None = None,
        if_not_exists: bool = True,
    ) -> Steps[bool]:
        """``CREATE SERVICE``; ``True`` when it created the service, ``False`` when one existed and was left alone."""
        statement = statements.create_service(
            name, compute_pool=compute_pool, spec=spec, properties=properties, tags=tags, if_not_exists=if_not_exists
        )
        rows = yield from self.sql(statement)
        return not already_existed(first_cell(rows))

    def upgrade(self, name: str, spec: ServiceSpec) -> Steps[SpecChange]:
        """``ALTER SERVICE ... FROM``, with the service's ``spec_digest`` read before and after."""
        statement = statements.upgrade_service(name, spec)
        before = yield from self.reads.facts(name)
        return (yield from self._alter_from(name, statement, before))

    def restart(self, name: str) -> Steps[SpecChange]:
        """A rolling restart on the spec the service runs: :meth:`upgrade` to its ``DESCRIBE`` ``spec``, inline.

        Every instance restarts, one at a time, on the same spec, so env-var secrets are read again.

        :raises SpcsConfigError: an invalid name (nothing is sent), or no spec in the description, or
            a spec that cannot be sent inline (it contains ``$$``): then only the ``DESCRIBE`` was sent.
        """
        row = yield from self.reads.describe(name)
        text = row.get("spec")
        if not isinstance(text, str) or not text.strip():
            raise SpcsConfigError("service", f"service {name}: its description shows no spec to restart it on")
        if "$$" in text:
            raise SpcsConfigError(
                "service",
                f"service {name}: its spec contains '$$', so it cannot be sent back inline; "
                "upgrade it from a stage file instead (the same spec again restarts every instance too)",
            )
        statement = statements.upgrade_service(name, ServiceSpec.inline(text))
        return (yield from self._alter_from(name, statement, ServiceFacts.from_row(row)))

    def _alter_from(self, name: str, statement: str, before: ServiceFacts) -> Steps[SpecChange]:
        yield from self.sql(statement)
        altered_at = self.clock()
        after = yield from self.reads.facts(name)
        return SpecChange(name, before.spec_digest, after.spec_digest, altered_at)

    def alter(
        self,
        name: str,
        *,
        properties: ServiceProperties | None = None,
        unset: Iterable[str] = (),
        if_exists: bool = False,
    ) -> Steps[None]:
        """``ALTER SERVICE ... SET`` and/or ``UNSET`` (SET first; at least one of them)."""
        names = tuple(unset)
        todo = []
        if properties is not None and properties.given:
            todo.append(statements.alter_service_set(name, properties, if_exists=if_exists))
        if names:
            todo.append(statements.alter_service_unset(name, names, if_exists=if_exists))
        if not todo:
            raise SpcsConfigError("properties", "nothing to set or unset")
        for statement in todo:
            yield from self.sql(statement)

    def drop(self, name: str, *, if_exists: bool = True, force: bool = False) -> Steps[None]:
        """``DROP SERVICE``."""
        yield from self.sql(statements.drop_service(name, if_exists=if_exists, force=force))

    def facts(self, name: str) -> Steps[ServiceFacts]:
        """The service's row as :class:`~airflow_provider_spcs.core.service_facts.ServiceFacts` (``DESCRIBE``)."""
        return (yield from self.reads.facts(name))

    def instances(self, name: str) -> Steps[list[dict[str, Any]]]:
        """``SHOW SERVICE INSTANCES IN SERVICE`` rows."""
        return (yield from self.reads.instances(name))
