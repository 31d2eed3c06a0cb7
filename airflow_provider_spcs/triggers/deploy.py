"""Deferrable waits of the deploy operators: a rolling upgrade, scaling, a compute pool's state.

They follow the rules of :mod:`airflow_provider_spcs.triggers.spcs` (and are importable from
there): plain, secret-free kwargs with an absolute ``deadline``; the hook rebuilt inside ``run()``;
awaited I/O only; one small typed event. Each wait's look is the same steps the operator runs on
the worker (:class:`~airflow_provider_spcs.core.rollouts.UpgradeWait`,
:class:`~airflow_provider_spcs.core.rollouts.ScaleWait`,
:class:`~airflow_provider_spcs.core.compute_pools.ComputePoolWait`), repeated by
:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.apoll_wait`. Rollout and scaling waits on
services of one schema share one ``SHOW SERVICES IN SCHEMA`` per poll cycle
(:mod:`airflow_provider_spcs.core.listing`), with the status triggers too.

Waits deferred together (a DAG's mapped upgrades, a triggerer restart) would otherwise all look in
the same instant, and a hundred requests built and sent, and their answers read, in one burst keep
the event loop busy for that long. Each trigger therefore looks at a phase of its own (a stable
offset from its subject's CRC-32) within the part of the interval one shared listing answers for:
its first look waits for that moment (once its connection and credential are ready, which the
triggers of a process share and so wait for together; the worker has just looked, so nothing is
learnt later), and every later look comes back to it, so a long pause that lines the waits up (a
full garbage collection, a slow listing) does not keep them lined up.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_spcs.core.offload import import_in_thread
from airflow_provider_spcs.core.statuses import parse_pool_states

if TYPE_CHECKING:
    from airflow_provider_spcs.core.errors import SpcsError
    from airflow_provider_spcs.hooks.spcs import SpcsHook
    from airflow_provider_spcs.triggers.deploy_events import ComputePoolEvent, UpgradeEvent
    from airflow_provider_spcs.triggers.events import ServiceEvent, _Event

#: What ``run()`` needs beyond this module, imported in a worker thread by the first trigger of a
#: process (the triggerer imports this module and builds each trigger on its event loop).
_RUNTIME = (
    "airflow_provider_spcs.hooks.spcs",
    "airflow_provider_spcs.core.listing",
    "airflow_provider_spcs.core.rollouts",
    "airflow_provider_spcs.core.compute_pools",
    "airflow_provider_spcs.triggers.events",
    "airflow_provider_spcs.triggers.deploy_events",
)

#: Where Airflow finds these classes again: the public module, so stored triggers survive a move.
PUBLIC_MODULE = "airflow_provider_spcs.triggers.spcs"

__all__ = ["SpcsComputePoolTrigger", "SpcsServiceScaleTrigger", "SpcsServiceUpgradeTrigger"]


class _WaitTrigger(BaseTrigger):
    """One wait, polled until final in the triggerer; subclasses say what it is and how it ends."""

    def __init__(self, *, spcs_conn_id: str, deadline: float | None, poll_interval: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.spcs_conn_id = spcs_conn_id
        self.deadline = None if deadline is None else float(deadline)
        self.poll_interval = float(poll_interval)

    subject: str

    def _kwargs(self) -> dict[str, Any]:
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Class path and plain-value kwargs (no credentials, ever)."""
        return f"{PUBLIC_MODULE}.{type(self).__qualname__}", {
            "spcs_conn_id": self.spcs_conn_id,
            **self._kwargs(),
            "deadline": self.deadline,
            "poll_interval": self.poll_interval,
        }

    @property
    def phase(self) -> float:
        """Seconds into each poll interval at which this trigger looks (see the module docstring)."""
        from airflow_provider_spcs.core.listing import FRESH_FOR

        window = 0.9 * min(FRESH_FOR, self.poll_interval / 2)
        return window * (zlib.crc32(self.subject.encode()) % 1000) / 1000

    def first_look_after(self) -> float:
        """Seconds until this trigger's first look: its next phase moment, never past the deadline."""
        now = time.time()
        pause = self.poll_interval - ((now - self.phase) % self.poll_interval)
        if self.deadline is not None:
            pause = min(pause, max(0.0, self.deadline - now))
        return pause

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until final; yield one event."""
        await import_in_thread(_RUNTIME)
        from airflow_provider_spcs.core.errors import SpcsError
        from airflow_provider_spcs.hooks.spcs import SpcsHook

        hook = SpcsHook(spcs_conn_id=self.spcs_conn_id)
        try:
            # Connection and credential first: triggers that wait for these together would leave
            # together, whatever their offsets.
            await hook.aget_runner()
            await asyncio.sleep(self.first_look_after())
            event = await self._wait(hook)
        except SpcsError as exc:
            event = self._error(exc)
        finally:
            await hook.aclose()
        self.log.info("%s: %s (%s)", self.subject, event.status.value, event.message)
        yield TriggerEvent(event.to_payload())  # type: ignore[no-untyped-call]

    async def _wait(self, hook: SpcsHook) -> _Event:
        raise NotImplementedError

    def _error(self, error: SpcsError) -> _Event:
        raise NotImplementedError

    def _waiting(self, observation: Any, pause: float) -> None:
        self.log.debug("%s: %s", self.subject, observation.decision.reason)


class SpcsServiceUpgradeTrigger(_WaitTrigger):
    """Wait until a rolling upgrade is done: not upgrading, every instance READY on ``spec_digest``.

    Fails fast when an instance fails (with its containers' messages), the service leaves RUNNING
    for a failure status, or another upgrade replaces the digest.

    :param spcs_conn_id: Airflow connection id.
    :param service: service name (``name``, ``schema.name`` or ``db.schema.name``).
    :param spec_digest: the digest the rollout must reach.
    :param previous_spec_digest: the digest before the upgrade (handed back in the event).
    :param not_before: epoch seconds the ALTER returned (no older row is trusted).
    :param deadline: absolute deadline, epoch seconds; ``None`` waits without limit.
    :param poll_interval: seconds between looks.
    """

    def __init__(
        self,
        *,
        spcs_conn_id: str,
        service: str,
        spec_digest: str,
        previous_spec_digest: str | None = None,
        not_before: float | None = None,
        deadline: float | None = None,
        poll_interval: float = 30.0,
    ) -> None:
        super().__init__(spcs_conn_id=spcs_conn_id, deadline=deadline, poll_interval=poll_interval)
        self.service = service
        self.spec_digest = spec_digest
        self.previous_spec_digest = previous_spec_digest
        self.not_before = None if not_before is None else float(not_before)
        self.subject = f"Service {service}"

    def _kwargs(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "spec_digest": self.spec_digest,
            "previous_spec_digest": self.previous_spec_digest,
            "not_before": self.not_before,
        }

    async def _wait(self, hook: SpcsHook) -> UpgradeEvent:
        from airflow_provider_spcs.core.rollouts import UpgradeWait
        from airflow_provider_spcs.triggers.deploy_events import UpgradeEvent

        wait = UpgradeWait(self.service, self.spec_digest, deadline=self.deadline, not_before=self.not_before)
        observation = await hook.apoll_wait(
            wait, poll_interval=self.poll_interval, on_wait=self._waiting, share_listing=True, phase=self.phase
        )
        return UpgradeEvent.of(
            self.service, observation, spec_digest=self.spec_digest, previous_spec_digest=self.previous_spec_digest
        )

    def _error(self, error: SpcsError) -> UpgradeEvent:
        from airflow_provider_spcs.triggers.deploy_events import UpgradeEvent

        event = UpgradeEvent.from_error(self.service, error)
        assert isinstance(event, UpgradeEvent)
        return event


class SpcsServiceScaleTrigger(_WaitTrigger):
    """Wait until a service runs as many READY instances as it targets (after a change of its bounds).

    :param spcs_conn_id: Airflow connection id.
    :param service: service name.
    :param min_instances: the ``MIN_INSTANCES`` just set (the row must show it), or ``None``.
    :param max_instances: the ``MAX_INSTANCES`` just set, or ``None``.
    :param not_before: epoch seconds the ALTER returned (no older row is trusted).
    :param deadline: absolute deadline, epoch seconds; ``None`` waits without limit.
    :param poll_interval: seconds between looks.
    """

    def __init__(
        self,
        *,
        spcs_conn_id: str,
        service: str,
        min_instances: int | None = None,
        max_instances: int | None = None,
        not_before: float | None = None,
        deadline: float | None = None,
        poll_interval: float = 30.0,
    ) -> None:
        super().__init__(spcs_conn_id=spcs_conn_id, deadline=deadline, poll_interval=poll_interval)
        self.service = service
        self.min_instances = None if min_instances is None else int(min_instances)
        self.max_instances = None if max_instances is None else int(max_instances)
        self.not_before = None if not_before is None else float(not_before)
        self.subject = f"Service {service}"

    def _kwargs(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "min_instances": self.min_instances,
            "max_instances": self.max_instances,
            "not_before": self.not_before,
        }

    async def _wait(self, hook: SpcsHook) -> ServiceEvent:
        from airflow_provider_spcs.core.rollouts import ScaleWait
        from airflow_provider_spcs.triggers.events import ServiceEvent

        wait = ScaleWait(
            self.service,
            min_instances=self.min_instances,
            max_instances=self.max_instances,
            deadline=self.deadline,
            not_before=self.not_before,
        )
        observation = await hook.apoll_wait(
            wait, poll_interval=self.poll_interval, on_wait=self._waiting, share_listing=True, phase=self.phase
        )
        return ServiceEvent.from_observation(self.service, observation)

    def _error(self, error: SpcsError) -> ServiceEvent:
        from airflow_provider_spcs.triggers.events import ServiceEvent

        return ServiceEvent.from_error(self.service, error)


class SpcsComputePoolTrigger(_WaitTrigger):
    """Wait until a compute pool reaches one of ``target_states``; fail fast on its ``error_code``.

    :param spcs_conn_id: Airflow connection id.
    :param compute_pool: the pool's name.
    :param target_states: states that end the wait successfully (default ``ACTIVE``, ``IDLE``).
    :param deadline: absolute deadline, epoch seconds; ``None`` waits without limit.
    :param poll_interval: seconds between looks.
    """

    def __init__(
        self,
        *,
        spcs_conn_id: str,
        compute_pool: str,
        target_states: Sequence[str] = ("ACTIVE", "IDLE"),
        deadline: float | None = None,
        poll_interval: float = 30.0,
    ) -> None:
        super().__init__(spcs_conn_id=spcs_conn_id, deadline=deadline, poll_interval=poll_interval)
        self.compute_pool = compute_pool
        self.target_states = sorted(parse_pool_states(target_states, field="target_states"))
        self.subject = f"Compute pool {compute_pool}"

    def _kwargs(self) -> dict[str, Any]:
        return {"compute_pool": self.compute_pool, "target_states": [s.value for s in self.target_states]}

    async def _wait(self, hook: SpcsHook) -> ComputePoolEvent:
        from airflow_provider_spcs.core.compute_pools import ComputePoolWait
        from airflow_provider_spcs.triggers.deploy_events import ComputePoolEvent

        wait = ComputePoolWait(self.compute_pool, frozenset(self.target_states), self.deadline)
        observation = await hook.apoll_wait(
            wait, poll_interval=self.poll_interval, on_wait=self._waiting, phase=self.phase
        )
        return ComputePoolEvent.from_observation(self.compute_pool, observation)

    def _error(self, error: SpcsError) -> ComputePoolEvent:
        from airflow_provider_spcs.triggers.deploy_events import ComputePoolEvent

        return ComputePoolEvent.from_error(self.compute_pool, error)
