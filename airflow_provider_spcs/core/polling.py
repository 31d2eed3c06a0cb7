"""Observe, decide, repeat until final or the deadline: the one shape of every wait, as steps.

A wait is an ``observe`` function that makes the steps of one look (read something, decide) and
returns an observation that says whether it is :attr:`~Observation.final`. :func:`poll_until_final`
repeats it, sleeping :func:`next_poll_sleep` between looks, so every wait -- on a service's status,
a job, and whatever else gets a decision -- sleeps by the same rule and stops at the same moment.
The decision itself owns the deadline (a look past it is final with a timeout), so the loop only
makes sure a sleep never carries a wait past it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from airflow_provider_spcs.core.effects import Sleep, Steps

if TYPE_CHECKING:
    from airflow_provider_spcs.core.services import ServiceReads


class Observation(Protocol):
    """What one look returns: anything that knows whether the wait is over."""

    @property
    def final(self) -> bool: ...


ObservationT = TypeVar("ObservationT", bound=Observation)
ObservationT_co = TypeVar("ObservationT_co", bound=Observation, covariant=True)


class Wait(Protocol[ObservationT_co]):
    """What a wait knows: its deadline, and how to make the steps of one look through ``reads``.

    Rollouts, scaling and compute pools are waits of this shape
    (:mod:`~airflow_provider_spcs.core.rollouts`, :mod:`~airflow_provider_spcs.core.compute_pools`);
    the hook drives them with :func:`poll_until_final`, on the worker and in the triggerer alike.
    """

    @property
    def deadline(self) -> float | None: ...

    def observe(self, reads: ServiceReads, *, clock: Callable[[], float]) -> Steps[ObservationT_co]: ...


def next_poll_sleep(interval: float, deadline: float | None, now: float, phase: float | None = None) -> float:
    """Seconds until the next look: ``interval``, but never past the deadline (wake at it instead).

    :param phase: seconds into each interval (counted from the epoch) at which this wait looks: the
        pause then ends at the next such moment at least half an interval away, so waits with
        different phases keep looking at different moments however often something (a long
        pause, a shared read) lines them up.
    """
    pause = interval
    if phase is not None:
        pause = interval - ((now - phase) % interval)
        if pause < interval / 2:
            pause += interval
    if deadline is None:
        return pause
    return max(0.0, min(pause, deadline - now))


def poll_until_final(
    observe: Callable[[], Steps[ObservationT]],
    *,
    interval: float,
    deadline: float | None,
    clock: Callable[[], float] = time.time,
    on_wait: Callable[[ObservationT, float], None] | None = None,
    phase: float | None = None,
) -> Steps[ObservationT]:
    """Look until a look is final; return that observation.

    :param observe: makes the steps of one look.
    :param interval: seconds between looks.
    :param deadline: absolute epoch-seconds deadline (the observations decide what it means).
    :param clock: epoch-seconds time source.
    :param on_wait: told each non-final observation and the pause before the next look (to log it).
    :param phase: look at this many seconds into each interval (see :func:`next_poll_sleep`).
    """
    while True:
        observation = yield from observe()
        if observation.final:
            return observation
        pause = next_poll_sleep(interval, deadline, clock(), phase)
        if on_wait is not None:
            on_wait(observation, pause)
        yield Sleep(pause)
