"""Trigger tests share the session emulator; each test leaves it as it found it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


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
