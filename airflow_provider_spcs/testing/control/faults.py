"""Fault injection, applied as an ASGI middleware in front of every app (which also counts requests).

A fault is armed per route ("oauth_token", "sql_api", "login", "query", "token_request",
"ingress", "oauth_server", "snowflake_oauth") and consumed by the next matching requests. It can delay the answer,
replace it with an error status (optionally with ``Retry-After``), or drop the connection without
answering. The middleware counts every request under its route in :class:`~.stats.Stats` first.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from airflow_provider_spcs.testing.control.stats import Stats

ROUTES = ("oauth_token", "sql_api", "login", "query", "token_request", "ingress", "oauth_server", "snowflake_oauth")

_STATUS_BODIES: dict[int, dict[str, str]] = {
    429: {"code": "390505", "message": "Too many requests."},
    500: {"code": "390500", "message": "Internal server error."},
    502: {"code": "390502", "message": "Bad gateway."},
    503: {"code": "390503", "message": "Service unavailable. Please retry."},
    504: {"code": "390504", "message": "Gateway timeout."},
}


@dataclass
class Fault:
    """One armed fault: applies to the next ``remaining`` requests of its route."""

    route: str
    remaining: int
    status: int | None = None
    latency: float = 0.0
    drop: bool = False
    retry_after: float | None = None


class FaultInjector:
    """Armed faults per route; thread-safe because tests arm them from outside the server loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, list[Fault]] = {}

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
        """Arm a fault for the next ``count`` requests of ``route``."""
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; expected one of {', '.join(ROUTES)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(route, count, status, latency, drop, retry_after)
        with self._lock:
            self._faults.setdefault(route, []).append(fault)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, route: str) -> Fault | None:
        """Consume one use of the oldest armed fault for ``route``, if any."""
        with self._lock:
            queue = self._faults.get(route)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
            return fault


def _abort_connection(send: Send) -> bool:
    """Close the client's TCP connection without an answer.

    ASGI has no "drop" primitive; uvicorn's ``send`` is a bound method of its request cycle, which
    holds the transport. Reaching for it is the only way to simulate a connection reset.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        return False
    transport.abort()
    return True


class FaultMiddleware:
    """Counts each request under its route and applies any armed fault before the app runs."""

    def __init__(self, app: ASGIApp, *, route_of: Callable[[str], str], faults: FaultInjector, stats: Stats) -> None:
        self.app = app
        self.route_of = route_of
        self.faults = faults
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.route_of(scope["path"])
        self.stats.count_request(route)
        fault = self.faults.take(route)
        if fault is not None:
            if fault.latency > 0:
                await asyncio.sleep(fault.latency)
            if fault.drop and _abort_connection(send):
                return
            if fault.status is not None:
                await _send_status(send, fault)
                return
        await self.app(scope, receive, send)


async def _send_status(send: Send, fault: Fault) -> None:
    assert fault.status is not None
    body = json.dumps(_STATUS_BODIES.get(fault.status, {"code": str(fault.status), "message": "Injected fault."}))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", _retry_after_value(fault.retry_after).encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": body.encode()})


def _retry_after_value(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)
