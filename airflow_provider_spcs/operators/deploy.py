"""Deploy services from a DAG: create, upgrade (rolling), alter or scale, and drop.

Each operator validates its names and values before any SQL is sent, runs its statements on the
worker, and waits -- on the worker or, with ``deferrable=True``, in the triggerer -- through the
same steps either way (:mod:`airflow_provider_spcs.core.rollouts`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_spcs.core.errors import SpcsConfigError, SpcsSqlError
from airflow_provider_spcs.core.rollouts import ScaleWait, UpgradeWait
from airflow_provider_spcs.core.service_properties import SCALING, ServiceProperties, parse_unset
from airflow_provider_spcs.core.services import Observation, ServiceStatus, ServiceWait
from airflow_provider_spcs.core.specs import ServiceSpec, UsingValue, check_spec_parameters
from airflow_provider_spcs.operators._common import (
    DEFAULT_CONN_ID,
    closing_hook,
    deadline_after,
    default_deferrable,
    defer_timeout,
    make_hook,
    poll_service_once,
    wait_for_service,
)
from airflow_provider_spcs.operators._waits import look_then_wait
from airflow_provider_spcs.operators.lifecycle import MISSING_OBJECT_CODE
from airflow_provider_spcs.triggers.deploy_events import UpgradeEvent
from airflow_provider_spcs.triggers.events import ServiceEvent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.hooks.spcs import SpcsHook

__all__ = [
    "SpcsAlterServiceOperator",
    "SpcsCreateServiceOperator",
    "SpcsDropServiceOperator",
    "SpcsUpgradeServiceOperator",
]

#: Parameters that say where a specification comes from (templated, except ``spec_template``).
SPEC_FIELDS = ("spec", "stage", "spec_file", "spec_template_file", "using")


class _ServiceTask(BaseOperator):
    """What the deploy operators share: the service, the connection, the hook and how they wait."""

    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        service: str,
        spcs_conn_id: str,
        wait_timeout: float | None,
        poll_interval: float,
        deferrable: bool | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.service = service
        self.spcs_conn_id = spcs_conn_id
        self.wait_timeout = None if wait_timeout is None else float(wait_timeout)
        self.poll_interval = float(poll_interval)
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        return make_hook(self.spcs_conn_id)

    def _facts(self) -> dict[str, Any]:
        """The service's row as XCom shows it: its qualified name, status, digest and instance counts."""
        from airflow_provider_spcs.core.identifiers import QualifiedName, plain_name
        from airflow_provider_spcs.core.service_facts import ServiceFacts

        row = self.hook.describe_service(self.service)
        facts = ServiceFacts.from_row(row)
        parts = tuple(str(row.get(c) or "") for c in ("database_name", "schema_name", "name"))
        return {
            "name": plain_name(QualifiedName(parts)) if all(parts) else self.service,
            "status": facts.status,
            "spec_digest": facts.spec_digest,
            "current_instances": facts.current_instances,
            "target_instances": facts.target_instances,
            "min_instances": facts.min_instances,
            "max_instances": facts.max_instances,
        }


def _spec_of(task: Any) -> ServiceSpec:
    return ServiceSpec.from_parameters(
        spec=task.spec,
        stage=task.stage,
        spec_file=task.spec_file,
        spec_template=task.spec_template,
        spec_template_file=task.spec_template_file,
        using=task.using,
    )


