"""How the deploy operators wait: one look on the worker, then the rest here or in the triggerer.

The look and the repeats are the wait's own steps
(:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.observe_wait`,
:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.poll_wait`); the trigger repeats them in the
triggerer. Either way the task ends on an event built from the final observation, so both paths
finish through the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from airflow_provider_spcs.operators._common import defer_timeout

if TYPE_CHECKING:
    from airflow.triggers.base import BaseTrigger

    from airflow_provider_spcs.core.polling import Observation, Wait
    from airflow_provider_spcs.hooks.spcs import SpcsHook

O = TypeVar("O", bound="Observation")  # noqa: E741 - what one look returns
E = TypeVar("E")


class DeferringTask(Protocol):
    """What a wait needs of the operator: its log and ``defer``."""

    @property
    def log(self) -> Any: ...

    def defer(self, *, trigger: BaseTrigger, method_name: str, timeout: Any = None) -> Any: ...


def _reason(observation: Any) -> str:
    return str(observation.decision.reason)


def look_then_wait(
    task: DeferringTask,
    hook: SpcsHook,
    wait: Wait[O],
    *,
    subject: str,
    poll_interval: float,
    deferrable: bool,
    trigger: Callable[[], BaseTrigger],
    event: Callable[[O], E],
) -> E:
    """Look once; if not final, defer to ``trigger()`` (resuming in ``execute_complete``) or poll here.

    :param subject: how log lines name what is waited on (``Service X``).
    :param trigger: makes the trigger (called only when deferring, so DAG parsing never imports it).
    :param event: the event for the final observation (what ``execute_complete`` gets when deferred).
    """
    observation = hook.observe_wait(wait)
    if not observation.final:
        task.log.info("%s: %s", subject, _reason(observation))
        if deferrable:
            task.defer(trigger=trigger(), method_name="execute_complete", timeout=defer_timeout(wait.deadline))
        observation = poll_here(task, hook, wait, subject=subject, poll_interval=poll_interval)
    return event(observation)


def poll_here(task: DeferringTask, hook: SpcsHook, wait: Wait[O], *, subject: str, poll_interval: float) -> O:
    """Look every ``poll_interval`` seconds on the worker until a look is final, logging each one that is not."""

    def waiting(seen: O, pause: float) -> None:
        task.log.info("%s: %s; next check in %.1f s", subject, _reason(seen), pause)

    return hook.poll_wait(wait, poll_interval=poll_interval, on_wait=waiting)
