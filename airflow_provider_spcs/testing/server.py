"""Serve ASGI apps with uvicorn on loopback ports, all on one event loop in a background thread.

One ``uvicorn.Server`` per port (``serve(sockets=[sock])``), so ports can be added while running
(a service created at runtime gets its ingress port at once). Sockets are bound and listening
before ``add`` returns, so callers can use the port immediately; connections wait in the backlog
until uvicorn accepts them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import socket
import threading
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

_STOP_TIMEOUT = 5.0


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 = a free port chosen by the OS)."""
    # proto must be IPPROTO_TCP (not the default 0): asyncio only sets TCP_NODELAY on accepted
    # sockets whose proto says TCP, and without it Nagle + delayed ACK add ~40 ms per response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class ServerThread:
    """An asyncio loop in a daemon thread that runs any number of uvicorn servers."""

    def __init__(self, name: str = "spcs-emulator") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: dict[int, tuple[uvicorn.Server, socket.socket, concurrent.futures.Future[None]]] = {}
        self._removed: list[concurrent.futures.Future[None]] = []  # still shutting down; awaited by stop()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the loop thread is up."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the loop thread (idempotent)."""
        if self.running:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        ready.wait()

    def add(self, build_app: Callable[[int], ASGIApp], *, host: str = "127.0.0.1", port: int = 0) -> int:
        """Bind ``host:port``, build the app for the bound port, serve it; return the port."""
        if self._loop is None or not self.running:
            raise RuntimeError("server thread is not running")
        sock = bind_socket(host, port)
        bound = int(sock.getsockname()[1])
        config = uvicorn.Config(
            build_app(bound),
            log_level="warning",
            access_log=False,
            server_header=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
        )
        server = uvicorn.Server(config)
        future = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), self._loop)
        with self._lock:
            self._servers[bound] = (server, sock, future)
        return bound

    def remove(self, port: int) -> None:
        """Stop serving ``port`` (without waiting: uvicorn closes it within ~0.1 s)."""
        with self._lock:
            entry = self._servers.pop(port, None)
        if entry is not None:
            entry[0].should_exit = True
            with self._lock:
                self._removed = [f for f in self._removed if not f.done()] + [entry[2]]

    def stop(self) -> None:
        """Shut every server down, close the sockets and end the loop thread."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), {}
            removed, self._removed = self._removed, []
        for server, _, _ in servers:
            server.should_exit = True
        for future in removed:
            # It was told to exit; one that hangs or failed is dropped with the loop.
            with contextlib.suppress(Exception):
                future.result(timeout=_STOP_TIMEOUT)
        for server, sock, future in servers:
            try:
                future.result(timeout=_STOP_TIMEOUT)
            except (concurrent.futures.TimeoutError, Exception):
                server.force_exit = True
            sock.close()
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=_STOP_TIMEOUT)
        self._loop = None
        self._thread = None