class SpcsCreateServiceOperator(_ServiceTask):
    """Create a service (``CREATE SERVICE [IF NOT EXISTS]``) and wait until it is ``RUNNING``.

    The specification is given in exactly one way: ``spec`` (inline YAML text or a mapping),
    ``stage`` + ``spec_file``, ``spec_template`` + ``using``, or ``stage`` + ``spec_template_file``
    + ``using``. With ``if_not_exists`` (the default) an existing service is left as it is (its
    specification and properties untouched; the log says so) and only waited on. The wait fails at
    once when the service fails, with each container's status and message. Pushes to XCom
    ``{"name": <db.schema.name>, "spec_digest": ..., "ingress_urls": {endpoint: url}}``.

    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param compute_pool: compute pool to run the service in.
    :param spec: inline specification: YAML text, or a mapping (sent as JSON).
    :param stage: stage holding ``spec_file`` or ``spec_template_file`` (``@db.schema.stage``).
    :param spec_file: specification file on ``stage``.
    :param spec_template: inline specification template (its ``{{ key }}`` placeholders are
        Snowflake's, filled from ``using``; not an Airflow template field, so Airflow leaves them alone).
    :param spec_template_file: specification template file on ``stage``.
    :param using: template values: text, numbers, booleans, or mappings and lists (sent as JSON).
    :param min_instances: ``MIN_INSTANCES`` (Snowflake's default 1).
    :param max_instances: ``MAX_INSTANCES`` (default: ``min_instances``).
    :param min_ready_instances: ``MIN_READY_INSTANCES`` (default: ``min_instances``).
    :param auto_resume: ``AUTO_RESUME`` (Snowflake's default ``True``).
    :param auto_suspend_secs: ``AUTO_SUSPEND_SECS`` (0 never suspends).
    :param query_warehouse: ``QUERY_WAREHOUSE`` for the service's queries.
    :param external_access_integrations: ``EXTERNAL_ACCESS_INTEGRATIONS`` the service may use.
    :param log_level: ``LOG_LEVEL`` of the service's event table logs (``INFO``, ``ERROR``, ...).
    :param tags: tags to set, tag name (``tag`` or ``db.schema.tag``) to value.
    :param comment: ``COMMENT``.
    :param if_not_exists: leave an existing service alone instead of failing.
    :param wait_for_completion: wait until the service is ``RUNNING``.
    :param wait_for_endpoints: also wait until public endpoints have an ingress URL: ``True`` for
        all of them, or a list of endpoint names.
    :param wait_timeout: seconds to wait before failing with a timeout (``None``: no limit).
    :param poll_interval: seconds between checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    template_fields: Sequence[str] = (
        "service",
        "compute_pool",
        *SPEC_FIELDS,
        "query_warehouse",
        "external_access_integrations",
        "tags",
        "comment",
    )

    def __init__(
        self,
        *,
        service: str,
        compute_pool: str,
        spec: str | Mapping[str, Any] | None = None,
        stage: str | None = None,
        spec_file: str | None = None,
        spec_template: str | Mapping[str, Any] | None = None,
        spec_template_file: str | None = None,
        using: Mapping[str, UsingValue] | None = None,
        min_instances: int | None = None,
        max_instances: int | None = None,
        min_ready_instances: int | None = None,
        auto_resume: bool | None = None,
        auto_suspend_secs: int | None = None,
        query_warehouse: str | None = None,
        external_access_integrations: Sequence[str] | None = None,
        log_level: str | None = None,
        tags: Mapping[str, str] | None = None,
        comment: str | None = None,
        if_not_exists: bool = True,
        wait_for_completion: bool = True,
        wait_for_endpoints: bool | Sequence[str] = False,
        wait_timeout: float | None = 1800.0,
        poll_interval: float = 15.0,
        deferrable: bool | None = None,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            service=service,
            spcs_conn_id=spcs_conn_id,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
            deferrable=deferrable,
            **kwargs,
        )
        check_spec_parameters(
            spec=spec,
            stage=stage,
            spec_file=spec_file,
            spec_template=spec_template,
            spec_template_file=spec_template_file,
            using=using,
        )
        self.compute_pool = compute_pool
        self.spec = spec
        self.stage = stage
        self.spec_file = spec_file
        self.spec_template = spec_template
        self.spec_template_file = spec_template_file
        self.using = using
        self.min_instances = min_instances
        self.max_instances = max_instances
        self.min_ready_instances = min_ready_instances
        self.auto_resume = auto_resume
        self.auto_suspend_secs = auto_suspend_secs
        self.query_warehouse = query_warehouse
        self.external_access_integrations = external_access_integrations
        self.log_level = log_level
        self.tags = tags
        self.comment = comment
        self.if_not_exists = if_not_exists
        self.wait_for_completion = wait_for_completion
        self.wait_for_endpoints = wait_for_endpoints
        self._numbers()  # the values no template can change, checked when the DAG is parsed

    def _numbers(self) -> ServiceProperties:
        return ServiceProperties(
            min_instances=self.min_instances,
            max_instances=self.max_instances,
            min_ready_instances=self.min_ready_instances,
            auto_resume=self.auto_resume,
            auto_suspend_secs=self.auto_suspend_secs,
            log_level=self.log_level,
        )

    def _properties(self) -> ServiceProperties:
        eais = self.external_access_integrations
        return ServiceProperties(
            min_instances=self.min_instances,
            max_instances=self.max_instances,
            min_ready_instances=self.min_ready_instances,
            auto_resume=self.auto_resume,
            auto_suspend_secs=self.auto_suspend_secs,
            external_access_integrations=None if eais is None else tuple(eais),
            query_warehouse=self.query_warehouse,
            log_level=self.log_level,
            comment=self.comment,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        """Create the service (or find it), then wait here or in the triggerer; return name, digest and URLs."""
        with closing_hook(self):
            spec = _spec_of(self)
            created = self.hook.create_service(
                self.service,
                compute_pool=self.compute_pool,
                spec=spec,
                properties=self._properties(),
                tags=dict(self.tags) if self.tags else None,
                if_not_exists=self.if_not_exists,
            )
            if created:
                self.log.info(
                    "Created service %s in compute pool %s from %s", self.service, self.compute_pool, spec.describe()
                )
            else:
                self.log.info(
                    "Service %s already exists: left as it is (if_not_exists=True); its specification was not applied",
                    self.service,
                )
            if not self.wait_for_completion:
                return self._result()
            deadline = deadline_after(self.wait_timeout)
            wait = ServiceWait.of(
                self.service, [ServiceStatus.RUNNING], deadline=deadline, wait_for_endpoints=self.wait_for_endpoints
            )
            event = poll_service_once(self.hook, wait, log=self.log)
            if event is None and self.deferrable:
                from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger  # not needed to parse DAGs

                self.defer(
                    trigger=SpcsServiceStatusTrigger(
                        spcs_conn_id=self.spcs_conn_id,
                        service=self.service,
                        target_statuses=[ServiceStatus.RUNNING.value],
                        deadline=deadline,
                        poll_interval=self.poll_interval,
                        wait_for_endpoints=self.wait_for_endpoints,
                    ),
                    method_name="execute_complete",
                    timeout=defer_timeout(deadline),
                )
            if event is None:
                event = wait_for_service(self.hook, wait, poll_interval=self.poll_interval, log=self.log)
            return self._finish(event)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger with the same ending as the synchronous path."""
        with closing_hook(self):
            return self._finish(ServiceEvent.from_payload(event))

    def _finish(self, event: ServiceEvent) -> dict[str, Any]:
        event.raise_for_status()
        self.log.info("Service %s is %s", self.service, event.service_status)
        return self._result()

    def _result(self) -> dict[str, Any]:
        from airflow_provider_spcs.core.endpoints import public_ingress_urls

        facts = self._facts()
        urls = public_ingress_urls(self.hook.get_service_endpoints(self.service))
        return {"name": facts["name"], "spec_digest": facts["spec_digest"], "ingress_urls": urls}


