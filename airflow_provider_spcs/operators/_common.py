"""What the operators and the sensor share: lazy hook access, deadlines, and the worker's waits.

The hook module is imported only when a task runs, never when a DAG file is parsed, so DAG parsing
does not load the Snowflake connector or key-handling code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_spcs.triggers.events import ServiceEvent

if TYPE_CHECKING:
    from airflow_provider_spcs.core.retry import RetryPolicy
    from airflow_provider_spcs.core.services import Observation, ServiceWait
    from airflow_provider_spcs.hooks.spcs import SpcsHook

DEFAULT_CONN_ID = "snowflake_spcs_default"


class TaskLog(Protocol):
    """What the waits need of a task's logger (``self.log``)."""

    def info(self, event: str, *args: Any, **kwargs: Any) -> Any: ...


#: Extra time granted to Airflow's defer timeout so the trigger's own deadline fires first.
DEFER_TIMEOUT_PADDING = 60.0


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable`` (what ``deferrable=None`` means)."""
    try:
        from airflow.sdk import conf
    except ImportError:  # Airflow 3.1
        from airflow.configuration import conf  # type: ignore[assignment]
    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


def make_hook(conn_id: str, *, retry_policy: RetryPolicy | None = None) -> SpcsHook:
    """Build the hook (imported here, at run time, to keep DAG-file imports light)."""
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    return SpcsHook(spcs_conn_id=conn_id, retry_policy=retry_policy)


def retry_policy_of(value: RetryPolicy | Mapping[str, Any] | None) -> RetryPolicy | None:
    """A task's ``retry_policy`` argument: a :class:`RetryPolicy`, its :meth:`~RetryPolicy.to_dict` form, or ``None``.

    :raises SpcsConfigError: an unknown setting or a bad value.
    """
    if value is None:
        return None
    from airflow_provider_spcs.core.retry import RetryPolicy

    if isinstance(value, RetryPolicy):
        return value
    if isinstance(value, Mapping):
        return RetryPolicy.from_dict(value)
    from airflow_provider_spcs.core.errors import SpcsConfigError

    raise SpcsConfigError("retry_policy", "expected a RetryPolicy or a dict of its settings")


@contextmanager
def closing_hook(task: object) -> Iterator[None]:
    """Close the task's cached ``hook`` (if one was built) when the block ends, deferral included.

    Operators keep the hook in a ``cached_property`` for one run; closing it returns its pooled
    HTTP connections and connector session instead of leaving sockets to the garbage collector.
    """
    try:
        yield
    finally:
        hook = vars(task).pop("hook", None)
        if hook is not None:
            hook.close()


def deadline_after(seconds: float | None) -> float | None:
    """Absolute epoch-seconds deadline ``seconds`` from now (``None`` stays ``None``)."""
    return None if seconds is None else time.time() + float(seconds)


def defer_timeout(deadline: float | None) -> timedelta | None:
    """Airflow's defer timeout for a trigger with ``deadline``: a little later, so ours fires first."""
    if deadline is None:
        return None
    return timedelta(seconds=max(0.0, deadline - time.time()) + DEFER_TIMEOUT_PADDING)


def poll_service_once(hook: SpcsHook, wait: ServiceWait, *, log: TaskLog | None = None) -> ServiceEvent | None:
    """One look on the worker: the final event, or ``None`` to keep waiting (logged to ``log`` with why)."""
    observation = hook.observe_service(wait)
    if observation.final:
        return ServiceEvent.from_observation(wait.service, observation)
    if log is not None:
        log.info("Service %s: %s", wait.service, observation.decision.reason)
    return None


def wait_for_service(hook: SpcsHook, wait: ServiceWait, *, poll_interval: float, log: TaskLog) -> ServiceEvent:
    """Poll on the worker until final; the blocking twin of the triggers' loop (same steps, same sleeps)."""

    def waiting(observation: Observation, pause: float) -> None:
        log.info("Service %s: %s; next check in %.1f s", wait.service, observation.decision.reason, pause)

    observation = hook.poll_service(wait, poll_interval=poll_interval, on_wait=waiting)
    return ServiceEvent.from_observation(wait.service, observation)
