"""What every app of the emulator shares: the world, settings, tokens, sessions, statements, faults."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_spcs.testing.control.faults import FaultInjector
from airflow_provider_spcs.testing.control.stats import Stats
from airflow_provider_spcs.testing.handlers import Handler
from airflow_provider_spcs.testing.model.world import World
from airflow_provider_spcs.testing.wire.statement_store import StatementStore
from airflow_provider_spcs.testing.wire.token_issuer import TokenIssuer
from airflow_provider_spcs.testing.wire.user_directory import Directory

if TYPE_CHECKING:
    from airflow_provider_spcs.testing.control.emulator_control import EmulatorControl


@dataclass
class Settings:
    """Knobs tests may change at runtime (read on every request)."""

    token_lifetime: float = 3600.0
    clock_skew: float = 0.0
    session_token_lifetime: float = 3600.0
    master_token_lifetime: float = 14400.0
    spcs_token_lifetime: float = 3600.0
    rows_per_partition: int = 1000
    # How long a synchronous SQL API POST waits (polling) before answering 202. 0 answers at once,
    # so poll-driven state machines advance only when the client polls.
    sql_sync_wait: float = 0.0


@dataclass
class ConnectorSession:
    """A session opened by the Python connector's login-request."""

    session_id: str
    user: str
    role: str
    database: str | None
    schema: str | None
    warehouse: str | None
    numeric_id: int


@dataclass
class EmulatorState:
    """Everything the apps share. Mutated from the test thread and the server loop, hence the lock."""

    world: World
    account: str
    settings: Settings = field(default_factory=Settings)
    faults: FaultInjector = field(default_factory=FaultInjector)
    stats: Stats = field(default_factory=Stats)
    statements: StatementStore = field(default_factory=StatementStore)
    account_url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    sessions: dict[str, ConnectorSession] = field(default_factory=dict)
    handlers: dict[tuple[str, str], Handler] = field(
        default_factory=dict
    )  # (DB.SCHEMA.SERVICE, endpoint name lowercase)
    oauth_clients: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (secret, user)
    control: EmulatorControl | None = None  # the emulator object, for the admin routes
    issuer: TokenIssuer = field(init=False)
    directory: Directory = field(init=False)

    def __post_init__(self) -> None:
        self.issuer = TokenIssuer(self.now)
        self.directory = Directory(self.world)
        self._next_session = 1

    def now(self) -> float:
        """The server clock: wall time plus the injected clock skew."""
        return time.time() + self.settings.clock_skew

    def open_session(
        self, user: str, role: str, database: str | None, schema: str | None, warehouse: str | None
    ) -> ConnectorSession:
        """Create a connector session."""
        with self.lock:
            session = ConnectorSession(uuid.uuid4().hex, user, role, database, schema, warehouse, self._next_session)
            self._next_session += 1
            self.sessions[session.session_id] = session
            return session

    def close_session(self, session_id: str) -> None:
        """Forget a session: its session and master tokens stop working."""
        with self.lock:
            self.sessions.pop(session_id, None)

    def ingress_host_port(self, host: str) -> int | None:
        """The ingress port named by a scope host (``127.0.0.1:<port>``), if it is a public endpoint.

        Tolerates a scheme, a trailing slash and ``localhost`` because clients derive the host from
        the emulator's ``http://127.0.0.1:<port>`` ingress URL.
        """
        value = host.strip().lower()
        for prefix in ("http://", "https://"):
            value = value.removeprefix(prefix)
        value = value.rstrip("/")
        name, _, port = value.rpartition(":")
        if name not in ("127.0.0.1", "localhost") or not port.isdigit():
            return None
        found = self.world.endpoint_for_port(int(port))
        return int(port) if found is not None and found[1].is_public else None

    def session(self, session_id: str | None) -> ConnectorSession | None:
        """The live session ``session_id``, if any."""
        if session_id is None:
            return None
        with self.lock:
            return self.sessions.get(session_id)