class SpcsUpgradeServiceOperator(_ServiceTask):
    """Roll a service over to a new specification (``ALTER SERVICE ... FROM``) and wait until every instance runs it.

    Instances restart one at a time (highest id first); the wait ends when the service is no
    longer upgrading and every instance is ``READY`` on the new ``spec_digest``, and fails at once
    when an instance fails (with its containers' messages) or the service fails. The same
    specification again restarts every instance too (how env-var secrets are refreshed). Pushes
    ``{"name", "old_spec_digest", "new_spec_digest", "changed"}`` to XCom.

    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param spec: inline specification: YAML text, or a mapping (sent as JSON).
    :param stage: stage holding ``spec_file`` or ``spec_template_file``.
    :param spec_file: specification file on ``stage``.
    :param spec_template: inline specification template (not an Airflow template field).
    :param spec_template_file: specification template file on ``stage``.
    :param using: template values.
    :param wait_for_completion: wait until the rollout is done.
    :param wait_timeout: seconds to wait before failing with a timeout (``None``: no limit).
    :param poll_interval: seconds between checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    template_fields: Sequence[str] = ("service", *SPEC_FIELDS)

    def __init__(
        self,
        *,
        service: str,
        spec: str | Mapping[str, Any] | None = None,
        stage: str | None = None,
        spec_file: str | None = None,
        spec_template: str | Mapping[str, Any] | None = None,
        spec_template_file: str | None = None,
        using: Mapping[str, UsingValue] | None = None,
        wait_for_completion: bool = True,
        wait_timeout: float | None = 3600.0,
        poll_interval: float = 15.0,
        deferrable: bool | None = None,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            service=service,
            spcs_conn_id=spcs_conn_id,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
            deferrable=deferrable,
            **kwargs,
        )
        check_spec_parameters(
            spec=spec,
            stage=stage,
            spec_file=spec_file,
            spec_template=spec_template,
            spec_template_file=spec_template_file,
            using=using,
        )
        self.spec = spec
        self.stage = stage
        self.spec_file = spec_file
        self.spec_template = spec_template
        self.spec_template_file = spec_template_file
        self.using = using
        self.wait_for_completion = wait_for_completion

    def execute(self, context: Context) -> dict[str, Any]:
        """Start the rollout, then wait here or in the triggerer; return both digests."""
        with closing_hook(self):
            spec = _spec_of(self)
            change = self.hook.upgrade_service(self.service, spec)
            old, new = change.old_spec_digest, change.new_spec_digest
            self.log.info(
                "Upgrading service %s from %s: spec_digest %s -> %s%s",
                self.service,
                spec.describe(),
                old,
                new,
                "" if change.changed else " (the same specification: every instance restarts on it)",
            )
            if not self.wait_for_completion:
                return _digests(self.service, old, new)
            wait = UpgradeWait.after(change, deadline=deadline_after(self.wait_timeout))

            def trigger() -> Any:
                from airflow_provider_spcs.triggers.spcs import SpcsServiceUpgradeTrigger

                return SpcsServiceUpgradeTrigger(
                    spcs_conn_id=self.spcs_conn_id,
                    service=self.service,
                    spec_digest=wait.spec_digest,
                    previous_spec_digest=old,
                    not_before=change.altered_at,
                    deadline=wait.deadline,
                    poll_interval=self.poll_interval,
                )

            def event(observation: Observation) -> UpgradeEvent:
                return UpgradeEvent.of(
                    self.service, observation, spec_digest=wait.spec_digest, previous_spec_digest=old
                )

            return self._finish(
                look_then_wait(
                    self,
                    self.hook,
                    wait,
                    subject=f"Service {self.service}",
                    poll_interval=self.poll_interval,
                    deferrable=self.deferrable,
                    trigger=trigger,
                    event=event,
                )
            )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """Resume after the trigger with the same ending as the synchronous path."""
        with closing_hook(self):
            return self._finish(UpgradeEvent.from_payload(event))

    def _finish(self, event: UpgradeEvent) -> dict[str, Any]:
        event.raise_for_status()
        self.log.info("Service %s: %s", self.service, event.message)
        return _digests(self.service, event.previous_spec_digest, event.spec_digest)


def _digests(service: str, old: str | None, new: str | None) -> dict[str, Any]:
    return {"name": service, "old_spec_digest": old, "new_spec_digest": new, "changed": old != new}


class SpcsAlterServiceOperator(_ServiceTask):
    """Set or unset service properties (``ALTER SERVICE ... SET / UNSET``); when scaling, wait for the instances.

    Give the properties to set as parameters and the ones to put back to their defaults in
    ``unset``. When the change moves ``MIN_INSTANCES``, ``MAX_INSTANCES`` or
    ``MIN_READY_INSTANCES``, the task waits (``wait_for_instances``) until as many instances are
    ``READY`` as the service targets. Pushes the service's row to XCom: ``{"name", "status",
    "spec_digest", "current_instances", "target_instances", "min_instances", "max_instances"}``
    (``None`` when ``if_exists`` found no service).

    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param min_instances: ``MIN_INSTANCES``.
    :param max_instances: ``MAX_INSTANCES``.
    :param min_ready_instances: ``MIN_READY_INSTANCES``.
    :param auto_resume: ``AUTO_RESUME``.
    :param auto_suspend_secs: ``AUTO_SUSPEND_SECS``.
    :param query_warehouse: ``QUERY_WAREHOUSE``.
    :param external_access_integrations: ``EXTERNAL_ACCESS_INTEGRATIONS`` (replaces the list).
    :param log_level: ``LOG_LEVEL``.
    :param comment: ``COMMENT``.
    :param unset: property names to put back to their defaults (``"comment"``, ``"MAX_INSTANCES"``...).
    :param if_exists: do nothing (instead of failing) when the service does not exist.
    :param wait_for_instances: when scaling, wait until the READY instances reach the target.
    :param wait_timeout: seconds to wait before failing with a timeout (``None``: no limit).
    :param poll_interval: seconds between checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    template_fields: Sequence[str] = ("service", "query_warehouse", "external_access_integrations", "comment")

    def __init__(
        self,
        *,
        service: str,
        min_instances: int | None = None,
        max_instances: int | None = None,
        min_ready_instances: int | None = None,
        auto_resume: bool | None = None,
        auto_suspend_secs: int | None = None,
        query_warehouse: str | None = None,
        external_access_integrations: Sequence[str] | None = None,
        log_level: str | None = None,
        comment: str | None = None,
        unset: str | Sequence[str] = (),
        if_exists: bool = False,
        wait_for_instances: bool = True,
        wait_timeout: float | None = 1800.0,
        poll_interval: float = 15.0,
        deferrable: bool | None = None,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            service=service,
            spcs_conn_id=spcs_conn_id,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
            deferrable=deferrable,
            **kwargs,
        )
        self.min_instances = min_instances
        self.max_instances = max_instances
        self.min_ready_instances = min_ready_instances
        self.auto_resume = auto_resume
        self.auto_suspend_secs = auto_suspend_secs
        self.query_warehouse = query_warehouse
        self.external_access_integrations = external_access_integrations
        self.log_level = log_level
        self.comment = comment
        self.unset = parse_unset(unset)
        self.if_exists = if_exists
        self.wait_for_instances = wait_for_instances
        given = set(self._properties().given)
        if not given and not self.unset:
            raise SpcsConfigError("unset", "nothing to change: give a property to set, or names to unset")
        both = sorted(given & set(self.unset))
        if both:
            raise SpcsConfigError("unset", f"{', '.join(both)} cannot be set and unset at once")

    def _properties(self) -> ServiceProperties:
        eais = self.external_access_integrations
        return ServiceProperties(
            min_instances=self.min_instances,
            max_instances=self.max_instances,
            min_ready_instances=self.min_ready_instances,
            auto_resume=self.auto_resume,
            auto_suspend_secs=self.auto_suspend_secs,
            external_access_integrations=None if eais is None else tuple(eais),
            query_warehouse=self.query_warehouse,
            log_level=self.log_level,
            comment=self.comment,
        )

    def execute(self, context: Context) -> dict[str, Any] | None:
        """Run the ALTERs; when scaling, wait here or in the triggerer; return the service's row."""
        with closing_hook(self):
            properties = self._properties()
            self.hook.alter_service(self.service, properties=properties, unset=self.unset, if_exists=self.if_exists)
            changed = [*properties.given, *(f"UNSET {n}" for n in self.unset)]
            self.log.info("Altered service %s: %s", self.service, ", ".join(changed))
            try:
                if not (self.wait_for_instances and (properties.scales or SCALING & set(self.unset))):
                    return self._facts()
                floor = properties.min_instances or (1 if "MIN_INSTANCES" in self.unset else None)
                wait = ScaleWait(
                    self.service,
                    min_instances=floor,
                    max_instances=properties.max_instances,
                    deadline=deadline_after(self.wait_timeout),
                    not_before=time.time(),
                )

                def trigger() -> Any:
                    from airflow_provider_spcs.triggers.spcs import SpcsServiceScaleTrigger

                    return SpcsServiceScaleTrigger(
                        spcs_conn_id=self.spcs_conn_id,
                        service=self.service,
                        min_instances=wait.min_instances,
                        max_instances=wait.max_instances,
                        not_before=wait.not_before,
                        deadline=wait.deadline,
                        poll_interval=self.poll_interval,
                    )

                def event(observation: Observation) -> ServiceEvent:
                    return ServiceEvent.from_observation(self.service, observation)

                return self._finish(
                    look_then_wait(
                        self,
                        self.hook,
                        wait,
                        subject=f"Service {self.service}",
                        poll_interval=self.poll_interval,
                        deferrable=self.deferrable,
                        trigger=trigger,
                        event=event,
                    )
                )
            except SpcsSqlError as exc:
                if self.if_exists and exc.code == MISSING_OBJECT_CODE:
                    self.log.info("Service %s does not exist; nothing altered (if_exists=True)", self.service)
                    return None
                raise

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Resume after the trigger with the same ending as the synchronous path."""
        with closing_hook(self):
            return self._finish(ServiceEvent.from_payload(event))

    def _finish(self, event: ServiceEvent) -> dict[str, Any]:
        event.raise_for_status()
        self.log.info("Service %s: %s", self.service, event.message)
        return self._facts()


class SpcsDropServiceOperator(BaseOperator):
    """Drop a service (``DROP SERVICE [IF EXISTS] ... [FORCE]``).

    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param if_exists: succeed when the service does not exist.
    :param force: drop even when other objects depend on the service.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    template_fields: Sequence[str] = ("service",)
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        service: str,
        if_exists: bool = True,
        force: bool = False,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.service = service
        self.if_exists = if_exists
        self.force = force
        self.spcs_conn_id = spcs_conn_id

    def execute(self, context: Context) -> None:
        """Drop the service."""
        hook = make_hook(self.spcs_conn_id)
        try:
            hook.drop_service(self.service, if_exists=self.if_exists, force=self.force)
        finally:
            hook.close()
        self.log.info("Dropped service %s%s", self.service, " (FORCE)" if self.force else "")
