"""What the hook's method families need of :class:`~airflow_provider_spcs.hooks.spcs.SpcsHook`: its drivers.

The mixins (:mod:`._deploy`, :mod:`.secret_methods`) build steps and hand them to ``_run`` (on the
worker) or ``_arun`` (on an event loop); ``SpcsHook`` provides both, one SQL step and the service reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

if TYPE_CHECKING:
    from airflow_provider_spcs.core.effects import Steps
    from airflow_provider_spcs.core.runner import Runner
    from airflow_provider_spcs.core.secret_sql import SecretStatement
    from airflow_provider_spcs.core.services import ServiceReads

P = ParamSpec("P")
T = TypeVar("T")


class HookDrivers:
    """The drivers a method family runs its steps through (declared for type checking only)."""

    if TYPE_CHECKING:  # provided by SpcsHook

        def _run(self, make: Callable[Concatenate[Runner, P], Steps[T]], *args: P.args, **kwargs: P.kwargs) -> T: ...

        async def _arun(
            self, make: Callable[Concatenate[Runner, P], Steps[T]], *args: P.args, **kwargs: P.kwargs
        ) -> T: ...

        def _sql_steps(self, runner: Runner, statement: str | SecretStatement) -> Steps[list[dict[str, Any]]]: ...

        def _reads(self, runner: Runner, *, listing_for: float | None = None) -> ServiceReads: ...
