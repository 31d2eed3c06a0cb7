"""``SpcsServiceStatusSensor``: wait for a service to reach a status, failing fast when it cannot.

Also exports ``SpcsComputePoolSensor`` (:mod:`airflow_provider_spcs.sensors.compute_pools`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_spcs._compat import AirflowSensorTimeout
from airflow_provider_spcs.core.services import ServiceWait, parse_statuses
from airflow_provider_spcs.operators._common import (
    DEFAULT_CONN_ID,
    closing_hook,
    default_deferrable,
    defer_timeout,
    poll_service_once,
    retry_policy_of,
)
from airflow_provider_spcs.sensors.compute_pools import SpcsComputePoolSensor
from airflow_provider_spcs.triggers.events import EventStatus, ServiceEvent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.core.retry import RetryPolicy
    from airflow_provider_spcs.hooks.spcs import SpcsHook

__all__ = ["SpcsComputePoolSensor", "SpcsServiceStatusSensor"]


class SpcsServiceStatusSensor(BaseSensorOperator):
    """Wait until ``DESCRIBE SERVICE`` reports one of ``target_statuses``.

    Fails at once, without waiting for the timeout, when the service reaches a status it cannot
    leave on its own towards a target (``FAILED``, ``INTERNAL_ERROR``, ``DELETED``, ``SUSPENDED``,
    ``DONE``... unless targeted); the error lists each container's status, message, restart count
    and last exit code from ``SHOW SERVICE CONTAINERS IN SERVICE``. Works in ``poke`` and
    ``reschedule`` mode, and with ``deferrable=True`` in the triggerer. Pushes the status reached to
    XCom.

    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs``.
    :param target_statuses: status or statuses that end the wait (default ``RUNNING``).
    :param wait_for_endpoints: also wait until public endpoints have an ingress URL: ``True`` for
        every public endpoint, or a list of endpoint names.
    :param deferrable: wait in the triggerer; the sensor's ``timeout`` becomes an absolute deadline
        that survives triggerer restarts. Default: Airflow's ``[operators] default_deferrable``.
    :param request_retry_policy: how each status read retries 429/503/504 and connection errors
        (:class:`~airflow_provider_spcs.core.retry.RetryPolicy`, or a dict of its settings), on the
        worker and in the triggerer alike. Default: the hook's.
    """

    template_fields: Sequence[str] = ("service", "target_statuses")
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        service: str,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        target_statuses: str | Iterable[str] = ("RUNNING",),
        wait_for_endpoints: bool | Sequence[str] = False,
        deferrable: bool | None = None,
        request_retry_policy: RetryPolicy | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.service = service
        self.spcs_conn_id = spcs_conn_id
        self.target_statuses = [target_statuses] if isinstance(target_statuses, str) else list(target_statuses)
        parse_statuses(self.target_statuses, field="target_statuses")  # fail at parse time, not at run time
        self.wait_for_endpoints = wait_for_endpoints
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.request_retry_policy = retry_policy_of(request_retry_policy)

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        from airflow_provider_spcs.operators._common import make_hook

        return make_hook(self.spcs_conn_id, retry_policy=self.request_retry_policy)

    def _event(self) -> ServiceEvent | None:
        targets = parse_statuses(self.target_statuses, field="target_statuses")
        wait = ServiceWait.of(self.service, targets, wait_for_endpoints=self.wait_for_endpoints)
        return poll_service_once(self.hook, wait, log=self.log)

    def poke(self, context: Context) -> PokeReturnValue:
        """One check: done (with the status for XCom) when a target is reached, an error on failure."""
        event = self._event()
        if event is None:
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=self._finish(event))

    def execute(self, context: Context) -> Any:
        """Poke/reschedule as usual; when deferrable, check once and then wait in the triggerer."""
        with closing_hook(self):
            if not self.deferrable:
                return super().execute(context)
            event = self._event()
            if event is not None:
                return self._finish(event)
            deadline = time.time() + self.timeout
            from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger  # not needed to parse DAGs

            self.defer(
                trigger=SpcsServiceStatusTrigger(
                    spcs_conn_id=self.spcs_conn_id,
                    service=self.service,
                    target_statuses=self.target_statuses,
                    deadline=deadline,
                    poll_interval=self.poke_interval,
                    wait_for_endpoints=self.wait_for_endpoints,
                    retry_policy=None if self.request_retry_policy is None else self.request_retry_policy.to_dict(),
                ),
                method_name="execute_complete",
                timeout=defer_timeout(deadline),
            )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str | None:
        """Resume after the trigger with the same checks as ``poke``."""
        with closing_hook(self):
            return self._finish(ServiceEvent.from_payload(event))

    def _finish(self, event: ServiceEvent) -> str | None:
        if event.status is EventStatus.TIMEOUT:
            raise AirflowSensorTimeout(f"Service {self.service}: {event.message}")
        event.raise_for_status()
        self.log.info("Service %s reached %s", self.service, event.service_status)
        return event.service_status
