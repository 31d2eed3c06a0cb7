"""A foreign host for destination checks: a tiny real HTTP server on 127.0.0.2 that records everything.

The emulator's account is on 127.0.0.1, so 127.0.0.2 is another (loopback) host: no Snowflake
credential may ever reach it. Every request it gets is kept (method, path, headers, body) and
answered by :attr:`Recorder.reply` (200 with a small JSON body by default), so a check can also make
it a hostile server: one that redirects, echoes what it was sent, or never stops sending.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

HOST = "127.0.0.2"
CREDENTIAL_HEADERS = ("authorization", "x-sf-spcs-authorization", "x-snowflake-authorization-token-type", "cookie")


@dataclass(frozen=True)
class Recorded:
    """One request the recorder received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    """What the recorder answers: status, headers and a body (bytes, or chunks streamed one by one)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes | Iterable[bytes] = b'{"recorded": true}'


class Recorder:
    """The server; use as a context manager (``with Recorder() as foreign: ...``).

    :param host: the address to listen on (a loopback address other than the emulator's).
    """

    def __init__(self, host: str = HOST) -> None:
        self.requests: list[Recorded] = []
        self.reply: Callable[[Recorded], Reply] = lambda _request: Reply()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                recorder.requests.append(seen)
                reply = recorder.reply(seen)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes):
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for chunk in reply.body:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped reading, as it should

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: callers read :attr:`Recorder.requests` instead."""

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.host = host
        self.port = int(self._server.server_address[1])
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="recorder", daemon=True)

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def credentials_seen(self, secrets: Iterable[str] = ()) -> list[str]:
        """What reached the recorder that it must never see: credential headers, or any of ``secrets``."""
        found: list[str] = []
        wanted = [s for s in secrets if s]
        for seen in self.requests:
            found += [f"{seen.path}: header {name}" for name in CREDENTIAL_HEADERS if name in seen.headers]
            text = json.dumps(seen.headers) + seen.body.decode("latin-1")
            found += [f"{seen.path}: a secret" for secret in wanted if secret in text]
        return found


def endless(chunk: bytes = b"x" * 65536) -> Iterator[bytes]:
    """A body that never ends (the client must stop reading)."""
    while True:
        yield chunk
