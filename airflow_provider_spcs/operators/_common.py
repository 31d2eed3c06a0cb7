"""What the operators and the sensor share: lazy hook access and the synchronous wait loop.

The hook module is imported only when a task runs, never when a DAG file is parsed, so DAG parsing
does not load the Snowflake connector or key-handling code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.core.services import ServiceStatus, observe, run_observation
from airflow_provider_spcs.triggers.events import ServiceEvent

if TYPE_CHECKING:
    import logging

    from airflow_provider_spcs.hooks.spcs import SpcsHook

DEFAULT_CONN_ID = "snowflake_spcs_default"
#: Extra time granted to Airflow's defer timeout so the trigger's own deadline fires first.
DEFER_TIMEOUT_PADDING = 60.0


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable`` (what ``deferrable=None`` means)."""
    try:
        from airflow.sdk import conf
    except ImportError:  # Airflow 3.1
        from airflow.configuration import conf  # type: ignore[assignment]
    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


def make_hook(conn_id: str) -> SpcsHook:
    """Build the hook (imported here, at run time, to keep DAG-file imports light)."""
    from airflow_provider_spcs.hooks.spcs import SpcsHook

    return SpcsHook(spcs_conn_id=conn_id)


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


def poll_service_once(
    hook: SpcsHook,
    service: str,
    targets: Sequence[ServiceStatus],
    *,
    deadline: float | None,
    also_wait: Sequence[ServiceStatus] = (),
    wait_for_endpoints: bool | Sequence[str] = False,
    log: logging.Logger | Any = None,
) -> ServiceEvent | None:
    """One observation on the worker: the final event, or ``None`` to keep waiting."""
    flow = observe(
        targets, now=time.time, deadline=deadline, also_wait=also_wait, wait_for_endpoints=wait_for_endpoints
    )
    observation = run_observation(flow, hook, service)
    if observation.decision.final:
        return ServiceEvent.from_observation(service, observation)
    return None


def wait_for_service(
    hook: SpcsHook,
    service: str,
    targets: Sequence[ServiceStatus],
    *,
    deadline: float | None,
    poll_interval: float,
    log: logging.Logger | Any,
    also_wait: Sequence[ServiceStatus] = (),
    wait_for_endpoints: bool | Sequence[str] = False,
) -> ServiceEvent:
    """Poll on the worker until final; the blocking twin of the triggers' loop."""
    while True:
        event = poll_service_once(
            hook,
            service,
            targets,
            deadline=deadline,
            also_wait=also_wait,
            wait_for_endpoints=wait_for_endpoints,
            log=log,
        )
        if event is not None:
            return event
        pause = poll_interval if deadline is None else max(0.0, min(poll_interval, deadline - time.time()))
        log.info("Next check of %s in %.1f s", service, pause)
        time.sleep(pause)
