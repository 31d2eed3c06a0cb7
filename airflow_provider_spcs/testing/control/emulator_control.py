"""What the ``/_emulator/`` admin routes need from the emulator object beyond the shared state.

Adding or dropping a service changes which ports are served, and the session token file belongs to
the emulator, so those go through :class:`~airflow_provider_spcs.testing.SpcsEmulator`, which
satisfies :class:`EmulatorControl` and registers itself as ``EmulatorState.control``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from airflow_provider_spcs.testing.handlers import Handler
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import EndpointLike


class EmulatorControl(Protocol):
    """The emulator operations the admin routes use."""

    def add_service(
        self,
        name: str,
        *,
        database: str,
        schema: str,
        compute_pool: str,
        endpoints: Iterable[EndpointLike],
        containers: Sequence[str],
        start_after_polls: int,
        start_after_seconds: float,
        status: str,
    ) -> Service:
        """Create (or replace) a long-running service and serve its public endpoints."""
        ...

    def drop_service(self, name: str, database: str | None = None, schema: str | None = None) -> BaseService:
        """Drop a service and stop serving its endpoints; ``KeyError`` if there is none."""
        ...

    def set_handler(self, service: str, endpoint: str, handler: Handler | None) -> None:
        """Serve ``endpoint`` of ``service`` with ``handler`` (``None``: the echo handler)."""
        ...

    def session_token_file(self, user: str | None = None) -> str:
        """Write a fresh SPCS session token to the emulator's token file; return its path."""
        ...
