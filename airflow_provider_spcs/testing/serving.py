"""The emulator's ports: the account app on one, and one ingress app per public endpoint.

Endpoints get their port as soon as the emulator runs (or, for a service created later, when it
is added), and the port is served until the endpoint's service is gone.
"""

from __future__ import annotations

from airflow_provider_spcs.testing.server import ServerThread
from airflow_provider_spcs.testing.wire.account_app import build_account_app
from airflow_provider_spcs.testing.wire.app_state import EmulatorState
from airflow_provider_spcs.testing.wire.ingress_proxy import build_ingress_app


class EmulatorPorts:
    """Serves ``state`` on ``host``: the account app on ``port`` (0 = any free port), ingress beside it."""

    def __init__(self, state: EmulatorState, host: str, port: int) -> None:
        self._state = state
        self._host = host
        self._port = port
        self._server = ServerThread()
        self._ingress: set[int] = set()
        # Services created through SQL get their ingress ports as soon as they exist.
        state.world.endpoint_listeners.append(self.bind_ingress)

    @property
    def running(self) -> bool:
        """Whether the servers are up."""
        return self._server.running

    def start(self) -> None:
        """Serve the account app and every public endpoint (idempotent)."""
        if self._server.running:
            return
        self._server.start()
        port = self._server.add(lambda _p: build_account_app(self._state), host=self._host, port=self._port)
        self._state.account_url = f"http://{self._host}:{port}"
        self.bind_ingress()

    def stop(self) -> None:
        """Stop serving, free every port and forget the endpoints' ingress URLs."""
        self._server.stop()
        self._ingress.clear()
        for service in self._state.world.list_services():
            for endpoint in service.endpoints:
                endpoint.ingress_url = None

    def bind_ingress(self) -> None:
        """Give every public endpoint without a served ingress port its own port (when running).

        Runs under the world's lock: the test thread and statements on the server thread may both
        add services at once.
        """
        if not self._server.running:
            return
        with self._state.world.lock:
            for service in self._state.world.list_services():
                for endpoint in service.endpoints:
                    if not endpoint.is_public or endpoint.ingress_port in self._ingress:
                        continue
                    port = self._server.add(lambda p: build_ingress_app(self._state, p), host=self._host)
                    self._ingress.add(port)
                    endpoint.ingress_url = f"http://{self._host}:{port}"

    def release_unused(self) -> None:
        """Stop serving ingress ports whose endpoint is gone from the world."""
        world = self._state.world
        with world.lock:
            live = {e.ingress_port for s in world.list_services() for e in s.endpoints if e.ingress_port}
            for port in self._ingress - live:
                self._server.remove(port)
                self._ingress.discard(port)
