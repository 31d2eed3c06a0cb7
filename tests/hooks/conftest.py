"""Hook tests run against the emulator over real sockets; token caches and shared connection
settings are cleared per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_spcs.core import credentials
from airflow_provider_spcs.core.cache import TOKEN_CACHE
from airflow_provider_spcs.core.retry import RetryPolicy
from airflow_provider_spcs.hooks._shared import SHARED
from airflow_provider_spcs.hooks.spcs import SpcsHook

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, poll_initial=0.01, poll_max=0.05, max_attempts=4)


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    TOKEN_CACHE.clear()
    credentials.clear_jwt_cache()
    SHARED.clear()
    yield
    TOKEN_CACHE.clear()
    credentials.clear_jwt_cache()
    SHARED.clear()


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
