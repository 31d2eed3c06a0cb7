"""Suspend and resume a compute pool, optionally waiting (on the worker or deferred) for its new state."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_spcs.core.compute_pools import ComputePoolObservation, ComputePoolWait, PoolState
from airflow_provider_spcs.core.errors import SpcsSqlError
from airflow_provider_spcs.operators._common import (
    DEFAULT_CONN_ID,
    closing_hook,
    deadline_after,
    default_deferrable,
    make_hook,
)
from airflow_provider_spcs.operators._waits import look_then_wait
from airflow_provider_spcs.operators.lifecycle import MISSING_OBJECT_CODE
from airflow_provider_spcs.triggers.deploy_events import ComputePoolEvent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.hooks.spcs import SpcsHook

__all__ = ["SpcsResumeComputePoolOperator", "SpcsSuspendComputePoolOperator"]


class _SpcsComputePoolOperator(BaseOperator):
    """Change a compute pool's state, then optionally wait for one of ``targets``.

    :param compute_pool: the compute pool's name.
    :param if_exists: do nothing (instead of failing) when the pool does not exist.
    :param wait_for_completion: wait until the pool reaches the state the change leads to.
    :param wait_timeout: seconds to wait before failing with a timeout (``None``: no limit).
    :param poll_interval: seconds between checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    targets: ClassVar[frozenset[PoolState]]

    template_fields: Sequence[str] = ("compute_pool",)
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        compute_pool: str,
        if_exists: bool = False,
        wait_for_completion: bool = True,
        wait_timeout: float | None = 1800.0,
        poll_interval: float = 15.0,
        deferrable: bool | None = None,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.compute_pool = compute_pool
        self.if_exists = if_exists
        self.wait_for_completion = wait_for_completion
        self.wait_timeout = None if wait_timeout is None else float(wait_timeout)
        self.poll_interval = float(poll_interval)
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.spcs_conn_id = spcs_conn_id

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        return make_hook(self.spcs_conn_id)

    def _change(self) -> None:
        raise NotImplementedError

    def execute(self, context: Context) -> str | None:
        """Change the pool on the worker; wait here or in the triggerer; return the state reached."""
        with closing_hook(self):
            self._change()
            if not self.wait_for_completion:
                return None
            wait = ComputePoolWait(self.compute_pool, self.targets, deadline_after(self.wait_timeout))

            def trigger() -> Any:
                from airflow_provider_spcs.triggers.spcs import SpcsComputePoolTrigger

                return SpcsComputePoolTrigger(
                    spcs_conn_id=self.spcs_conn_id,
                    compute_pool=self.compute_pool,
                    target_states=[s.value for s in self.targets],
                    deadline=wait.deadline,
                    poll_interval=self.poll_interval,
                )

            def event(observation: ComputePoolObservation) -> ComputePoolEvent:
                return ComputePoolEvent.from_observation(self.compute_pool, observation)

            try:
                found = look_then_wait(
                    self,
                    self.hook,
                    wait,
                    subject=f"Compute pool {self.compute_pool}",
                    poll_interval=self.poll_interval,
                    deferrable=self.deferrable,
                    trigger=trigger,
                    event=event,
                )
            except SpcsSqlError as exc:
                if self.if_exists and exc.code == MISSING_OBJECT_CODE:
                    self.log.info(
                        "Compute pool %s does not exist; nothing to wait for (if_exists=True)", self.compute_pool
                    )
                    return None
                raise
            return self._finish(found)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str | None:
        """Resume after the trigger with the same checks as the synchronous path."""
        with closing_hook(self):
            return self._finish(ComputePoolEvent.from_payload(event))

    def _finish(self, event: ComputePoolEvent) -> str | None:
        event.raise_for_status()
        self.log.info("Compute pool %s is %s", self.compute_pool, event.state)
        return event.state


class SpcsSuspendComputePoolOperator(_SpcsComputePoolOperator):
    """Suspend a compute pool and, by default, wait until it is ``SUSPENDED``.

    Suspending a pool suspends its services; running jobs finish first (the pool is ``STOPPING``
    meanwhile). With ``stop_all=True`` the operator first runs ``STOP ALL``, which **drops** every
    service on the pool and cancels its jobs: use it only for pools whose services a DAG recreates.
    Pushes the state reached to XCom (``None`` without ``wait_for_completion``).

    :param compute_pool: the compute pool's name.
    :param stop_all: drop the pool's services and cancel its jobs first (``STOP ALL``).
    :param if_exists: do nothing (instead of failing) when the pool does not exist.
    :param wait_for_completion: wait until the pool is ``SUSPENDED``.
    :param wait_timeout: seconds to wait before failing with a timeout (``None``: no limit).
    :param poll_interval: seconds between checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    targets = frozenset({PoolState.SUSPENDED})

    def __init__(self, *, compute_pool: str, stop_all: bool = False, **kwargs: Any) -> None:
        super().__init__(compute_pool=compute_pool, **kwargs)
        self.stop_all = stop_all

    def _change(self) -> None:
        self.hook.suspend_compute_pool(self.compute_pool, stop_all=self.stop_all, if_exists=self.if_exists)
        what = "stopped everything on and suspended" if self.stop_all else "suspended"
        self.log.info("Compute pool %s %s", self.compute_pool, what)


class SpcsResumeComputePoolOperator(_SpcsComputePoolOperator):
    """Resume a compute pool and, by default, wait until it is ``ACTIVE`` or ``IDLE``.

    Fails at once when the pool reports an ``error_code`` (e.g. no capacity), with its
    ``status_message``. Services on the pool stay suspended until they are resumed themselves
    (``SpcsResumeServiceOperator``). Pushes the state reached to XCom.

    :param compute_pool: the compute pool's name.
    :param if_exists: do nothing (instead of failing) when the pool does not exist.
    :param wait_for_completion: wait until the pool is ``ACTIVE`` or ``IDLE``.
    :param wait_timeout: seconds to wait before failing with a timeout (``None``: no limit).
    :param poll_interval: seconds between checks.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
        Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    targets = frozenset({PoolState.ACTIVE, PoolState.IDLE})

    def _change(self) -> None:
        self.hook.resume_compute_pool(self.compute_pool, if_exists=self.if_exists)
        self.log.info("Compute pool %s resumed", self.compute_pool)
