"""Hook tests run against the emulator over real sockets (the process state is reset per test by
the top-level ``process`` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.hooks.spcs import SpcsHook

MakeHook = Callable[..., SpcsHook]
"""``make_hook(auth_method="key_pair", *, policy=FAST, **extra) -> SpcsHook``."""

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, poll_initial=0.01, poll_max=0.05, max_attempts=4)


@pytest.fixture
def make_hook(spcs_conn_factory: Callable[..., str]) -> Iterator[Callable[..., SpcsHook]]:
    """Build a hook on an emulator connection: ``make_hook("pat", pat_exchange="true")``."""
    hooks: list[SpcsHook] = []

    def factory(auth_method: str = "key_pair", *, policy: RetryPolicy = FAST, **extra: Any) -> SpcsHook:
        conn_id = f"spcs_{auth_method}_{len(hooks)}"
        spcs_conn_factory(auth_method, conn_id=conn_id, **extra)
        hook = SpcsHook(conn_id, retry_policy=policy, timeout=10.0)
        hooks.append(hook)
        return hook

    yield factory
    for hook in hooks:
        hook.close()
