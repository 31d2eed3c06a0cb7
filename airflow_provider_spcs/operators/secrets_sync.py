"""``SpcsSecretFromConnectionOperator``: feed a Snowflake SECRET from an Airflow connection."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook, BaseOperator

from airflow_provider_spcs.core.identifiers import service_name
from airflow_provider_spcs.core.rollouts import UpgradeWait
from airflow_provider_spcs.core.secret_sources import (
    ConnectionFields,
    check_field,
    secret_from_connection,
    secret_type_of,
)
from airflow_provider_spcs.core.statements import secret_name
from airflow_provider_spcs.operators._common import DEFAULT_CONN_ID, closing_hook, deadline_after, make_hook
from airflow_provider_spcs.operators._waits import poll_here
from airflow_provider_spcs.triggers.events import ServiceEvent

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_spcs.core.rollouts import SpecChange
    from airflow_provider_spcs.core.secret_values import SecretValue
    from airflow_provider_spcs.hooks.spcs import SpcsHook


class SpcsSecretFromConnectionOperator(BaseOperator):
    """Write a Snowflake secret from an Airflow connection, and restart the services that read it at start.

    The value is read from ``source_conn_id`` on the worker when the task runs, handed to Airflow's
    log masker at once, and sent in one SQL API request (or connector call) to Snowflake. It never
    passes through the operator's arguments, templates, XCom, trigger kwargs or events, and the
    statement text carrying it is never logged or put in an error: a failure reads ``ALTER SECRET
    "DB"."S"."N" SET SECRET_STRING = *** failed (Snowflake error ...)``.

    The secret is created when missing and otherwise given the new value with ``ALTER SECRET ...
    SET`` (idempotent; grants stay). Services mount a secret as a file (``directoryPath``: updated
    in running containers at once) or as an env var (``envVarName``: read when the container
    starts). List the latter in ``refresh_services``: each is restarted on the spec it already runs
    (``ALTER SERVICE ... FROM SPECIFICATION``, a rolling restart) so it picks the new value up, one
    service after the other. With ``wait_for_refresh`` each rollout is waited for on the worker as
    :class:`~airflow_provider_spcs.operators.deploy.SpcsUpgradeServiceOperator` waits: until the
    service is no longer upgrading and every instance is ``READY`` again, failing at once with the
    containers' messages when an instance fails.

    Pushes to XCom: ``{"secret", "secret_type", "action", "written_at", "refreshed_services"}``
    (``action`` is ``created``, ``updated`` or ``replaced``): metadata only.

    :param secret: the secret to write (``name``, ``schema.name`` or ``db.schema.name``); validated
        and quoted, refused before any SQL if invalid.
    :param source_conn_id: the Airflow connection holding the value (any connection type, e.g.
        ``generic``; any secrets backend).
    :param secret_type: ``PASSWORD`` (login -> ``USERNAME``, password -> ``PASSWORD``),
        ``GENERIC_STRING`` (``source_field`` -> ``SECRET_STRING``) or ``OAUTH2`` (authorization
        code flow: ``source_field`` -> ``OAUTH_REFRESH_TOKEN``, ``expiry_field`` ->
        ``OAUTH_REFRESH_TOKEN_EXPIRY_TIME``, plus ``api_authentication``).
    :param source_field: where the value is: ``password`` (default), ``login`` or ``extra.<key>``
        (e.g. ``extra.api_key``). Not for ``PASSWORD``.
    :param expiry_field: ``OAUTH2`` only: where the refresh token's expiry is (ISO 8601 or epoch
        seconds); default ``extra.refresh_token_expiry_time``.
    :param api_authentication: ``OAUTH2`` only: the security integration that redeems the token.
    :param or_replace: ``CREATE OR REPLACE SECRET`` instead of ALTER. This drops every grant on the
        secret (services lose READ until you grant it again): use it only to change the type.
    :param comment: the secret's comment (an existing secret keeps its comment when ``None``).
    :param refresh_services: services that mount the secret as an env var, restarted on their
        current spec after the write.
    :param wait_for_refresh: wait until each restarted service is rolled out (not upgrading, every
        instance ``READY`` on its spec) before restarting the next.
    :param wait_timeout: seconds to wait for each rollout.
    :param poll_interval: seconds between rollout checks.
    :param spcs_conn_id: the Snowflake connection that writes the secret (``snowflake_spcs`` or ``snowflake``).
    """

    template_fields: Sequence[str] = ("secret", "source_conn_id", "comment", "refresh_services")
    ui_color = "#29b5e8"

    def __init__(
        self,
        *,
        secret: str,
        source_conn_id: str,
        secret_type: str = "GENERIC_STRING",
        source_field: str | None = None,
        expiry_field: str | None = None,
        api_authentication: str | None = None,
        or_replace: bool = False,
        comment: str | None = None,
        refresh_services: Sequence[str] = (),
        wait_for_refresh: bool = False,
        wait_timeout: float = 1800.0,
        poll_interval: float = 15.0,
        spcs_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.secret = secret
        self.source_conn_id = source_conn_id
        self.secret_type = secret_type_of(secret_type)
        self.source_field = None if source_field is None else check_field(source_field, parameter="source_field")
        self.expiry_field = None if expiry_field is None else check_field(expiry_field, parameter="expiry_field")
        self.api_authentication = api_authentication
        self.or_replace = or_replace
        self.comment = comment
        self.refresh_services = list(refresh_services)
        self.wait_for_refresh = wait_for_refresh
        self.wait_timeout = float(wait_timeout)
        self.poll_interval = float(poll_interval)
        self.spcs_conn_id = spcs_conn_id

    @cached_property
    def hook(self) -> SpcsHook:
        """The hook, built once per task run."""
        return make_hook(self.spcs_conn_id)

    def execute(self, context: Context) -> dict[str, Any]:
        """Validate the names, read the value, write the secret, restart ``refresh_services``."""
        target = secret_name(self.secret)
        services = [".".join(service_name(s, field="refresh_services").parts) for s in self.refresh_services]
        with closing_hook(self):
            write = self.hook.create_or_update_secret(
                target, self._read_value(), or_replace=self.or_replace, comment=self.comment
            )
            self.log.info("Secret %s %s (%s)", write.secret, write.action, write.secret_type)
            for service in services:
                change = self.hook.restart_service_on_current_spec(service)
                self.log.info(
                    "Service %s: restarting on its current spec (spec_digest %s) so env-var secrets are read again",
                    service,
                    change.new_spec_digest,
                )
                if self.wait_for_refresh:
                    self._wait_for_rollout(change)
        return {**write.to_dict(), "refreshed_services": services}

    def _wait_for_rollout(self, change: SpecChange) -> None:
        """The deploy operators' rollout wait, on the worker: every instance READY again on the digest."""
        wait = UpgradeWait.after(change, deadline=deadline_after(self.wait_timeout))
        subject = f"Service {change.service}"
        observation = poll_here(self, self.hook, wait, subject=subject, poll_interval=self.poll_interval)
        event = ServiceEvent.from_observation(change.service, observation)
        event.raise_for_status()
        self.log.info("%s: %s", subject, event.message)

    def _read_value(self) -> SecretValue:
        """The value from the source connection, announced to the masker as each field is read."""
        conn = BaseHook.get_connection(self.source_conn_id)
        fields = ConnectionFields(self.source_conn_id, conn.login, conn.password, conn.extra)
        return secret_from_connection(
            fields,
            self.secret_type,
            source_field=self.source_field,
            expiry_field=self.expiry_field,
            api_authentication=self.api_authentication,
        )
