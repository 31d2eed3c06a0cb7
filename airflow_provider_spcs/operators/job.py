"""``SpcsExecuteJobOperator``: run a job service to completion and collect its logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.errors import SpcsError, SpcsServiceFailedError
from airflow_provider_spcs.core.jobs import (
    JobSpec,
    check_job_source,
    first_cell,
    generate_job_name,
    parse_started_job_name,
)
from airflow_provider_spcs.core.services import JOB_SUCCESS_STATUSES, ServiceWait, failure_message
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
from airflow_provider_spcs.triggers.events import EventStatus, ServiceEvent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.hooks.spcs import SpcsHook

#: Lines of log tail quoted in the error when a job fails.
FAILURE_TAIL_LINES = 20


class SpcsExecuteJobOperator(BaseOperator):
    """Run ``EXECUTE JOB SERVICE`` asynchronously, wait for the job, and copy its logs to the task log.

    The job is submitted on the worker with ``ASYNC = TRUE``; the wait happens on the worker or, with
    ``deferrable=True``, in the triggerer. When the job ends, each instance's container logs are
    fetched into the task log. A ``FAILED`` job fails the task with the containers' states and the
    logs' tail. If the task is killed (also while deferred, on Airflow 3.3+) or times out, the job is
    dropped. Pushes ``{"job_name": ..., "status": ...}`` to XCom.

    :param compute_pool: compute pool to run the job in.
    :param stage: stage holding the specification file (``@db.schema.stage``).
    :param spec_file: specification file path on ``stage``.
    :param spec: inline specification (YAML text or a mapping) instead of ``stage`` + ``spec_file``.
    :param name: job service name; generated (``AIRFLOW_JOB_<hex>``) when omitted, so the task always
        knows what to clean up.
    :param replicas: number of job instances.
    :param query_warehouse: warehouse for the job's queries.
    :param external_access_integrations: external access integrations the job may use.
    :param comment: comment stored with the job service.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs``.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param poll_interval: seconds between status checks.
    :param wait_timeout: seconds to wait for the job before failing (``None``: no limit).
    :param fetch_logs: copy each container's logs into the task log when the job ends.
    :param log_lines: lines of log to fetch per container (1-1000).
    :param drop_on_completion: drop the job service after it ends (its logs are fetched first).
    """

    template_fields: Sequence[str] = (
        "compute_pool",
        "stage",
        "spec_file",
        "spec",
        "name",
        "query_warehouse",
        "external_access_integrations",
        "comment",
    )
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        compute_pool: str,
        stage: str | None = None,
        spec_file: str | None = None,
        spec: str | Mapping[str, Any] | None = None,
        name: str | None = None,
        replicas: int | None = None,
        query_warehouse: str | None = None,
        external_access_integrations: Sequence[str] | None = None,
        comment: str | None = None,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool | None = None,
        poll_interval: float = 10.0,
        wait_timeout: float | None = None,
        fetch_logs: bool = True,
        log_lines: int = 100,
        drop_on_completion: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_job_source(stage, spec_file, spec)  # at parse time; the rest is checked when the task runs
        self.compute_pool = compute_pool
        self.stage = stage
        self.spec_file = spec_file
        self.spec = spec
        self.name = name
        self.replicas = replicas
        self.query_warehouse = query_warehouse
        self.external_access_integrations = external_access_integrations
        self.comment = comment
        self.spcs_conn_id = spcs_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = float(poll_interval)
        self.wait_timeout = wait_timeout
        self.fetch_logs = fetch_logs
        self.log_lines = int(log_lines)
        self.drop_on_completion = drop_on_completion
        self._job_name: str | None = None

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        return make_hook(self.spcs_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        """Submit the job, then wait here or defer; finish with logs and the final status."""
        with closing_hook(self):
            job = JobSpec(
                compute_pool=self.compute_pool,
                name=self.name or generate_job_name(),
                stage=self.stage,
                spec_file=self.spec_file,
                spec=self.spec,
                replicas=self.replicas,
                query_warehouse=self.query_warehouse,
                external_access_integrations=tuple(self.external_access_integrations or ()),
                comment=self.comment,
            )
            # Remember the name before submitting: on_kill must be able to drop a job we just started.
            self._job_name = job.name
            reply = first_cell(self.hook.run_sql(statements.execute_job_service(job)))
            started = parse_started_job_name(reply)
            self.log.info("Submitted job service %s (%s)", job.name, reply)
            if started and started.split(".")[-1].strip('"').upper() != job.qualified_name.name.upper():
                self.log.warning("Snowflake reported job %s; tracking %s as submitted", started, job.name)

            deadline = deadline_after(self.wait_timeout)
            wait = ServiceWait.of(job.name, JOB_SUCCESS_STATUSES, deadline=deadline)
            event = poll_service_once(self.hook, wait, log=self.log)
            if event is None and self.deferrable:
                from airflow_provider_spcs.triggers.spcs import SpcsJobTrigger  # not needed to parse DAGs

                self.defer(
                    trigger=SpcsJobTrigger(
                        spcs_conn_id=self.spcs_conn_id,
                        service=job.name,
                        deadline=deadline,
                        poll_interval=self.poll_interval,
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
            parsed = ServiceEvent.from_payload(event)
            self._job_name = parsed.service
            return self._finish(parsed)

    def on_kill(self) -> None:
        """Drop the job we started when the task is killed while waiting on the worker."""
        if not self._job_name:
            return
        # A hook of its own: on_kill runs on another thread while execute() still uses self.hook.
        hook = make_hook(self.spcs_conn_id)
        try:
            self._drop(self._job_name, reason="the task was killed", hook=hook)
        finally:
            hook.close()

    # --- ending -----------------------------------------------------------------------------------

    def _finish(self, event: ServiceEvent) -> dict[str, Any]:
        name = event.service
        ended = event.status in (EventStatus.SUCCESS, EventStatus.FAILED)
        try:
            logs = self._collect_logs(name) if ended and self.fetch_logs else []
            if event.status is EventStatus.FAILED:
                raise SpcsServiceFailedError(
                    failure_message(f"Job service {name}", event.message, event.containers, _tail(logs)),
                    status=event.service_status or "FAILED",
                    details=event.containers,
                )
            event.raise_for_status()
        except SpcsError:
            if event.status is EventStatus.TIMEOUT:
                self._drop(name, reason="the wait timed out")
            raise
        finally:
            if ended and self.drop_on_completion:
                self._drop(name, reason="drop_on_completion")
        self.log.info("Job service %s is %s", name, event.service_status)
        return {"job_name": name, "status": event.service_status}

    def _collect_logs(self, name: str) -> list[str]:
        """Copy each instance's container logs into the task log; return all lines (for the tail)."""
        lines: list[str] = []
        try:
            containers = self.hook.get_service_containers(name)
        except SpcsError as exc:
            self.log.warning("Could not list containers of %s: %s", name, exc)
            return lines
        for row in containers:
            instance, container = row.get("instance_id"), row.get("container_name")
            if instance is None or container is None:
                continue
            try:
                text = first_cell(
                    self.hook.run_sql(statements.service_logs(name, instance, str(container), self.log_lines))
                )
            except SpcsError as exc:
                self.log.warning("Could not fetch logs of %s instance %s / %s: %s", name, instance, container, exc)
                continue
            self.log.info("Logs of %s instance %s / %s:\n%s", name, instance, container, text or "<empty>")
            lines.extend((text or "").splitlines())
        return lines

    def _drop(self, name: str, *, reason: str, hook: SpcsHook | None = None) -> None:
        try:
            (hook or self.hook).run_sql(statements.drop_service(name))
            self.log.info("Dropped job service %s (%s)", name, reason)
        except SpcsError as exc:
            self.log.warning("Could not drop job service %s (%s): %s", name, reason, exc)


def _tail(lines: Sequence[str]) -> str:
    if not lines:
        return ""
    return "\nLast log lines:\n" + "\n".join(lines[-FAILURE_TAIL_LINES:])
