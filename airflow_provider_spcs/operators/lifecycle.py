"""Suspend and resume a service, optionally waiting (on the worker or deferred) for the result."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import SpcsSqlError
from airflow_provider_spcs.core.services import ServiceStatus, ServiceWait
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
from airflow_provider_spcs.triggers.events import ServiceEvent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.hooks.spcs import SpcsHook


#: Snowflake's code for "object does not exist or not authorized".
MISSING_OBJECT_CODE = "002003"


class _SpcsAlterServiceOperator(BaseOperator):
    """``ALTER SERVICE ... <action>``, then optionally wait for ``target``.

    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs``.
    :param if_exists: do nothing (instead of failing) when the service does not exist.
    :param wait_for_completion: wait until the service reports the target status.
    :param wait_timeout: seconds to wait before failing with a timeout.
    :param poll_interval: seconds between status checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    """

    action: ClassVar[str]
    target: ClassVar[ServiceStatus]
    #: Statuses that are normal just after the ALTER, before the service reports its new state.
    settling: ClassVar[tuple[ServiceStatus, ...]] = ()

    template_fields: Sequence[str] = ("service",)
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        service: str,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        if_exists: bool = False,
        wait_for_completion: bool = True,
        wait_timeout: float = 1800.0,
        poll_interval: float = 15.0,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.service = service
        self.spcs_conn_id = spcs_conn_id
        self.if_exists = if_exists
        self.wait_for_completion = wait_for_completion
        self.wait_timeout = float(wait_timeout)
        self.poll_interval = float(poll_interval)
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        return make_hook(self.spcs_conn_id)

    def execute(self, context: Context) -> str | None:
        """Run the ALTER on the worker; wait here or in the triggerer; return the final status."""
        with closing_hook(self):
            statement = statements.alter_service(self.service, self.action, if_exists=self.if_exists)
            self.hook.run_sql(statement)
            self.log.info("Sent %s", statement)
            if not self.wait_for_completion:
                return None
            deadline = deadline_after(self.wait_timeout)
            wait = ServiceWait.of(self.service, [self.target], deadline=deadline, also_wait=self.settling)
            try:
                event = poll_service_once(self.hook, wait, log=self.log)
            except SpcsSqlError as exc:
                if self.if_exists and exc.code == MISSING_OBJECT_CODE:
                    self.log.info("Service %s does not exist; nothing to wait for (if_exists=True)", self.service)
                    return None
                raise
            if event is None and self.deferrable:
                from airflow_provider_spcs.triggers.spcs import SpcsServiceStatusTrigger  # not needed to parse DAGs

                self.defer(
                    trigger=SpcsServiceStatusTrigger(
                        spcs_conn_id=self.spcs_conn_id,
                        service=self.service,
                        target_statuses=[self.target.value],
                        deadline=deadline,
                        poll_interval=self.poll_interval,
                        also_wait=[s.value for s in self.settling],
                    ),
                    method_name="execute_complete",
                    timeout=defer_timeout(deadline),
                )
            if event is None:
                event = wait_for_service(self.hook, wait, poll_interval=self.poll_interval, log=self.log)
            return self._finish(event)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str | None:
        """Resume after the trigger with the same checks as the synchronous path."""
        with closing_hook(self):
            return self._finish(ServiceEvent.from_payload(event))

    def _finish(self, event: ServiceEvent) -> str | None:
        event.raise_for_status()
        self.log.info("Service %s is %s", self.service, event.service_status)
        return event.service_status


class SpcsSuspendServiceOperator(_SpcsAlterServiceOperator):
    """Suspend a service (``ALTER SERVICE ... SUSPEND``) and, by default, wait until it is ``SUSPENDED``.

    Pushes the final status to XCom (``None`` without ``wait_for_completion``).
    """

    action = "SUSPEND"
    target = ServiceStatus.SUSPENDED


class SpcsResumeServiceOperator(_SpcsAlterServiceOperator):
    """Resume a service (``ALTER SERVICE ... RESUME``) and, by default, wait until it is ``RUNNING``.

    Pushes the final status to XCom (``None`` without ``wait_for_completion``).
    """

    action = "RESUME"
    target = ServiceStatus.RUNNING
    # Right after RESUME, DESCRIBE may still say SUSPENDED(ING) for a moment.
    settling = (ServiceStatus.SUSPENDED, ServiceStatus.SUSPENDING)
