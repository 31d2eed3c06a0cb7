"""Run an operator the way a worker and a triggerer would, without a scheduler or ``dag.test()``.

Handy for unit-testing deferrable operators against the emulator: each deferral's trigger is run
to its first event in a fresh event loop and the task is resumed with it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from airflow_provider_spcs._compat import TaskDeferred


async def _first_event(trigger: Any) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("trigger ended without an event")


def run_with_triggers(op: Any, context: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    """``op.execute(context)``, following every deferral to its trigger's event and back.

    :param op: the operator or sensor instance.
    :param context: the task context to pass (an empty dict by default).
    :return: the task's result and the triggers that ran, in order.
    """
    context = context if context is not None else {}
    triggers: list[Any] = []
    try:
        return op.execute(context), triggers
    except TaskDeferred as deferred:
        current = deferred
    while True:
        triggers.append(current.trigger)
        event = asyncio.run(_first_event(current.trigger))
        try:
            return getattr(op, current.method_name)(context, event=event, **(current.kwargs or {})), triggers
        except TaskDeferred as again:
            current = again
