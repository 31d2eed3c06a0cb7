"""SpcsHook: Airflow glue over :mod:`airflow_provider_spcs.core`.

Each request, SQL and service method has an ``a``-prefixed async twin; both run the same effect
steps (see :mod:`airflow_provider_spcs.core.effects`) through the runner's one pair of drivers, one
with blocking I/O, one on the event loop (:meth:`SpcsHook.get_conn` and
:meth:`SpcsHook.test_connection` are sync only). Everything a hook caches is kept in the process
state (:mod:`airflow_provider_spcs.core.process`), shared with every other hook of the process. DAG
files import this module through operators, so the heavy parts of core (connector, JWT, key
parsing) are imported only when first used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from airflow.sdk import BaseHook

from airflow_provider_spcs.core import statements
from airflow_provider_spcs.core.offload import import_in_thread, in_thread
from airflow_provider_spcs.core.secrets import add_secret_sink
from airflow_provider_spcs.hooks._deploy import DeployMethods
from airflow_provider_spcs.hooks.secret_methods import SpcsSecretMethods

if TYPE_CHECKING:
    import httpx

    from airflow_provider_spcs.core.config import SpcsConfig
    from airflow_provider_spcs.core.connections import RunnerKey
    from airflow_provider_spcs.core.connector import ConnectorSession
    from airflow_provider_spcs.core.effects import Steps
    from airflow_provider_spcs.core.listing import SharedListingReads
    from airflow_provider_spcs.core.process import ProcessState
    from airflow_provider_spcs.core.retry import RetryPolicy
    from airflow_provider_spcs.core.runner import Runner
    from airflow_provider_spcs.core.secret_sql import SecretStatement
    from airflow_provider_spcs.core.service_watch import ServiceWatch, StatesLook
    from airflow_provider_spcs.core.services import Observation, ServiceReads, ServiceWait

log = logging.getLogger(__name__)

__all__ = ["SpcsHook"]

P = ParamSpec("P")
T = TypeVar("T")

#: What the async methods import on first use, imported in a worker thread by a hook's first async
#: call in a process (see :mod:`airflow_provider_spcs.core.offload`): on the triggerer's event
#: loop, these imports of a first trigger would stall every other trigger.
_ASYNC_PATH = (
    "httpx",
    "jwt",
    "airflow_provider_spcs.core.process",
    "airflow_provider_spcs.core.config",
    "airflow_provider_spcs.core.credentials",
    "airflow_provider_spcs.core.runner",
    "airflow_provider_spcs.core.ingress",
    "airflow_provider_spcs.core.sql_api",
    "airflow_provider_spcs.core.services",
    "airflow_provider_spcs.core.polling",
    "airflow_provider_spcs.core.listing",
)


def _mask(value: str) -> None:
    from airflow.sdk.log import mask_secret

    mask_secret(value)


# Core announces each secret the moment it exists; Airflow's masker must hear about all of them.
add_secret_sink(_mask)


class SpcsHook(DeployMethods, SpcsSecretMethods, BaseHook):
    """Talk to Snowpark Container Services with a ``snowflake_spcs`` connection.

    Calls service public endpoints (:meth:`request`), runs status SQL (:meth:`run_sql`,
    :meth:`describe_service`, ...), watches services (:meth:`observe_service`,
    :meth:`poll_service`), deploys services and operates compute pools (:meth:`create_service`,
    :meth:`upgrade_service`, :meth:`suspend_compute_pool`, ... and :meth:`poll_wait`; see
    :mod:`~airflow_provider_spcs.hooks._deploy`), writes Snowflake secrets
    (:meth:`create_or_update_secret`, from
    :class:`~airflow_provider_spcs.hooks.secret_methods.SpcsSecretMethods`) and opens connector
    sessions (:meth:`get_conn`). Tokens are cached
    process-wide and renewed shortly before they expire; a 401 triggers one re-authentication.

    :param spcs_conn_id: the Airflow connection id.
    :param timeout: per-request timeout in seconds.
    :param retry_policy: retry/backoff/poll policy (default :class:`~airflow_provider_spcs.core.retry.RetryPolicy`).
    :param statement_timeout: server-side timeout for SQL statements, in seconds.
    :param process: the caches to use (default: the process's own,
        :data:`~airflow_provider_spcs.core.process.PROCESS`); tests pass a fresh
        :class:`~airflow_provider_spcs.core.process.ProcessState`.
    """

    conn_name_attr = "spcs_conn_id"
    default_conn_name = "snowflake_spcs_default"
    conn_type = "snowflake_spcs"
    hook_name = "Snowflake SPCS"

    def __init__(
        self,
        spcs_conn_id: str = default_conn_name,
        *,
        timeout: float = 30.0,
        retry_policy: RetryPolicy | None = None,
        statement_timeout: int = 600,
        process: ProcessState | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.spcs_conn_id = spcs_conn_id
        self.timeout = timeout
        self.retry_policy = retry_policy
        self.statement_timeout = statement_timeout
        self._process = process
        self._config: SpcsConfig | None = None
        self._runner: Runner | None = None
        self._session: ConnectorSession | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(spcs_conn_id={self.spcs_conn_id!r})"

    @property
    def process(self) -> ProcessState:
        """The process state whose caches this hook uses."""
        if self._process is None:
            from airflow_provider_spcs.core.process import PROCESS

            self._process = PROCESS
        return self._process

    # configuration ------------------------------------------------------------------------------
    def get_config(self) -> SpcsConfig:
        """The connection's validated settings (once per hook; shared per process, see :mod:`~airflow_provider_spcs.core.process`).

        :raises SpcsConfigError: the connection is incomplete or inconsistent; the message names the field.
        """
        if self._config is None:
            self._config = self.process.connections.get(
                self.spcs_conn_id, lambda: self.get_connection(self.spcs_conn_id), self._config_of
            )
        return self._config

    async def aget_config(self) -> SpcsConfig:
        """Async twin of :meth:`get_config`; the connection lookup does not block the event loop."""
        if self._config is None:
            await import_in_thread(_ASYNC_PATH)
            self._config = await self.process.connections.aget(self.spcs_conn_id, self._aconnection, self._config_of)
        return self._config

    async def _aconnection(self) -> Any:
        # The synchronous lookup, in a worker thread: Airflow's aget_connection would do its part on
        # the event loop (a first import of its connection model, registering the password and
        # extras with the masker, which recompiles every pattern it has); in the thread the same
        # request reaches the triggerer's supervisor without holding up the loop.
        return await in_thread(self.get_connection, self.spcs_conn_id)

    @staticmethod
    def _config_of(conn: Any) -> SpcsConfig:
        """Settings of a ``snowflake_spcs`` or ``snowflake`` connection, read by the one reader in core."""
        from airflow_provider_spcs.core.config import SpcsConfig

        # The raw extra text, not extra_dejson: that one turns invalid JSON into {} with only a log line.
        return SpcsConfig.from_connection(
            conn_type=conn.conn_type, login=conn.login, password=conn.password, extra=conn.extra, schema=conn.schema
        )

    def _runner_key(self, config: SpcsConfig) -> RunnerKey:
        from airflow_provider_spcs.core.connections import RunnerKey

        return RunnerKey(self.spcs_conn_id, config, float(self.timeout), self._policy)

    def _build_runner(self, config: SpcsConfig) -> Runner:
        from airflow_provider_spcs.core.credentials import credential_for
        from airflow_provider_spcs.core.runner import Runner

        policy, process = self._policy, self.process

        def build() -> Runner:
            credential = credential_for(
                config, policy=policy, timeout=self.timeout, keys=process.keys, known_ingress=process.known_ingress
            )
            return Runner(credential, timeout=self.timeout, process=process)

        runner = process.connections.runner(self._runner_key(config), build)
        with self._lock:
            if self._runner is None:
                self._runner = runner
            return self._runner

    def get_runner(self) -> Runner:
        """The hook's runner: credential and token access, shared by hooks with the same settings."""
        return self._runner or self._build_runner(self.get_config())

    async def aget_runner(self) -> Runner:
        """Async twin of :meth:`get_runner` (a first key parsing runs in a worker thread)."""
        if self._runner is not None:
            return self._runner
        config = await self.aget_config()
        known = self.process.connections.known_runner(self._runner_key(config))
        if known is not None:
            with self._lock:
                self._runner = self._runner or known
            return self._runner
        return await in_thread(self._build_runner, config)

    @property
    def _policy(self) -> RetryPolicy:
        from airflow_provider_spcs.core.retry import RetryPolicy

        return self.retry_policy or RetryPolicy()

    def _run(self, make: Callable[Concatenate[Runner, P], Steps[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """The sync driver: build the steps with this hook's runner and run them with blocking I/O."""
        runner = self.get_runner()
        return runner.run(make(runner, *args, **kwargs))

    async def _arun(self, make: Callable[Concatenate[Runner, P], Steps[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """The async driver: the same steps, on the running event loop."""
        runner = await self.aget_runner()
        return await runner.arun(make(runner, *args, **kwargs))

    # ingress ------------------------------------------------------------------------------------
    def _request_steps(self, runner: Runner, method: str, url: str, kwargs: dict[str, Any]) -> Steps[httpx.Response]:
        from airflow_provider_spcs.core import ingress

        raise_for_status = kwargs.pop("raise_for_status", True)
        return ingress.call(
            runner.credential, method, url, policy=self._policy, raise_for_status=raise_for_status, **kwargs
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Call a service public endpoint with the connection's credentials.

        :param method: HTTP method.
        :param url: full URL on the ingress host (see :meth:`get_ingress_url`).
        :param kwargs: ``params``, ``headers``, ``cookies``, ``content``, ``data``, ``files``, ``json``,
            ``timeout`` (seconds for the whole call, retries included; default the hook's); and
            ``raise_for_status`` (default ``True``: non-2xx raises ``SpcsApiError``),
            ``follow_redirects`` (default ``False``; same origin only, at most 5 hops) and
            ``max_response_bytes`` (stop reading a larger body and raise ``SpcsApiError``).
        :return: the (read) response.
        :raises SpcsConfigError: ``url`` may not receive the connection's credentials (see
            :mod:`~airflow_provider_spcs.core.destinations`); nothing was sent.
        :raises SpcsAuthError: the credential was refused twice (401 or sign-in redirect).
        :raises SpcsApiError: non-2xx status (unless ``raise_for_status=False``), the host unreachable,
            the call's timeout spent, or the body larger than ``max_response_bytes``.
        """
        return self._run(self._request_steps, method, url, kwargs)

    async def arequest(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Async twin of :meth:`request`."""
        return await self._arun(self._request_steps, method, url, kwargs)

    @staticmethod
    def _headers_steps(runner: Runner, url: str) -> Steps[dict[str, str]]:
        from airflow_provider_spcs.core.auth import authorization

        return authorization(runner.credential, url)

    def ingress_headers(self, url: str) -> dict[str, str]:
        """Headers that authenticate a request to ``url``'s ingress host (for clients you bring yourself).

        :param url: any URL on the ingress host.
        """
        return self._run(self._headers_steps, url)

    async def aingress_headers(self, url: str) -> dict[str, str]:
        """Async twin of :meth:`ingress_headers`."""
        return await self._arun(self._headers_steps, url)

    # SQL ----------------------------------------------------------------------------------------
    def _sql_steps(self, runner: Runner, statement: str | SecretStatement) -> Steps[list[dict[str, Any]]]:
        from airflow_provider_spcs.core import sql_api
        from airflow_provider_spcs.core.effects import Blocking

        credential = runner.credential
        if credential.supports_sql_api:
            result = yield from sql_api.execute(
                credential, statement, policy=self._policy, timeout=self.statement_timeout
            )
            return result.records()
        kwargs = yield from credential.connect_kwargs()
        session = self._connector_session()
        rows: list[dict[str, Any]] = yield Blocking(lambda: session.query(kwargs, statement))
        return rows

    def _connector_session(self) -> ConnectorSession:
        from airflow_provider_spcs.core.connector import ConnectorSession

        with self._lock:
            if self._session is None:
                self._session = ConnectorSession()
            return self._session

    def run_sql(self, statement: str) -> list[dict[str, Any]]:
        """Run one SQL statement (SQL API, or the connector for password auth).

        Cells are Python values of their column type, the same on both paths: ``int`` (``Decimal``
        with a scale), ``bool``, ``str``, ``date``, and ``datetime`` (UTC for TIMESTAMP_LTZ, naive
        for TIMESTAMP_NTZ); see :func:`airflow_provider_spcs.core.sql_api.convert_cell`.

        :return: rows as dicts keyed by lowercase column name.
        :raises SpcsSqlError: the statement failed (code, SQL state, message).
        """
        return self._run(self._sql_steps, statement)

    async def arun_sql(self, statement: str) -> list[dict[str, Any]]:
        """Async twin of :meth:`run_sql`."""
        return await self._arun(self._sql_steps, statement)

    # services -----------------------------------------------------------------------------------
    def _reads(self, runner: Runner, *, listing_for: float | None = None) -> ServiceReads:
        """How this hook reads services: through its own SQL path.

        :param listing_for: the poll interval of a wait that shares the per-schema listing (see
            :mod:`~airflow_provider_spcs.core.listing`); it never gets a status older than half of it.
        """
        from airflow_provider_spcs.core.services import ServiceReads

        def sql(statement: str) -> Steps[list[dict[str, Any]]]:
            return self._sql_steps(runner, statement)

        if listing_for is None:
            return ServiceReads(sql)
        return self._shared_reads(runner, listing_for)

    def _shared_reads(self, runner: Runner, poll_interval: float) -> SharedListingReads:
        """Reads whose statuses come from the per-schema listing shared by every wait and watcher of
        the process (see :mod:`~airflow_provider_spcs.core.listing`); never older than half ``poll_interval``."""
        from airflow_provider_spcs.core.listing import FRESH_FOR, SharedListingReads

        def sql(statement: str) -> Steps[list[dict[str, Any]]]:
            return self._sql_steps(runner, statement)

        config = runner.credential.config
        return SharedListingReads(
            sql,
            conn_id=self.spcs_conn_id,
            database=config.database,
            schema=config.schema,
            fresh_for=min(FRESH_FOR, poll_interval / 2),
        )

    def _describe_steps(self, runner: Runner, name: str) -> Steps[dict[str, Any]]:
        return self._reads(runner).describe(name)

    def _status_steps(self, runner: Runner, name: str) -> Steps[str]:
        return self._reads(runner).status(name)

    def _rows_steps(self, runner: Runner, statement: Callable[[str], str], name: str) -> Steps[list[dict[str, Any]]]:
        return self._sql_steps(runner, statement(name))

    def _ingress_url_steps(self, runner: Runner, service: str, endpoint: str) -> Steps[str]:
        from airflow_provider_spcs.core.endpoints import public_ingress_url

        rows = yield from self._reads(runner).endpoints(service)
        url = public_ingress_url(rows, service, endpoint)
        runner.credential.known_ingress.remember(runner.credential.config, url)
        return url

    def _endpoints_steps(self, runner: Runner, name: str) -> Steps[list[dict[str, Any]]]:
        rows = yield from self._sql_steps(runner, statements.show_endpoints(name))
        runner.credential.known_ingress.remember_rows(runner.credential.config, rows)
        return rows

    def describe_service(self, name: str) -> dict[str, Any]:
        """``DESCRIBE SERVICE`` as one dict (lowercase keys).

        :param name: ``name``, ``schema.name`` or ``db.schema.name``; validated and quoted.
        :raises SpcsConfigError: the name is not a valid identifier (no request is made).
        """
        return self._run(self._describe_steps, name)

    async def adescribe_service(self, name: str) -> dict[str, Any]:
        """Async twin of :meth:`describe_service`."""
        return await self._arun(self._describe_steps, name)

    def get_service_status(self, name: str) -> str:
        """The service's status, uppercase (``PENDING``, ``RUNNING``, ``FAILED``, ``DONE``, ...)."""
        return self._run(self._status_steps, name)

    async def aget_service_status(self, name: str) -> str:
        """Async twin of :meth:`get_service_status`."""
        return await self._arun(self._status_steps, name)

    def get_service_containers(self, name: str) -> list[dict[str, Any]]:
        """``SHOW SERVICE CONTAINERS IN SERVICE``: one dict per container instance."""
        return self._run(self._rows_steps, statements.show_service_containers, name)

    async def aget_service_containers(self, name: str) -> list[dict[str, Any]]:
        """Async twin of :meth:`get_service_containers`."""
        return await self._arun(self._rows_steps, statements.show_service_containers, name)

    def get_service_endpoints(self, name: str) -> list[dict[str, Any]]:
        """``SHOW ENDPOINTS IN SERVICE``: one dict per endpoint.

        The public ingress hosts it reports may receive this connection's credentials from now on
        (in this process; see :mod:`~airflow_provider_spcs.core.destinations`).
        """
        return self._run(self._endpoints_steps, name)

    async def aget_service_endpoints(self, name: str) -> list[dict[str, Any]]:
        """Async twin of :meth:`get_service_endpoints`."""
        return await self._arun(self._endpoints_steps, name)

    def get_ingress_url(self, service: str, endpoint: str) -> str:
        """Base URL of a public endpoint: ``https://<host>`` for a bare host, else the URL as given.

        The host may receive this connection's credentials from now on, in this process.

        :raises SpcsNotReadyError: the endpoint is still provisioning.
        :raises SpcsConfigError: no such endpoint, or it is not public.
        """
        return self._run(self._ingress_url_steps, service, endpoint)

    async def aget_ingress_url(self, service: str, endpoint: str) -> str:
        """Async twin of :meth:`get_ingress_url`."""
        return await self._arun(self._ingress_url_steps, service, endpoint)

    # waiting on services ------------------------------------------------------------------------
    def _observe_steps(self, runner: Runner, wait: ServiceWait) -> Steps[Observation]:
        import time

        from airflow_provider_spcs.core.services import observe_service

        return observe_service(self._reads(runner), wait, clock=time.time)

    def _poll_steps(
        self,
        runner: Runner,
        wait: ServiceWait,
        poll_interval: float,
        on_wait: Callable[[Observation, float], None] | None,
        share_listing: bool,
    ) -> Steps[Observation]:
        import time

        from airflow_provider_spcs.core.polling import poll_until_final
        from airflow_provider_spcs.core.services import observe_service

        reads = self._reads(runner, listing_for=poll_interval if share_listing else None)
        return poll_until_final(
            lambda: observe_service(reads, wait, clock=time.time),
            interval=poll_interval,
            deadline=wait.deadline,
            on_wait=on_wait,
        )

    def observe_service(self, wait: ServiceWait) -> Observation:
        """One look at a service for ``wait``: status, decision, and endpoints or containers as needed.

        :param wait: the service, target statuses and deadline (:class:`~airflow_provider_spcs.core.services.ServiceWait`).
        :return: the observation; ``observation.final`` says whether the wait is over.
        """
        return self._run(self._observe_steps, wait)

    async def aobserve_service(self, wait: ServiceWait) -> Observation:
        """Async twin of :meth:`observe_service`."""
        return await self._arun(self._observe_steps, wait)

    def poll_service(
        self,
        wait: ServiceWait,
        *,
        poll_interval: float,
        on_wait: Callable[[Observation, float], None] | None = None,
        share_listing: bool = False,
    ) -> Observation:
        """Look at the service every ``poll_interval`` seconds until a look is final (see :func:`~airflow_provider_spcs.core.polling.poll_until_final`).

        :param wait: what the wait is for.
        :param poll_interval: seconds between looks (never sleeping past the deadline).
        :param on_wait: called with each non-final observation and the pause before the next look.
        :param share_listing: read statuses from one ``SHOW SERVICES IN SCHEMA`` shared by every wait
            of the process on the same schema (see :mod:`~airflow_provider_spcs.core.listing`).
        """
        return self._run(self._poll_steps, wait, poll_interval, on_wait, share_listing)

    async def apoll_service(
        self,
        wait: ServiceWait,
        *,
        poll_interval: float,
        on_wait: Callable[[Observation, float], None] | None = None,
        share_listing: bool = False,
    ) -> Observation:
        """Async twin of :meth:`poll_service` (the triggerer's loop)."""
        return await self._arun(self._poll_steps, wait, poll_interval, on_wait, share_listing)

    # watching services for status changes -----------------------------------------------------
    def _states_steps(
        self, runner: Runner, watch: ServiceWatch, previous: Mapping[str, str] | None, poll_interval: float
    ) -> Steps[StatesLook]:
        import time

        from airflow_provider_spcs.core.service_watch import observe_service_states

        return observe_service_states(self._shared_reads(runner, poll_interval), watch, previous, clock=time.time)

    def observe_service_states(
        self, watch: ServiceWatch, previous: Mapping[str, str] | None = None, *, poll_interval: float = 30.0
    ) -> StatesLook:
        """One look at the services ``watch`` names: their statuses now, and what changed since ``previous``.

        The statuses come from the schema's ``SHOW SERVICES IN SCHEMA``, shared with every status
        wait and watcher of the process on that schema (see :mod:`~airflow_provider_spcs.core.service_watch`).

        :param watch: the services and the changes that fire (:class:`~airflow_provider_spcs.core.service_watch.ServiceWatch`).
        :param previous: status by service name from the previous look; ``None``: a baseline, nothing fires.
        :param poll_interval: seconds between the caller's looks (a shared listing is never older than half of it).
        :raises SpcsError: the listing failed.
        """
        return self._run(self._states_steps, watch, previous, poll_interval)

    async def aobserve_service_states(
        self, watch: ServiceWatch, previous: Mapping[str, str] | None = None, *, poll_interval: float = 30.0
    ) -> StatesLook:
        """Async twin of :meth:`observe_service_states` (the watcher's loop in the triggerer)."""
        return await self._arun(self._states_steps, watch, previous, poll_interval)

    # connector and housekeeping -----------------------------------------------------------------
    def get_conn(self) -> Any:
        """A new ``snowflake.connector`` connection for this connection's credentials (caller closes it)."""
        from airflow_provider_spcs.core.connector import connect

        runner = self.get_runner()
        return connect(runner.run(runner.credential.connect_kwargs()))

    def test_connection(self) -> tuple[bool, str]:
        """Prove the credentials work with a trivial statement; never raises.

        :return: ``(True, description)`` or ``(False, reason)``.
        """
        try:
            config = self.get_config()
            rows = self.run_sql(statements.current_identity())
        except Exception as exc:  # the UI shows the reason; a crash would hide it
            return False, f"{type(exc).__name__}: {exc}"
        who = rows[0] if rows else {}
        user = who.get("user_name") or config.user
        return (
            True,
            f"Connected to account {config.account} as {user} (role {who.get('role_name')}, {config.auth_method})",
        )

    def close(self) -> None:
        """Release what this hook owns: its statement session (if the connector ran statements).

        HTTP connections belong to the process state's pool (:class:`~airflow_provider_spcs.core.clients.ClientPool`),
        shared with every other hook; it stays open for them and closes at interpreter exit.
        """
        if self._session is not None:
            self._session.close()

    async def aclose(self) -> None:
        """Async twin of :meth:`close` (logout runs in a worker thread).

        The event loop's shared HTTP client stays open for other hooks; it closes when the loop shuts down.
        """
        if self._session is not None:
            await in_thread(self._session.close)

    # legacy connection form (Airflow 3.0/3.1; 3.2+ reads conn-fields from provider info) ---------
    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Form widgets for every extra in :data:`core.fields.EXTRA_FIELDS` (empty without wtforms).

        Only the field classes Airflow 3.1 accepts (string, password, boolean): one other class
        and the whole connection type disappears from its form.
        """
        try:
            from flask_appbuilder.fieldwidgets import (  # type: ignore[import-not-found,unused-ignore]
                BS3PasswordFieldWidget,
                BS3TextFieldWidget,
            )
            from flask_babel import lazy_gettext  # type: ignore[import-not-found,unused-ignore]
            from wtforms import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
                BooleanField,
                PasswordField,
                StringField,
            )
            from wtforms.validators import Optional, any_of  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError:
            return {}
        from airflow_provider_spcs.core.fields import EXTRA_FIELDS

        widgets: dict[str, Any] = {}
        for f in EXTRA_FIELDS:
            label = lazy_gettext(f.label)
            if f.flag:
                widgets[f.name] = BooleanField(label, description=f.description)
            elif f.secret:
                widgets[f.name] = PasswordField(label, widget=BS3PasswordFieldWidget(), description=f.description)
            else:
                checks = [Optional(), any_of(list(f.enum))] if f.enum else []
                widgets[f.name] = StringField(
                    label, validators=checks, widget=BS3TextFieldWidget(), description=f.description
                )
        return widgets

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Hidden, relabelled and placeholder fields, shared with provider info's ``ui-field-behaviour``."""
        from airflow_provider_spcs._provider_info import UI_FIELD_BEHAVIOUR

        return {
            key: (list(value) if isinstance(value, list) else dict(value)) for key, value in UI_FIELD_BEHAVIOUR.items()
        }
