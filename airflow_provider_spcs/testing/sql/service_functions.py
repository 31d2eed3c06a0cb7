"""The SPCS system functions and service methods.

* ``SYSTEM$GET_SERVICE_STATUS('<svc>' [, <timeout>])`` (one poll), ``SYSTEM$GET_SERVICE_LOGS('<svc>',
  <instance>, '<container>' [, <lines> [, <previous> ...]])``, ``SYSTEM$CANCEL_JOB('<job>')``;
* ``CALL <job>!SPCS_CANCEL_JOB()``, ``CALL <svc>!SPCS_WAIT_FOR('<status>' [, <secs>])`` (a
  :class:`WaitFor` while it waits).

Texts Snowflake does not document (cancel replies, SPCS_WAIT_FOR errors) are plausible
stand-ins: they name the service and its status, as the real ones are expected to.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.model.job_services import JOB_TERMINAL_STATUSES, JobService
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.sql.failures import SqlError, bad_arguments, does_not_exist
from airflow_provider_spcs.testing.sql.registry import Function, FunctionCall, Method, MethodCall, Value
from airflow_provider_spcs.testing.sql.result_sets import TEXT, Cell, Column, Pending, ResultSet
from airflow_provider_spcs.testing.sql.service_rows import service_status_json
from airflow_provider_spcs.testing.sql.session import service_from_string


def _cancel(service: BaseService) -> str:
    if not isinstance(service, JobService):
        raise does_not_exist("Job service", service.name)
    if service.cancel():
        return f"Job {service.name} successfully cancelled."
    return f"Job {service.name} has already finished with status: {service.status}."


def get_service_status(call: FunctionCall) -> tuple[str, Cell]:
    """``SYSTEM$GET_SERVICE_STATUS``: a JSON array, one object per container per instance."""
    if not 1 <= len(call.args) <= 2 or not isinstance(call.args[0], str):
        raise bad_arguments(call.name)
    service = service_from_string(call.session, call.args[0])
    service.poll()
    return TEXT, service_status_json(service)


def cancel_job(call: FunctionCall) -> tuple[str, Cell]:
    """``SYSTEM$CANCEL_JOB('<job>')``."""
    if len(call.args) != 1 or not isinstance(call.args[0], str):
        raise bad_arguments(call.name)
    return TEXT, _cancel(service_from_string(call.session, call.args[0]))


def get_service_logs(call: FunctionCall) -> tuple[str, Cell]:
    """``SYSTEM$GET_SERVICE_LOGS``: the last ``lines`` log lines of one container of one instance."""
    args = call.args
    if not 3 <= len(args) <= 7 or not isinstance(args[0], str) or not isinstance(args[2], str):
        raise bad_arguments(call.name)
    instance = args[1]
    if isinstance(instance, bool) or instance is None:
        raise bad_arguments(call.name)
    lines_arg = args[3] if len(args) > 3 else None
    previous = args[4] if len(args) > 4 else False
    if lines_arg is not None and (isinstance(lines_arg, bool) or not isinstance(lines_arg, int)):
        raise bad_arguments(call.name)
    if not isinstance(previous, bool):
        raise bad_arguments(call.name)
    service = service_from_string(call.session, args[0])
    instance_id = str(instance).strip()
    container = next((c for c in service.containers if c.lower() == args[2].lower()), None)
    if instance_id not in service.instance_ids() or container is None:
        raise SqlError(
            "391902",
            "22023",
            f"Container '{args[2]}' of instance '{instance_id}' does not exist in service '{service.name}'.",
        )
    lines = service.get_logs(instance_id, container, previous=previous)
    if lines_arg is not None and lines_arg > 0:
        lines = lines[-lines_arg:]
    return TEXT, "\n".join(lines)


def spcs_cancel_job(call: MethodCall) -> ResultSet:
    """``CALL <job>!SPCS_CANCEL_JOB()``."""
    if call.args:
        call.fail()
    return ResultSet([Column(call.name, TEXT)], [[_cancel(call.service)]])


class WaitFor(Pending):
    """``CALL <svc>!SPCS_WAIT_FOR('<status>', <timeout_secs>)`` while it waits.

    Each :meth:`poll` is one poll of the service. It finishes when the service reports the wanted
    status, and fails when the service reached another final state (the wanted one can no longer
    come) or the timeout passed on the world clock; both errors name the current status.
    """

    def __init__(self, world: World, service: BaseService, wanted: str, timeout: float) -> None:
        self.world = world
        self.service = service
        self.wanted = wanted
        self.deadline = world.now() + timeout

    def poll(self) -> ResultSet | None:
        """Advance the service one poll; see the class docstring."""
        with self.world.lock:
            service = self.service
            observed = service.poll()
            if observed == self.wanted:
                return ResultSet(
                    [Column("SPCS_WAIT_FOR", TEXT)], [[f"Service {service.name} reached status {self.wanted}."]]
                )
            if observed in JOB_TERMINAL_STATUSES or observed == "DELETED":
                raise SqlError(
                    "395020",
                    "P0001",
                    f"Service {service.name} cannot reach status {self.wanted}; current status: {observed}.",
                )
            if self.world.now() >= self.deadline:
                raise SqlError(
                    "395021",
                    "P0001",
                    f"Service {service.name} did not reach status {self.wanted} before the timeout; "
                    f"current status: {observed}.",
                )
            return None

    def cancel(self) -> None:
        """Stop waiting (the service itself is not touched)."""
        self.deadline = self.world.now()


def spcs_wait_for(call: MethodCall) -> ResultSet | Pending:
    """``CALL <svc>!SPCS_WAIT_FOR('<status>' [, <timeout_secs>])``: at once if reached, else a :class:`WaitFor`."""
    args: list[Value] = call.args
    if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
        raise bad_arguments(call.name)
    timeout = args[1] if len(args) == 2 else 0
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        raise bad_arguments(call.name)
    waiter = WaitFor(call.session.world, call.service, args[0].upper(), float(timeout))
    result = waiter.poll()
    return waiter if result is None else result


FUNCTIONS: dict[str, Function] = {
    "SYSTEM$GET_SERVICE_LOGS": get_service_logs,
    "SYSTEM$GET_SERVICE_STATUS": get_service_status,
    "SYSTEM$CANCEL_JOB": cancel_job,
}

METHODS: dict[str, Method] = {
    "SPCS_CANCEL_JOB": spcs_cancel_job,
    "SPCS_WAIT_FOR": spcs_wait_for,
}
