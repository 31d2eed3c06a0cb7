"""The hook's secret methods (:class:`SpcsHook <airflow_provider_spcs.hooks.spcs.SpcsHook>` mixes them in).

Each has an ``a``-prefixed async twin; both run the same steps of
:mod:`airflow_provider_spcs.core.secret_writes` through the hook's drivers. Values come in as
:mod:`~airflow_provider_spcs.core.secret_values` objects (which announced themselves to the masker
when they were made); what comes back is metadata. Restarting a service so that its env-var secrets
are read again is a deploy method
(:meth:`~airflow_provider_spcs.hooks.spcs.SpcsHook.restart_service_on_current_spec`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_spcs.hooks._drivers import HookDrivers

if TYPE_CHECKING:
    from airflow_provider_spcs.core.effects import Steps
    from airflow_provider_spcs.core.identifiers import QualifiedName
    from airflow_provider_spcs.core.runner import Runner
    from airflow_provider_spcs.core.secret_values import SecretValue
    from airflow_provider_spcs.core.secret_writes import SecretWrite


class SpcsSecretMethods(HookDrivers):
    """Write, describe and drop Snowflake secrets."""

    # secrets ------------------------------------------------------------------------------------
    def _write_secret_steps(
        self, runner: Runner, name: str | QualifiedName, value: SecretValue, or_replace: bool, comment: str | None
    ) -> Steps[SecretWrite]:
        from airflow_provider_spcs.core.secret_writes import write_secret

        return write_secret(
            lambda statement: self._sql_steps(runner, statement), name, value, or_replace=or_replace, comment=comment
        )

    def create_or_update_secret(
        self,
        name: str | QualifiedName,
        value: SecretValue,
        *,
        or_replace: bool = False,
        comment: str | None = None,
    ) -> SecretWrite:
        """Create the secret, or set its new value with ``ALTER SECRET ... SET`` if it exists.

        Idempotent, and grants on an existing secret stay. ``or_replace=True`` sends ``CREATE OR
        REPLACE SECRET`` instead, which drops every grant on it (services lose READ until granted
        again). The statement text is never logged, stored or put in an error: a failure reads
        ``ALTER SECRET "DB"."S"."N" SET SECRET_STRING = *** failed (Snowflake error 002003): ...``.

        :param name: ``name``, ``schema.name`` or ``db.schema.name``; validated before any SQL.
        :param value: a :class:`~airflow_provider_spcs.core.secret_values.PasswordSecret`,
            :class:`~airflow_provider_spcs.core.secret_values.GenericStringSecret` or
            :class:`~airflow_provider_spcs.core.secret_values.OAuth2CodeSecret`.
        :param or_replace: recreate instead of altering.
        :param comment: the secret's comment (kept as it is when ``None``).
        :return: what was done (metadata only).
        :raises SpcsConfigError: an invalid name or value, or an existing secret of another type.
        :raises SpcsSqlError: Snowflake refused the statement.
        """
        return self._run(self._write_secret_steps, name, value, or_replace, comment)

    async def acreate_or_update_secret(
        self,
        name: str | QualifiedName,
        value: SecretValue,
        *,
        or_replace: bool = False,
        comment: str | None = None,
    ) -> SecretWrite:
        """Async twin of :meth:`create_or_update_secret`."""
        return await self._arun(self._write_secret_steps, name, value, or_replace, comment)

    def _describe_secret_steps(self, runner: Runner, name: str | QualifiedName) -> Steps[dict[str, Any]]:
        from airflow_provider_spcs.core.secret_writes import describe_secret

        return describe_secret(lambda statement: self._sql_steps(runner, statement), name)

    def describe_secret(self, name: str | QualifiedName) -> dict[str, Any]:
        """``DESCRIBE SECRET`` as one dict (lowercase keys): metadata only, never the value.

        :raises SpcsConfigError: the name is invalid (no request is made).
        :raises SpcsSqlError: the secret does not exist or the role may not see it (``002003``).
        """
        return self._run(self._describe_secret_steps, name)

    async def adescribe_secret(self, name: str | QualifiedName) -> dict[str, Any]:
        """Async twin of :meth:`describe_secret`."""
        return await self._arun(self._describe_secret_steps, name)

    def _drop_secret_steps(self, runner: Runner, name: str | QualifiedName, if_exists: bool) -> Steps[bool]:
        from airflow_provider_spcs.core.secret_writes import drop_secret

        return drop_secret(lambda statement: self._sql_steps(runner, statement), name, if_exists=if_exists)

    def drop_secret(self, name: str | QualifiedName, *, if_exists: bool = True) -> bool:
        """``DROP SECRET [IF EXISTS]``.

        :return: whether there was a secret to drop.
        :raises SpcsSqlError: no such secret and ``if_exists=False``.
        """
        return self._run(self._drop_secret_steps, name, if_exists)

    async def adrop_secret(self, name: str | QualifiedName, *, if_exists: bool = True) -> bool:
        """Async twin of :meth:`drop_secret`."""
        return await self._arun(self._drop_secret_steps, name, if_exists)
