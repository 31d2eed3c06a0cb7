"""``SpcsEmulator``: the public face of the emulator (see the package docstring for a tour)."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

from airflow_provider_spcs.testing.airflow_connections import DEFAULT_CONN_ID, AuthMethod, OAuthClient, build_connection
from airflow_provider_spcs.testing.control.private_files import write_private_file
from airflow_provider_spcs.testing.default_world import (
    DEFAULT_ROLE,
    DEFAULT_SERVICE,
    DEFAULT_USER,
    DefaultCredentials,
    add_api_service,
    add_default_service,
    load_default_world,
    restore_default_world,
)
from airflow_provider_spcs.testing.handlers import Handler
from airflow_provider_spcs.testing.model.compute_pools import ComputePool
from airflow_provider_spcs.testing.model.job_services import JobOutcome, JobSpec
from airflow_provider_spcs.testing.model.long_running import Service
from airflow_provider_spcs.testing.model.names import DEFAULT_DATABASE, DEFAULT_SCHEMA, normalize_name
from airflow_provider_spcs.testing.model.pacing import Timings
from airflow_provider_spcs.testing.model.service_base import BaseService
from airflow_provider_spcs.testing.model.service_endpoints import EndpointLike
from airflow_provider_spcs.testing.model.stored_secrets import Secret
from airflow_provider_spcs.testing.model.users import User
from airflow_provider_spcs.testing.model.world import Checkpoint, World
from airflow_provider_spcs.testing.serving import EmulatorPorts
from airflow_provider_spcs.testing.wire.app_state import EmulatorState, Settings
from airflow_provider_spcs.testing.wire.customer_oauth import CUSTOMER_OAUTH_PATH, REFRESH_TOKEN_LIFETIME
from airflow_provider_spcs.testing.wire.key_pairs import KeyPair
from airflow_provider_spcs.testing.wire.snowflake_oauth import SNOWFLAKE_OAUTH_PATH

OAUTH_CLIENT_ID = "spcs-emulator-client"


class SpcsEmulator:
    """A local Snowflake + SPCS emulator served over real sockets on 127.0.0.1.

    One account port (connector login, SQL API v2, ``/oauth/token``, Snowflake OAuth's
    ``/oauth/token-request``, a customer OAuth server, ``/_emulator/*`` admin) plus one port per
    public service endpoint (SPCS ingress)::

        with SpcsEmulator() as emu:
            conn = emu.connection("key_pair")      # an Airflow connection dict
            url = emu.ingress_url("ECHO_SERVICE")  # http://127.0.0.1:<port>

    :param default_world: load user ``SPCS_USER`` (key pair, PAT, password; role ``SPCS_ROLE``),
        RUNNING service ``ECHO_SERVICE`` with public endpoint ``echo``, pool ``SPCS_POOL`` (ACTIVE),
        and on ``@SPCS_DB.APP.SPECS`` the job specs ``job.yaml`` / ``failing_job.yaml`` and the
        service specs ``echo_service.yaml``, ``echo_service_v2.yaml``, ``echo_service_broken.yaml``
        (its image is marked broken) and ``echo_service_template.yaml`` (``{{ tag }}``).
    :param account: the account identifier clients use (JWTs must carry it normalised, uppercase).
    :param token_lifetime: lifetime in seconds of tokens from ``/oauth/token`` and the OAuth server.
    :param clock_skew: seconds added to the server clock (JWT checks, token expiry).
    :param host: interface to listen on; loopback only unless you know why.
    :param port: account port (0 = any free port).
    """

    def __init__(
        self,
        default_world: bool = True,
        account: str = "myorg-myacct",
        token_lifetime: float = 3600.0,
        clock_skew: float = 0.0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._initial = (token_lifetime, clock_skew)
        self.world = World(account=account)
        self.state = EmulatorState(
            world=self.world, account=account, settings=Settings(token_lifetime=token_lifetime, clock_skew=clock_skew)
        )
        self._ports = EmulatorPorts(self.state, host, port)
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.session_token_path: str | None = None
        """Where :meth:`session_token_file` writes (``None``: a temporary file removed on :meth:`stop`)."""
        self.oauth_client_secret = secrets.token_urlsafe(24)
        """Client secret of :attr:`oauth_client_id` at the customer OAuth server."""
        self.oauth_client_id = OAUTH_CLIENT_ID
        """Client id registered at the customer OAuth server (acts as the default user)."""
        self._credentials: DefaultCredentials | None = None
        self._baseline: Checkpoint | None = None
        if default_world:
            self._credentials = load_default_world(self.world)
            add_default_service(self.world)
            add_api_service(self.world)
            self.state.oauth_clients[self.oauth_client_id] = (self.oauth_client_secret, DEFAULT_USER)
            self._baseline = self.world.checkpoint()
        self.state.control = self  # the /_emulator/ admin routes script the world through this object

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SpcsEmulator:
        """Start serving (idempotent). Returns ``self``."""
        self._ports.start()
        return self

    def stop(self) -> None:
        """Stop serving and free every port."""
        self._ports.stop()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> SpcsEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the servers are up."""
        return self._ports.running

    # -- identity and URLs ---------------------------------------------------------------------

    @property
    def account(self) -> str:
        """The account identifier (what goes into the connection extra ``account``)."""
        return self.state.account

    @property
    def account_url(self) -> str:
        """``http://127.0.0.1:<port>``: login, SQL API, ``/oauth/token``, OAuth server, admin."""
        if not self.state.account_url:
            raise RuntimeError("the emulator is not started")
        return self.state.account_url

    @property
    def oauth_token_endpoint(self) -> str:
        """Token URL of the customer OAuth server (client_credentials / refresh_token grants)."""
        return self.account_url + CUSTOMER_OAUTH_PATH

    @property
    def snowflake_oauth_endpoint(self) -> str:
        """Snowflake OAuth's token URL (``/oauth/token-request``) for :attr:`oauth_client_id`."""
        return self.account_url + SNOWFLAKE_OAUTH_PATH

    @property
    def user(self) -> str:
        """Name of the default user."""
        return DEFAULT_USER

    @property
    def role(self) -> str:
        """Default role of the default user."""
        return DEFAULT_ROLE

    def _require_default(self) -> DefaultCredentials:
        if self._credentials is None:
            raise RuntimeError("no default world: create users with add_user()")
        return self._credentials

    @property
    def key_pair(self) -> KeyPair:
        """The default user's key pair."""
        return self._require_default().key_pair

    @property
    def private_key_pem(self) -> str:
        """The default user's private key, PKCS#8 PEM, unencrypted."""
        return self.key_pair.private_key_pem

    @property
    def public_key_fingerprint(self) -> str:
        """``SHA256:<base64>`` of the default user's public key."""
        return self.key_pair.fingerprint

    def encrypted_private_key_pem(self, passphrase: str) -> str:
        """The default user's private key as an encrypted PKCS#8 PEM."""
        return self.key_pair.encrypted_private_key_pem(passphrase)

    @property
    def pat(self) -> str:
        """The default user's programmatic access token."""
        return self._require_default().pat

    @property
    def password(self) -> str:
        """The default user's password."""
        return self._require_default().password

    @property
    def token_lifetime(self) -> float:
        """Lifetime (s) of tokens minted by ``/oauth/token`` and the OAuth server; settable."""
        return self.state.settings.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, value: float) -> None:
        self.state.settings.token_lifetime = float(value)

    @property
    def clock_skew(self) -> float:
        """Seconds added to the server clock; settable (e.g. -120 makes fresh JWTs look early)."""
        return self.state.settings.clock_skew

    @clock_skew.setter
    def clock_skew(self, value: float) -> None:
        self.state.settings.clock_skew = float(value)

    @property
    def settings(self) -> Settings:
        """All runtime knobs (partition size, SQL API sync wait, token lifetimes...)."""
        return self.state.settings

    @property
    def timings(self) -> Timings:
        """How long the phases of objects created through SQL last (``world.timings``; reset per test)."""
        return self.world.timings

    # -- world scripting -----------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        public_key_pem: str | None = None,
        pat: str | None = None,
        password: str | None = None,
        default_role: str = "PUBLIC",
        roles: Iterable[str] = ("PUBLIC",),
    ) -> User:
        """Register a user with any of: an RSA public key (PEM), a PAT, a password."""
        role_list = list(roles)
        if "PUBLIC" not in (r.upper() for r in role_list):
            role_list.append("PUBLIC")
        return self.world.add_user(
            name,
            public_keys=[public_key_pem] if public_key_pem else [],
            pat=pat,
            password=password,
            default_role=default_role,
            roles=role_list,
        )

    def add_service(
        self,
        name: str,
        *,
        database: str = DEFAULT_DATABASE,
        schema: str = DEFAULT_SCHEMA,
        endpoints: Iterable[EndpointLike] = (("echo", True),),
        containers: Sequence[str] = ("main",),
        start_after_polls: int = 0,
        start_after_seconds: float = 0.0,
        provision_after_polls: int = 0,
        status: str = "RUNNING",
        access_roles: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> Service:
        """Create a service (see ``World.add_service``); each public endpoint gets an ingress port."""
        service = self.world.add_service(
            name,
            database=database,
            schema=schema,
            endpoints=endpoints,
            containers=containers,
            start_after_polls=start_after_polls,
            start_after_seconds=start_after_seconds,
            provision_after_polls=provision_after_polls,
            status=status,
            access_roles=access_roles,
            **kwargs,
        )
        self._ports.release_unused()  # a replaced service's endpoints stop being served
        return service  # its public endpoints got their ingress ports as it was stored

    def drop_service(self, name: str, database: str | None = None, schema: str | None = None) -> BaseService:
        """Drop a service or job service (as DROP SERVICE does) and stop serving its endpoints.

        :raises KeyError: there is no such service.
        """
        found = self.service(name, database, schema)
        self.world.drop_service(found)
        self._ports.release_unused()
        return found

    def service(self, name: str, database: str | None = None, schema: str | None = None) -> BaseService:
        """The service or job service called ``name``; raises ``KeyError`` if there is none."""
        found = self.world.service(name, database, schema)
        if found is None:
            raise KeyError(name)
        return found

    def compute_pool(self, name: str) -> ComputePool:
        """The compute pool called ``name``; raises ``KeyError`` if there is none."""
        found = self.world.compute_pools.get(normalize_name(name))
        if found is None:
            raise KeyError(name)
        return found

    def add_compute_pool(self, name: str, **kwargs: Any) -> ComputePool:
        """Create a compute pool, up at once (see ``World.add_compute_pool`` for the options)."""
        return self.world.add_compute_pool(name, **kwargs)

    def add_stage_file(self, stage: str, path: str, text: str) -> None:
        """Put a spec file or spec template on a stage, e.g.
        ``emu.add_stage_file("@SPCS_DB.APP.SPECS", "echo_v2.yaml", text)``."""
        self.world.add_stage_file(stage, path, text)

    def mark_image_broken(
        self,
        image: str,
        *,
        message: str = "Back-off restarting failed container",
        exit_code: int = 1,
        restart_count: int = 1,
    ) -> None:
        """Make containers started from ``image`` (e.g. ``"repo/img:bad"``) fail to start."""
        self.world.mark_image_broken(image, message=message, exit_code=exit_code, restart_count=restart_count)

    def add_secret(self, name: str, secret_type: str, **fields: Any) -> Secret:
        """Create a secret as CREATE SECRET would (see ``World.add_secret``), e.g.
        ``emu.add_secret("API_KEY", "GENERIC_STRING", secret_string="...")``."""
        return self.world.add_secret(name, secret_type, **fields)

    def ingress_url(self, service: str = DEFAULT_SERVICE, endpoint: str = "echo") -> str:
        """``http://127.0.0.1:<port>`` of a public endpoint."""
        ep = self.service(service).endpoint(endpoint)
        if ep is None or not ep.ingress_url:
            raise KeyError(f"{service}/{endpoint} has no ingress URL")
        return ep.ingress_url

    def set_handler(self, service: str, endpoint: str, handler: Handler | None) -> None:
        """Serve ``endpoint`` of ``service`` with ``handler`` (``None`` restores the echo handler)."""
        key = (self.service(service).qualified_name, endpoint.lower())
        with self.state.lock:
            if handler is None:
                self.state.handlers.pop(key, None)
            else:
                self.state.handlers[key] = handler

    def add_job_spec(
        self,
        stage: str,
        file: str,
        *,
        outcome: JobOutcome = "DONE",
        run_polls: int = 2,
        logs: Sequence[str] | dict[str, list[str]] = (),
        exit_code: int = 0,
        **kwargs: Any,
    ) -> JobSpec:
        """Register a job spec on a stage (see ``World.add_job_spec``)."""
        return self.world.add_job_spec(
            stage, file, outcome=outcome, run_polls=run_polls, logs=logs, exit_code=exit_code, **kwargs
        )

    # -- faults and counters ------------------------------------------------------------------

    def inject(
        self,
        route: str,
        *,
        status: int | None = None,
        count: int = 1,
        latency: float = 0.0,
        drop: bool = False,
        retry_after: float | None = None,
    ) -> None:
        """Arm a fault on the next ``count`` requests of ``route``.

        Routes: ``oauth_token``, ``sql_api``, ``login``, ``query``, ``token_request``, ``ingress``,
        ``oauth_server`` (customer OAuth), ``snowflake_oauth`` (``/oauth/token-request``).
        ``status`` answers e.g. 429/503/504 instead (with ``Retry-After`` if given); ``latency``
        delays first; ``drop`` closes the connection without an answer.
        """
        self.state.faults.inject(route, status=status, count=count, latency=latency, drop=drop, retry_after=retry_after)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        self.state.faults.clear()

    def stats(self) -> dict[str, Any]:
        """``{"requests": {route: n}, "jwts_verified", "tokens_minted", "exchanges", "sql_statements", "logins"}``."""
        return self.state.stats.snapshot()

    def statement_counts(self) -> dict[str, int]:
        """SQL statements run since the last reset, by form: ``{"SHOW SERVICES": 3, "DESCRIBE SERVICE": 1, ...}``.

        The form is the leading keywords a statement is routed by (``DESC`` counts as ``DESCRIBE``);
        a statement that starts like no known form counts under its first word.
        """
        return self.state.stats.statement_forms()

    def reset_stats(self) -> None:
        """Zero every counter."""
        self.state.stats.reset()

    def reset(self) -> None:
        """Cheap per-test isolation: counters, faults, handlers and settings back to their start
        values; with the default world, every object added since start (users, services and jobs,
        job specs and stage files, compute pools, secrets, broken images) is removed, the timings
        are the defaults again, ``SPCS_POOL`` and the default stage files are as new and
        ``ECHO_SERVICE`` is RUNNING on its original spec again (recreated if it was dropped)."""
        self.reset_stats()
        self.clear_faults()
        with self.state.lock:
            self.state.handlers.clear()
        self.state.settings = Settings(token_lifetime=self._initial[0], clock_skew=self._initial[1])
        if self._baseline is None:
            return
        self.world.restore(self._baseline)
        if not restore_default_world(self.world):
            add_default_service(self.world)
        self._ports.release_unused()

    # -- tokens ------------------------------------------------------------------------------

    def _user_or_default(self, user: str | None) -> User:
        found = self.world.user(user or DEFAULT_USER)
        if found is None:
            raise KeyError(user or DEFAULT_USER)
        return found

    def mint_session_token(self, user: str | None = None) -> str:
        """An SPCS in-container session token (``/snowflake/session/token``) for ``user``."""
        principal = self._user_or_default(user)
        return self.state.issuer.mint(
            "spcs",
            user=principal.name,
            role=principal.default_role,
            lifetime=self.state.settings.spcs_token_lifetime,
        )

    def write_session_token_file(self, path: str | os.PathLike[str], user: str | None = None) -> str:
        """Write a fresh SPCS session token to ``path`` (as Snowflake rotates it); return it.

        The file is replaced in one step (owner-only permissions), so a reader never sees half a token.
        """
        token = self.mint_session_token(user)
        write_private_file(path, token)
        return token

    def session_token_file(self, user: str | None = None) -> str:
        """Write a fresh session token to the emulator's token file and return the file's path.

        The file is :attr:`session_token_path` when set, else a temporary file;
        ``connection("spcs_token")`` points at it.
        """
        path = self.session_token_path
        if path is None:
            if self._tmpdir is None:
                self._tmpdir = tempfile.TemporaryDirectory(prefix="spcs-emulator-")
            path = os.path.join(self._tmpdir.name, "token")
        self.write_session_token_file(path, user)
        return path

    def mint_oauth_token(self, user: str | None = None, role: str | None = None) -> str:
        """A customer OAuth access token (what an external OAuth server would issue)."""
        principal = self._user_or_default(user)
        return self.state.issuer.mint(
            "oauth", user=principal.name, role=role or principal.default_role, lifetime=self.token_lifetime
        )

    @property
    def oauth_refresh_token(self) -> str:
        """A refresh token for :attr:`oauth_client_id` (for the refresh_token grant)."""
        return self.state.issuer.mint("refresh", user=DEFAULT_USER, role=DEFAULT_ROLE, lifetime=REFRESH_TOKEN_LIFETIME)

    # -- Airflow connections -----------------------------------------------------------------

    def connection(self, auth_method: AuthMethod = "key_pair", **extra_overrides: Any) -> dict[str, Any]:
        """A ready Airflow connection (dict, as in ``AIRFLOW_CONN_<ID>`` JSON) for the default user.

        ``extra_overrides`` replace extra fields (``None`` removes one); ``login``/``password``
        keys set the top-level fields instead.
        """
        credentials = self._require_default()
        return build_connection(
            auth_method,
            account=self.account,
            account_url=self.account_url,
            credentials=credentials,
            oauth_client=OAuthClient(self.oauth_token_endpoint, self.oauth_client_id, self.oauth_client_secret),
            token_file=self.session_token_file,
            overrides=extra_overrides,
        )

    def connection_env(
        self, conn_id: str = DEFAULT_CONN_ID, auth_method: AuthMethod = "key_pair", **extra_overrides: Any
    ) -> tuple[str, str]:
        """``("AIRFLOW_CONN_<CONN_ID>", "<connection JSON>")`` for ``os.environ`` / monkeypatch."""
        return f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(self.connection(auth_method, **extra_overrides))
