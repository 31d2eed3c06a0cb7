"""The hook's deploy family: create, upgrade, alter and drop services; compute pools; waits on them.

A mixin of :class:`~airflow_provider_spcs.hooks.spcs.SpcsHook`. Each method has an ``a``-prefixed
async twin, and both run the same steps (:mod:`airflow_provider_spcs.core.deployments`,
:mod:`airflow_provider_spcs.core.compute_pools`, :mod:`airflow_provider_spcs.core.rollouts`)
through the hook's one pair of drivers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_spcs.hooks._drivers import HookDrivers

if TYPE_CHECKING:
    from airflow_provider_spcs.core.compute_pools import ComputePools
    from airflow_provider_spcs.core.deployments import ServiceDeployments
    from airflow_provider_spcs.core.effects import Steps
    from airflow_provider_spcs.core.polling import Observation, Wait
    from airflow_provider_spcs.core.rollouts import SpecChange
    from airflow_provider_spcs.core.runner import Runner
    from airflow_provider_spcs.core.service_properties import ServiceProperties
    from airflow_provider_spcs.core.specs import ServiceSpec

O = TypeVar("O", bound="Observation")  # noqa: E741 - what one look of a wait returns


class DeployMethods(HookDrivers):
    """Deploying services and operating compute pools (mixed into ``SpcsHook``)."""

    def _deployments(self, runner: Runner) -> ServiceDeployments:
        from airflow_provider_spcs.core.deployments import ServiceDeployments

        return ServiceDeployments(lambda statement: self._sql_steps(runner, statement))

    def _pools(self, runner: Runner) -> ComputePools:
        from airflow_provider_spcs.core.compute_pools import ComputePools

        return ComputePools(lambda statement: self._sql_steps(runner, statement))

    # services -----------------------------------------------------------------------------------
    def create_service(
        self,
        name: str,
        *,
        compute_pool: str,
        spec: ServiceSpec,
        properties: ServiceProperties | None = None,
        tags: Mapping[str, str] | None = None,
        if_not_exists: bool = True,
    ) -> bool:
        """``CREATE SERVICE [IF NOT EXISTS]`` (see :func:`~airflow_provider_spcs.core.statements.create_service`).

        :param name: ``name``, ``schema.name`` or ``db.schema.name``.
        :param compute_pool: the compute pool to run in.
        :param spec: where the specification comes from.
        :param properties: instance bounds, AUTO_RESUME, warehouse, integrations, log level, comment.
        :param tags: tag name to value.
        :param if_not_exists: leave an existing service alone instead of failing.
        :return: ``True`` if the service was created, ``False`` if it existed (and was left alone).
        :raises SpcsConfigError: an invalid name or value (nothing is sent).
        :raises SpcsSqlError: Snowflake refused (e.g. the name is taken without ``if_not_exists``).
        """
        return self._run(
            lambda runner: self._deployments(runner).create(
                name,
                compute_pool=compute_pool,
                spec=spec,
                properties=properties,
                tags=tags,
                if_not_exists=if_not_exists,
            )
        )

    async def acreate_service(
        self,
        name: str,
        *,
        compute_pool: str,
        spec: ServiceSpec,
        properties: ServiceProperties | None = None,
        tags: Mapping[str, str] | None = None,
        if_not_exists: bool = True,
    ) -> bool:
        """Async twin of :meth:`create_service`."""
        return await self._arun(
            lambda runner: self._deployments(runner).create(
                name,
                compute_pool=compute_pool,
                spec=spec,
                properties=properties,
                tags=tags,
                if_not_exists=if_not_exists,
            )
        )

    def upgrade_service(self, name: str, spec: ServiceSpec) -> SpecChange:
        """``ALTER SERVICE ... FROM <spec>``: start a rolling upgrade; wait for it with :meth:`poll_wait`.

        The same specification again restarts every instance too (how env-var secrets are refreshed).

        :return: the ``spec_digest`` before and after, and when the ALTER returned.
        """
        return self._run(lambda runner: self._deployments(runner).upgrade(name, spec))

    async def aupgrade_service(self, name: str, spec: ServiceSpec) -> SpecChange:
        """Async twin of :meth:`upgrade_service`."""
        return await self._arun(lambda runner: self._deployments(runner).upgrade(name, spec))

    def restart_service_on_current_spec(self, name: str) -> SpecChange:
        """A rolling restart: :meth:`upgrade_service` to the spec ``DESCRIBE SERVICE`` shows, sent inline.

        Every instance restarts (one at a time) on the same spec, so env-var secrets are read again;
        wait for it with :meth:`poll_wait` and an :class:`~airflow_provider_spcs.core.rollouts.UpgradeWait`.
        File-mounted secrets need no restart: Snowflake updates them in running containers.

        :return: the ``spec_digest`` before and after (the same), and when the ALTER returned.
        :raises SpcsConfigError: an invalid name, no spec, or a spec containing ``$$`` (it cannot be
            sent inline: upgrade from a stage file instead).
        """
        return self._run(lambda runner: self._deployments(runner).restart(name))

    async def arestart_service_on_current_spec(self, name: str) -> SpecChange:
        """Async twin of :meth:`restart_service_on_current_spec`."""
        return await self._arun(lambda runner: self._deployments(runner).restart(name))

    def alter_service(
        self,
        name: str,
        *,
        properties: ServiceProperties | None = None,
        unset: Iterable[str] = (),
        if_exists: bool = False,
    ) -> None:
        """``ALTER SERVICE ... SET`` the ``properties`` given and/or ``UNSET`` the names in ``unset``.

        :param unset: property names (``min_instances`` or ``MIN_INSTANCES``) back to their defaults.
        :param if_exists: do nothing when the service does not exist.
        """
        names = tuple(unset)
        self._run(
            lambda runner: self._deployments(runner).alter(
                name, properties=properties, unset=names, if_exists=if_exists
            )
        )

    async def aalter_service(
        self,
        name: str,
        *,
        properties: ServiceProperties | None = None,
        unset: Iterable[str] = (),
        if_exists: bool = False,
    ) -> None:
        """Async twin of :meth:`alter_service`."""
        names = tuple(unset)
        await self._arun(
            lambda runner: self._deployments(runner).alter(
                name, properties=properties, unset=names, if_exists=if_exists
            )
        )

    def drop_service(self, name: str, *, if_exists: bool = True, force: bool = False) -> None:
        """``DROP SERVICE [IF EXISTS] <name> [FORCE]``."""
        self._run(lambda runner: self._deployments(runner).drop(name, if_exists=if_exists, force=force))

    async def adrop_service(self, name: str, *, if_exists: bool = True, force: bool = False) -> None:
        """Async twin of :meth:`drop_service`."""
        await self._arun(lambda runner: self._deployments(runner).drop(name, if_exists=if_exists, force=force))

    def get_service_instances(self, name: str) -> list[dict[str, Any]]:
        """``SHOW SERVICE INSTANCES IN SERVICE``: one dict per instance (``status``, ``spec_digest``, ...)."""
        return self._run(lambda runner: self._deployments(runner).instances(name))

    async def aget_service_instances(self, name: str) -> list[dict[str, Any]]:
        """Async twin of :meth:`get_service_instances`."""
        return await self._arun(lambda runner: self._deployments(runner).instances(name))

    # compute pools ------------------------------------------------------------------------------
    def describe_compute_pool(self, name: str) -> dict[str, Any]:
        """``DESCRIBE COMPUTE POOL`` as one dict (``state``, ``error_code``, ``status_message``, ...)."""
        return self._run(lambda runner: self._pools(runner).describe(name))

    async def adescribe_compute_pool(self, name: str) -> dict[str, Any]:
        """Async twin of :meth:`describe_compute_pool`."""
        return await self._arun(lambda runner: self._pools(runner).describe(name))

    def get_compute_pool_state(self, name: str) -> str:
        """The pool's ``state``, uppercase (``ACTIVE``, ``IDLE``, ``SUSPENDED``, ``STARTING``, ...)."""
        return self._run(lambda runner: self._pools(runner).facts(name)).state

    async def aget_compute_pool_state(self, name: str) -> str:
        """Async twin of :meth:`get_compute_pool_state`."""
        return (await self._arun(lambda runner: self._pools(runner).facts(name))).state

    def list_compute_pools(self, like: str | None = None) -> list[dict[str, Any]]:
        """``SHOW COMPUTE POOLS [LIKE '<pattern>']`` rows."""
        return self._run(lambda runner: self._pools(runner).show(like))

    async def alist_compute_pools(self, like: str | None = None) -> list[dict[str, Any]]:
        """Async twin of :meth:`list_compute_pools`."""
        return await self._arun(lambda runner: self._pools(runner).show(like))

    def suspend_compute_pool(self, name: str, *, stop_all: bool = False, if_exists: bool = False) -> None:
        """Suspend a compute pool (its services are suspended with it).

        :param stop_all: first ``STOP ALL``: **drop** every service on the pool and cancel its jobs.
        :param if_exists: do nothing when the pool does not exist.
        """
        self._run(lambda runner: self._pools(runner).suspend(name, stop_all=stop_all, if_exists=if_exists))

    async def asuspend_compute_pool(self, name: str, *, stop_all: bool = False, if_exists: bool = False) -> None:
        """Async twin of :meth:`suspend_compute_pool`."""
        await self._arun(lambda runner: self._pools(runner).suspend(name, stop_all=stop_all, if_exists=if_exists))

    def resume_compute_pool(self, name: str, *, if_exists: bool = False) -> None:
        """Resume a compute pool (services on it stay suspended until resumed themselves)."""
        self._run(lambda runner: self._pools(runner).resume(name, if_exists=if_exists))

    async def aresume_compute_pool(self, name: str, *, if_exists: bool = False) -> None:
        """Async twin of :meth:`resume_compute_pool`."""
        await self._arun(lambda runner: self._pools(runner).resume(name, if_exists=if_exists))

    # waits --------------------------------------------------------------------------------------
    def _observe_wait_steps(self, runner: Runner, wait: Wait[O]) -> Steps[O]:
        return wait.observe(self._reads(runner), clock=time.time)

    def _poll_wait_steps(
        self,
        runner: Runner,
        wait: Wait[O],
        poll_interval: float,
        on_wait: Callable[[O, float], None] | None,
        share_listing: bool,
        phase: float | None,
    ) -> Steps[O]:
        from airflow_provider_spcs.core.polling import poll_until_final

        reads = self._reads(runner, listing_for=poll_interval if share_listing else None)
        return poll_until_final(
            lambda: wait.observe(reads, clock=time.time),
            interval=poll_interval,
            deadline=wait.deadline,
            on_wait=on_wait,
            phase=phase,
        )

    def observe_wait(self, wait: Wait[O]) -> O:
        """One look for ``wait`` (an :class:`~airflow_provider_spcs.core.rollouts.UpgradeWait`,
        :class:`~airflow_provider_spcs.core.rollouts.ScaleWait` or
        :class:`~airflow_provider_spcs.core.compute_pools.ComputePoolWait`); ``.final`` says whether it is over."""
        return self._run(self._observe_wait_steps, wait)

    async def aobserve_wait(self, wait: Wait[O]) -> O:
        """Async twin of :meth:`observe_wait`."""
        return await self._arun(self._observe_wait_steps, wait)

    def poll_wait(
        self,
        wait: Wait[O],
        *,
        poll_interval: float,
        on_wait: Callable[[O, float], None] | None = None,
        share_listing: bool = False,
        phase: float | None = None,
    ) -> O:
        """Look every ``poll_interval`` seconds until a look is final (never sleeping past the deadline).

        :param on_wait: called with each non-final observation and the pause before the next look.
        :param share_listing: read service rows from one ``SHOW SERVICES IN SCHEMA`` shared by every
            wait of the process on the same schema (see :mod:`~airflow_provider_spcs.core.listing`).
        :param phase: look this many seconds into each interval (see
            :func:`~airflow_provider_spcs.core.polling.next_poll_sleep`), so waits deferred together
            keep their looks apart.
        """
        return self._run(self._poll_wait_steps, wait, poll_interval, on_wait, share_listing, phase)

    async def apoll_wait(
        self,
        wait: Wait[O],
        *,
        poll_interval: float,
        on_wait: Callable[[O, float], None] | None = None,
        share_listing: bool = False,
        phase: float | None = None,
    ) -> O:
        """Async twin of :meth:`poll_wait` (the triggerer's loop)."""
        return await self._arun(self._poll_wait_steps, wait, poll_interval, on_wait, share_listing, phase)
