"""``SpcsComputePoolSensor``: wait for a compute pool to reach a state, failing fast on its ``error_code``."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_spcs._compat import AirflowSensorTimeout
from airflow_provider_spcs.core.compute_pools import ComputePoolWait, parse_pool_states
from airflow_provider_spcs.operators._common import DEFAULT_CONN_ID, closing_hook, default_deferrable, defer_timeout
from airflow_provider_spcs.triggers.deploy_events import ComputePoolEvent
from airflow_provider_spcs.triggers.events import EventStatus

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.hooks.spcs import SpcsHook

__all__ = ["SpcsComputePoolSensor"]


class SpcsComputePoolSensor(BaseSensorOperator):
    """Wait until ``DESCRIBE COMPUTE POOL`` reports one of ``target_states``.

    Fails at once, without waiting for the timeout, when the pool reports an ``error_code`` (e.g.
    ``392507``, no capacity; the error carries the pool's ``status_message``). Works in ``poke``
    and ``reschedule`` mode, and with ``deferrable=True`` in the triggerer. Pushes the state
    reached to XCom.

    :param compute_pool: the compute pool's name.
    :param target_states: state or states that end the wait (default ``ACTIVE`` or ``IDLE``).
    :param deferrable: wait in the triggerer; the sensor's ``timeout`` becomes an absolute deadline
        that survives triggerer restarts. Default: Airflow's ``[operators] default_deferrable``.
    :param spcs_conn_id: Airflow connection id of type ``snowflake_spcs`` (or ``snowflake``).
    """

    template_fields: Sequence[str] = ("compute_pool", "target_states")
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        compute_pool: str,
        target_states: str | Iterable[str] = ("ACTIVE", "IDLE"),
        deferrable: bool | None = None,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.compute_pool = compute_pool
        self.target_states = [target_states] if isinstance(target_states, str) else list(target_states)
        parse_pool_states(self.target_states, field="target_states")  # fail at parse time, not at run time
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.spcs_conn_id = spcs_conn_id

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        from airflow_provider_spcs.operators._common import make_hook

        return make_hook(self.spcs_conn_id)

    def _event(self) -> ComputePoolEvent | None:
        wait = ComputePoolWait.of(self.compute_pool, self.target_states)
        observation = self.hook.observe_wait(wait)
        if observation.final:
            return ComputePoolEvent.from_observation(self.compute_pool, observation)
        self.log.info("Compute pool %s: %s", self.compute_pool, observation.decision.reason)
        return None

    def poke(self, context: Context) -> PokeReturnValue:
        """One check: done (with the state for XCom) when a target is reached, an error on failure."""
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
            from airflow_provider_spcs.triggers.spcs import SpcsComputePoolTrigger  # not needed to parse DAGs

            self.defer(
                trigger=SpcsComputePoolTrigger(
                    spcs_conn_id=self.spcs_conn_id,
                    compute_pool=self.compute_pool,
                    target_states=self.target_states,
                    deadline=deadline,
                    poll_interval=self.poke_interval,
                ),
                method_name="execute_complete",
                timeout=defer_timeout(deadline),
            )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str | None:
        """Resume after the trigger with the same checks as ``poke``."""
        with closing_hook(self):
            return self._finish(ComputePoolEvent.from_payload(event))

    def _finish(self, event: ComputePoolEvent) -> str | None:
        if event.status is EventStatus.TIMEOUT:
            raise AirflowSensorTimeout(f"Compute pool {self.compute_pool}: {event.message}")
        event.raise_for_status()
        self.log.info("Compute pool %s reached %s", self.compute_pool, event.state)
        return event.state
