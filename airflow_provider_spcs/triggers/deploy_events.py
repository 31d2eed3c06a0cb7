"""The events of the deploy triggers: a rollout's end, and a compute pool wait's end.

Small JSON dicts like every event (:mod:`airflow_provider_spcs.triggers.events`); a scaling wait
ends with a plain :class:`~airflow_provider_spcs.triggers.events.ServiceEvent`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from airflow_provider_spcs.core.compute_pools import ComputePoolObservation
from airflow_provider_spcs.core.errors import SpcsComputePoolError, SpcsTimeoutError
from airflow_provider_spcs.core.services import Observation
from airflow_provider_spcs.triggers.events import _FROM_OUTCOME, EventStatus, ServiceEvent, _error_fields, _Event


@dataclass(frozen=True)
class UpgradeEvent(ServiceEvent):
    """The end of a wait on a rolling upgrade: a :class:`ServiceEvent` that carries both digests back.

    :param spec_digest: the digest the rollout was to reach.
    :param previous_spec_digest: the digest before the upgrade (for the task's XCom).
    """

    kind: ClassVar[str] = "upgrade"

    spec_digest: str | None = None
    previous_spec_digest: str | None = None

    @classmethod
    def of(
        cls, service: str, observation: Observation, *, spec_digest: str | None, previous_spec_digest: str | None
    ) -> UpgradeEvent:
        """The event for a final observation of the rollout."""
        event = cls.from_observation(service, observation)
        assert isinstance(event, UpgradeEvent)  # from_observation builds a cls
        return dataclasses.replace(event, spec_digest=spec_digest, previous_spec_digest=previous_spec_digest)


@dataclass(frozen=True)
class ComputePoolEvent(_Event):
    """The end of a wait on a compute pool.

    :param compute_pool: the pool's name as given.
    :param state: the last state seen (``None`` if none was read).
    :param error_code: the pool's ``error_code`` when it failed.
    :param status_message: the pool's ``status_message`` when it failed.
    """

    kind: ClassVar[str] = "compute_pool"

    compute_pool: str = ""
    state: str | None = None
    error_code: str | None = None
    status_message: str | None = None

    @classmethod
    def from_observation(cls, compute_pool: str, observation: ComputePoolObservation) -> ComputePoolEvent:
        """The event for a final observation."""
        decision, facts = observation.decision, observation.facts
        return cls(
            _FROM_OUTCOME[decision.outcome],
            compute_pool=compute_pool,
            state=decision.status,
            message=decision.reason,
            error_code=facts.error_code,
            status_message=facts.status_message,
        )

    @classmethod
    def from_error(cls, compute_pool: str, error: Exception) -> ComputePoolEvent:
        """The event for an error raised while polling."""
        return cls(EventStatus.ERROR, compute_pool=compute_pool, **_error_fields(error))

    def raise_for_status(self) -> None:
        """Return on success; otherwise raise the error the synchronous path would have raised."""
        if self.status is EventStatus.SUCCESS:
            return
        if self.status is EventStatus.FAILED:
            raise SpcsComputePoolError(
                f"Compute pool {self.compute_pool} {self.message}",
                state=self.state,
                error_code=self.error_code,
                status_message=self.status_message,
            )
        if self.status is EventStatus.TIMEOUT:
            raise SpcsTimeoutError(f"Compute pool {self.compute_pool}: {self.message}")
        self._raise_error()


__all__ = ["ComputePoolEvent", "UpgradeEvent"]
