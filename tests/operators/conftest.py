"""Helpers for driving operators and sensors directly, the way a worker and a triggerer would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

try:  # Airflow 3.2+
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef,attr-defined]


async def _first_event(trigger: Any) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("trigger ended without an event")


def run_with_triggers(op: Any, context: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    """``op.execute()``; each deferral's trigger is run to its event and the task resumed with it.

    Returns the task's result and the triggers that ran, in order.
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


@pytest.fixture
def drive() -> Callable[..., tuple[Any, list[Any]]]:
    """The :func:`run_with_triggers` helper as a fixture."""
    return run_with_triggers


@pytest.fixture(autouse=True)
def _forget_services_made_here(request: pytest.FixtureRequest) -> Iterator[None]:
    """Drop services and jobs a test added to the shared session emulator, so tests stay independent."""
    if "spcs" not in request.fixturenames:
        yield
        return
    emulator = request.getfixturevalue("spcs")
    before = set(emulator.world.services)
    yield
    for key in set(emulator.world.services) - before:
        service = emulator.world.services.get(key)
        if service is not None:
            emulator.world.drop_service(service)
